"""Image files are checked before decoding: a huge voxel count declared by a tiny file is
refused in bounded memory, a prediction whose header size differs from the reference is
refused, and a truncated or corrupt .nii.gz (which SimpleITK would zero-fill) is an error."""

import gzip
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from evaluators_testutil import write_labels

from evaluators import EvaluationInputError, headers
from evaluators.headers import check_before_decoding, nifti_data_end, read_header
from evaluators.io import read_volume

ROOT = Path(__file__).resolve().parents[2]


def _nifti1_header(shape_xyz: tuple[int, int, int]) -> bytes:
    """A NIfTI-1 header by hand (uint8 voxels, data at byte 352), independent of SimpleITK."""
    head = bytearray(352)
    struct.pack_into("<i", head, 0, 348)
    struct.pack_into("<8h", head, 40, 3, *shape_xyz, 1, 1, 1, 1)
    struct.pack_into("<hh", head, 70, 2, 8)  # DT_UINT8, bitpix 8
    struct.pack_into("<8f", head, 76, 1, 1, 1, 1, 1, 1, 1, 1)
    struct.pack_into("<f", head, 108, 352.0)
    struct.pack_into("<b", head, 123, 10)  # xyzt_units: mm, s
    head[344:348] = b"n+1\0"
    return bytes(head)


def write_huge_nifti_gz(path: Path, side: int = 1024) -> None:
    """A valid side^3 uint8 NIfTI, gzipped to about 1 MB: gzip members of 16 MiB of zeros (a
    multi-member stream, as gzip allows), the first one starting with the header."""
    block = 1 << 24
    total = side ** 3
    zeros = gzip.compress(bytes(block), compresslevel=9)
    first = gzip.compress(_nifti1_header((side, side, side)) + bytes(block - 352), 9)
    with open(path, "wb") as out:
        out.write(first)
        written = block - 352
        while written + block <= total:
            out.write(zeros)
            written += block
        out.write(gzip.compress(bytes(total - written), 9))


def test_hand_written_header_is_what_simpleitk_reads(tmp_path):
    path = tmp_path / "small.nii.gz"
    data = np.arange(4 * 5 * 6, dtype=np.uint8)
    path.write_bytes(gzip.compress(_nifti1_header((6, 5, 4)) + data.tobytes()))
    header = read_header(path)
    assert header.size == (6, 5, 4) and header.voxels == 120 and header.nbytes == 120
    assert nifti_data_end(gzip.decompress(path.read_bytes())[:540]) == 352 + 120
    assert read_volume(path).array.reshape(-1).tolist() == data.tolist()


def test_1024_cubed_nifti_of_1mb_is_refused_before_decoding(tmp_path):
    path = tmp_path / "case_00000.nii.gz"
    write_huge_nifti_gz(path)
    assert path.stat().st_size < 2_000_000
    assert read_header(path).voxels == 1024 ** 3  # SimpleITK agrees it is a valid 1024^3 header
    probe = (
        "import resource, sys\n"
        "from evaluators.io import read_volume\n"
        "from evaluators import EvaluationInputError\n"
        "print('BASE_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
        "try:\n"
        f"    read_volume({str(path)!r})\n"
        "except EvaluationInputError as e:\n"
        "    print('REFUSED', e)\n"
        "print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert "REFUSED" in run.stdout and "1,073,741,824 voxels" in run.stdout, run.stdout + run.stderr
    assert "refused before decoding" in run.stdout
    base_mb = int(run.stdout.split("BASE_KB")[1].split()[0]) / 1024
    rss_mb = int(run.stdout.split("MAXRSS_KB")[1]) / 1024
    # Peak growth over the imported library alone: decoding would need the whole 1024 MB volume.
    assert rss_mb - base_mb < 512, (
        f"peak memory grew {rss_mb - base_mb:.0f} MB while refusing (decoding needs 1024 MB)"
    )


def test_prediction_of_another_size_is_refused_before_decoding(tmp_path):
    ref = write_labels(tmp_path / "ref.nii.gz", np.zeros((4, 8, 8), np.uint8))
    pred = write_labels(tmp_path / "pred.nii.gz", np.zeros((40, 8, 8), np.uint8))
    with pytest.raises(EvaluationInputError, match=r"pred.nii.gz: header declares shape "
                       r"\(40, 8, 8\) \(z, y, x\), the reference ref.nii.gz has \(4, 8, 8\)"):
        read_volume(pred, like=ref)


def _valid(tmp_path: Path) -> tuple[Path, np.ndarray]:
    rng = np.random.default_rng(0)
    array = (rng.random((20, 64, 64)) > 0.5).astype(np.uint8)  # incompressible-ish
    return write_labels(tmp_path / "ok.nii.gz", array), array


@pytest.mark.parametrize("inflater", ["zlib-ng", "zlib"])
@pytest.mark.parametrize("damage", ["first_half", "last_byte", "flipped_bytes", "crc",
                                    "inner_truncated"])
def test_truncated_or_corrupt_gzip_is_an_error_not_zeros(tmp_path, damage, inflater, monkeypatch):
    if inflater == "zlib":  # the standard library's fallback when zlib-ng is not installed
        monkeypatch.setattr(headers, "_inflate", zlib)
    else:
        assert headers._inflate.__name__ == "zlib_ng.zlib_ng"
    path, array = _valid(tmp_path)
    data = bytearray(path.read_bytes())
    if damage == "first_half":
        data = data[: len(data) // 2]
    elif damage == "last_byte":
        data = data[:-1]
    elif damage == "flipped_bytes":
        for i in range(len(data) // 2, len(data) // 2 + 16):
            data[i] ^= 0xFF
    elif damage == "crc":
        data[-6] ^= 1
    else:  # a complete gzip stream of a truncated .nii
        data = bytearray(gzip.compress(gzip.decompress(bytes(data))[:-100]))
    bad = tmp_path / "bad.nii.gz"
    bad.write_bytes(bytes(data))
    if damage == "first_half":  # the premise: SimpleITK alone decodes it, zero-filled
        decoded = sitk.GetArrayFromImage(sitk.ReadImage(str(bad)))
        assert decoded.shape == array.shape and not np.array_equal(decoded, array)
    with pytest.raises(EvaluationInputError, match=r"bad.nii.gz: .*(truncated|corrupt gzip)"):
        read_volume(bad)
    np.testing.assert_array_equal(read_volume(path).array, array)


def test_truncated_plain_nii_is_an_error(tmp_path):
    array = np.ones((4, 8, 8), np.uint8)
    path = write_labels(tmp_path / "x.nii", array)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(EvaluationInputError, match="x.nii: holds .* its header declares"):
        check_before_decoding(path)


def test_gzip_that_is_not_gzip_is_refused(tmp_path):
    path = tmp_path / "x.nii.gz"
    path.write_bytes(zlib.compress(b"\0" * 1000))  # zlib, not gzip framing
    with pytest.raises(EvaluationInputError, match="x.nii.gz"):
        read_volume(path)
