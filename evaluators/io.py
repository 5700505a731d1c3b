"""Reading and validating volumes (SimpleITK) and indexing case folders.

Arrays are in SimpleITK array order (z, y, x); ``Volume.spacing`` is reversed into that order.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from evaluators.errors import EvaluationInputError
from evaluators.headers import (
    check_before_decoding,
    check_gzip_stream,
    check_header,
    read_header,
)

IMAGE_SUFFIXES = (".nii.gz", ".nii", ".mha", ".nrrd")
SPACING_RTOL = 1e-3
GEOMETRY_ATOL = 1e-3


@dataclass
class Volume:
    """A 3-D image: ``array`` (z, y, x; read-only, over the decoded file's buffer), ``spacing`` (z, y, x, mm), SimpleITK origin and
    direction (x, y, z order, as stored), and the file it came from."""

    array: np.ndarray
    spacing: tuple[float, float, float]
    origin: tuple[float, ...]
    direction: tuple[float, ...]
    path: Path

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)


def case_stem(name: str) -> str | None:
    """Case id of an image file name (``case_00001.nii.gz`` → ``case_00001``), ``None`` if the
    name has none of the readable suffixes."""
    lowered = name.lower()
    for suffix in IMAGE_SUFFIXES:
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


class _ImageBuffer:
    """Exposes a SimpleITK image's pixel buffer to NumPy without a copy and keeps the image
    alive for as long as an array over that buffer exists (NumPy holds this object as the
    array's base)."""

    def __init__(self, image: sitk.Image) -> None:
        self.image = image
        self.view = sitk.GetArrayViewFromImage(image)
        self.__array_interface__ = self.view.__array_interface__


def image_array(image: sitk.Image) -> np.ndarray:
    """The image's voxels (z, y, x) as a **read-only** NumPy array over SimpleITK's own buffer
    (decoded once, never copied; same values as ``sitk.GetArrayFromImage``)."""
    array = np.asarray(_ImageBuffer(image))
    array.flags.writeable = False
    return array


def read_volume(path: Path, like: Path | None = None) -> Volume:
    """Read a 3-D image; a clear ``EvaluationInputError`` if it can't be read.
    The header and (for gzip files) the whole compressed stream are checked first
    (:func:`evaluators.headers.check_before_decoding`): nothing oversized, truncated or, given
    ``like`` (the reference image's path), of another size than the reference is decoded. A
    plain NIfTI-1 ``.nii.gz`` is decoded once, by that check (:mod:`evaluators.nifti`: the same
    array as SimpleITK's); other files are then read with SimpleITK."""
    path = Path(path)
    like_header = None if like is None else read_header(Path(like))
    if path.name.lower().endswith(".nii.gz"):
        volume = _read_plain_nifti_gz(path, like_header)
        if volume is not None:
            return volume
    else:
        check_before_decoding(path, like_header)
    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError as error:
        first_line = str(error).strip().splitlines()[-1] if str(error).strip() else ""
        raise EvaluationInputError(
            f"{path}: cannot be read as an image (expected NIfTI/MHA/NRRD): {first_line}"
        )
    if image.GetDimension() != 3 or image.GetNumberOfComponentsPerPixel() != 1:
        raise EvaluationInputError(
            f"{path}: expected a 3-D single-channel image, found {image.GetDimension()}-D with "
            f"{image.GetNumberOfComponentsPerPixel()} component(s) per voxel"
        )
    array = image_array(image)
    return Volume(
        array=array,
        spacing=tuple(float(s) for s in reversed(image.GetSpacing())),
        origin=tuple(image.GetOrigin()),
        direction=tuple(image.GetDirection()),
        path=path,
    )


def _read_plain_nifti_gz(path: Path, like_header) -> Volume | None:
    """Header check, then the stream check of a ``.nii.gz`` that also decodes it: the volume
    when its layout is plain (:func:`evaluators.nifti.plain_layout`), else ``None`` after the
    check (SimpleITK then decodes it)."""
    from evaluators import nifti

    header = read_header(path)
    check_header(header, like_header)
    layout = nifti.plain_layout(nifti.read_head(path), header)
    if layout is None:
        check_gzip_stream(path)
        return None
    stream = np.empty(layout.end, dtype=np.uint8)
    check_gzip_stream(path, layout.end, into=stream)
    return Volume(
        array=nifti.voxels(stream, layout),
        spacing=tuple(reversed(header.spacing)),
        origin=header.origin,
        direction=header.direction,
        path=path,
    )


def read_volumes(*paths: Path, like: Path | None = None) -> list[Volume]:
    """:func:`read_volume` of each path (each checked against ``like`` when given), decoded
    concurrently (SimpleITK releases the GIL while it inflates and parses a file); on failure,
    the error of the first unreadable path in argument order."""
    if len(paths) < 2:
        return [read_volume(p, like) for p in paths]
    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        futures = [pool.submit(read_volume, p, like) for p in paths]
        return [future.result() for future in futures]


def check_same_grid(pred: Volume, ref: Volume, case: str) -> None:
    """Prediction must have the reference's shape; spacing equal within 1e-3 relative; origin and
    direction within 1e-3 absolute."""
    if pred.shape != ref.shape:
        raise EvaluationInputError(
            f"case {case}: prediction {pred.path.name} has shape {pred.shape} (z, y, x), the "
            f"reference {ref.path.name} has {ref.shape}"
        )
    if not np.allclose(pred.spacing, ref.spacing, rtol=SPACING_RTOL, atol=0):
        raise EvaluationInputError(
            f"case {case}: prediction spacing {_fmt(pred.spacing[::-1])} differs from the "
            f"reference spacing {_fmt(ref.spacing[::-1])} (x, y, z mm; tolerance 1e-3 relative)"
        )
    for field in ("origin", "direction"):
        mine, theirs = getattr(pred, field), getattr(ref, field)
        if not np.allclose(mine, theirs, rtol=0, atol=GEOMETRY_ATOL):
            raise EvaluationInputError(
                f"case {case}: prediction {field} {_fmt(mine)} differs from the reference "
                f"{field} {_fmt(theirs)} (tolerance 1e-3)"
            )


def _fmt(values) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in values) + ")"


def _allowed_mask(array: np.ndarray, allowed: set[int]) -> np.ndarray | None:
    """Per voxel, whether its value is allowed, through a lookup table over the dtype's whole
    range (one pass, no copy to a wider type); ``None`` for dtypes without a small range."""
    if array.dtype.kind not in "ui" or array.dtype.itemsize > 2:
        return None
    bits = 8 * array.dtype.itemsize
    unsigned = array.view(np.uint8 if bits == 8 else np.uint16)
    table = np.zeros(1 << bits, dtype=bool)
    for value in allowed:
        if -(1 << (bits - 1)) <= value < (1 << bits):
            table[value & ((1 << bits) - 1)] = True
    return table[unsigned]


def as_label_map(volume: Volume, allowed: set[int], case: str,
                 maxima: np.ndarray | None = None) -> np.ndarray:
    """The volume's voxels as an integer label map, checking every value is in ``allowed``.
    ``maxima``: the array's per-slice maxima (:func:`evaluators.metrics.blocks.slice_maxima`)
    when the caller computed them, so that the range check costs no pass of its own."""
    array = volume.array
    low, high = min(allowed), max(allowed)
    contiguous = len(allowed) == high - low + 1
    if contiguous and array.dtype.kind in "ui" and array.size:
        # unsigned values are never below 0: one SIMD pass then
        at_least_low = (low <= 0 and array.dtype.kind == "u") or int(array.min()) >= low
        highest = int(array.max()) if maxima is None else int(maxima.max())
        if at_least_low and highest <= high:
            return array
    ok = _allowed_mask(array, allowed)
    if ok is not None:
        if ok.all():
            return array
        values = np.unique(array[~ok])
    else:
        values = np.unique(array)
        if array.dtype.kind == "f" and not np.all(np.equal(np.mod(values, 1), 0)):
            raise EvaluationInputError(
                f"case {case}: {volume.path.name} holds non-integer values (e.g. "
                f"{values[np.mod(values, 1) != 0][:3].tolist()}); expected a label map"
            )
    unexpected = sorted(int(v) for v in values if int(v) not in allowed)
    if unexpected:
        raise EvaluationInputError(
            f"case {case}: {volume.path.name} contains label value(s) {unexpected[:10]} outside "
            f"the task's label map {sorted(allowed)}"
        )
    return array.astype(np.int16 if max(allowed) > 255 else np.uint8)


@dataclass
class FolderIndex:
    """Image files of a folder keyed by case id, plus duplicate ids and non-image entries."""

    files: dict[str, Path]
    duplicates: dict[str, list[str]]
    others: list[str]


def index_images(folder: Path, *, allow_dirs: bool = False) -> FolderIndex:
    """Index ``folder``'s image files by case stem. Sub-folders are indexed by name when
    ``allow_dirs`` (per-structure layouts); other entries are listed as ``others``."""
    if not folder.is_dir():
        raise EvaluationInputError(f"{folder}: not a folder (expected a folder of case files)")
    files: dict[str, Path] = {}
    duplicates: dict[str, list[str]] = {}
    others: list[str] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        stem = entry.name if (allow_dirs and entry.is_dir()) else case_stem(entry.name)
        if stem is None or (entry.is_dir() and not allow_dirs):
            others.append(entry.name)
            continue
        if stem in files:
            duplicates.setdefault(stem, [files[stem].name]).append(entry.name)
            continue
        files[stem] = entry
    return FolderIndex(files, duplicates, others)
