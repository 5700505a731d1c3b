"""A plain NIfTI-1 .nii.gz is decoded once, by the stream check (evaluators.nifti): the array,
spacing, origin and direction must equal SimpleITK's own reading; files SimpleITK would
transform (intensity scaling) are left to SimpleITK."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from evaluators import nifti
from evaluators.headers import read_header
from evaluators.io import read_volume


def _write(path: Path, array: np.ndarray) -> Path:
    image = sitk.GetImageFromArray(array)
    image.SetSpacing((0.7, 0.8, 2.5))
    image.SetOrigin((-10.0, 4.5, 33.0))
    image.SetDirection((0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0))
    sitk.WriteImage(image, str(path), useCompression=True)
    return path


def _same_as_simpleitk(path: Path) -> None:
    image = sitk.ReadImage(str(path))
    volume = read_volume(path)
    expected = sitk.GetArrayFromImage(image)
    assert volume.array.dtype == expected.dtype
    np.testing.assert_array_equal(volume.array, expected)
    assert volume.spacing == tuple(float(s) for s in reversed(image.GetSpacing()))
    assert volume.origin == tuple(image.GetOrigin())
    assert volume.direction == tuple(image.GetDirection())
    assert not volume.array.flags.writeable


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16, np.int32, np.float32])
def test_plain_nifti_is_mapped_and_equals_simpleitk(tmp_path, dtype):
    rng = np.random.default_rng(3)
    array = rng.integers(0, 120, size=(7, 9, 11)).astype(dtype)
    path = _write(tmp_path / "case.nii.gz", array)
    head = nifti.read_head(path)
    assert nifti.plain_layout(head, read_header(path)) is not None  # the decode-once path
    _same_as_simpleitk(path)


def test_scaled_nifti_is_left_to_simpleitk(tmp_path):
    path = _write(tmp_path / "case.nii.gz", np.arange(7 * 9 * 11, dtype=np.uint8).reshape(7, 9, 11))
    raw = bytearray(gzip.decompress(path.read_bytes()))
    struct.pack_into("<ff", raw, 112, 2.0, 1.0)  # scl_slope 2, scl_inter 1
    path.write_bytes(gzip.compress(bytes(raw)))
    assert nifti.plain_layout(nifti.read_head(path), read_header(path)) is None
    _same_as_simpleitk(path)


def test_real_kits21_files_equal_simpleitk(shared_data):
    folder = shared_data / "kits21"
    for path in [folder / "references" / "case_00009.nii.gz",
                 folder / "predictions" / "kits19" / "case_00094.nii.gz"]:
        assert nifti.plain_layout(nifti.read_head(path), read_header(path)) is not None
        _same_as_simpleitk(path)
