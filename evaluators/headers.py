"""Checks on an image file before its voxels are decoded.

SimpleITK decodes a whole volume into memory and zero-fills what a truncated or corrupt gzip
stream fails to deliver. :func:`check_before_decoding` therefore reads only the header
(``ImageFileReader.ReadImageInformation``), refuses a voxel count or byte size over the hard cap
(or different from a reference header's size), and verifies a ``.nii.gz`` stream end to end in
bounded memory (CRC and length of every gzip member, decompressed byte count against the NIfTI
header's ``vox_offset + voxels * bitpix / 8``). An uncompressed ``.nii`` must hold that many
bytes. The stream is inflated by zlib-ng when installed (the same DEFLATE format and checks,
several times faster than the standard library's zlib on label maps), else by :mod:`zlib`. Sizes are SimpleITK's (x, y, z) order internally; messages give (z, y, x) like the rest
of the evaluators.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from evaluators.errors import EvaluationInputError

try:  # optional: same decoded bytes, CRC and length checks as zlib, 3-5× faster inflate
    from zlib_ng import zlib_ng as _inflate
except ImportError:  # pragma: no cover - zlib-ng is in requirements.txt
    _inflate = zlib

#: hard caps; override with ARENA_MAX_VOXELS / ARENA_MAX_IMAGE_BYTES (environment, integers)
MAX_VOXELS = int(os.environ.get("ARENA_MAX_VOXELS", str(1 << 29)))  # 536,870,912
MAX_IMAGE_BYTES = int(os.environ.get("ARENA_MAX_IMAGE_BYTES", str(1 << 31)))  # 2 GiB decoded
_CHUNK = 1 << 20
_OUT_CHUNK = 1 << 22

_PIXEL_BYTES = {
    sitk.sitkUInt8: 1, sitk.sitkInt8: 1, sitk.sitkUInt16: 2, sitk.sitkInt16: 2,
    sitk.sitkUInt32: 4, sitk.sitkInt32: 4, sitk.sitkUInt64: 8, sitk.sitkInt64: 8,
    sitk.sitkFloat32: 4, sitk.sitkFloat64: 8,
}


@dataclass(frozen=True)
class ImageHeader:
    """What an image header declares: ``size`` in SimpleITK (x, y, z) order, components per
    voxel and bytes per component of the decoded image."""

    path: Path
    size: tuple[int, ...]
    components: int
    pixel_bytes: int
    #: SimpleITK's pixel type, spacing, origin and direction (x, y, z order) from the header
    pixel_id: int = -1
    spacing: tuple[float, ...] = ()
    origin: tuple[float, ...] = ()
    direction: tuple[float, ...] = ()

    @property
    def voxels(self) -> int:
        """Number of voxels (product of ``size``)."""
        count = 1
        for n in self.size:
            count *= int(n)
        return count

    @property
    def nbytes(self) -> int:
        """Bytes of the decoded image."""
        return self.voxels * self.components * self.pixel_bytes

    @property
    def shape(self) -> tuple[int, ...]:
        """Array shape, (z, y, x) order."""
        return tuple(reversed(self.size))


def read_header(path: Path) -> ImageHeader:
    """The header of ``path`` without decoding voxels; ``EvaluationInputError`` when it is not
    a readable image."""
    reader = sitk.ImageFileReader()
    reader.SetFileName(str(path))
    try:
        reader.ReadImageInformation()
    except RuntimeError as error:
        text = str(error).strip()
        detail = text.splitlines()[-1] if text else ""
        raise EvaluationInputError(
            f"{path}: cannot be read as an image (expected NIfTI/MHA/NRRD): {detail}"
        )
    pixel_id = reader.GetPixelID()
    return ImageHeader(
        path=Path(path),
        size=tuple(int(n) for n in reader.GetSize()),
        components=int(reader.GetNumberOfComponents()),
        pixel_bytes=_PIXEL_BYTES.get(pixel_id, 8),
        pixel_id=int(pixel_id),
        spacing=tuple(float(v) for v in reader.GetSpacing()),
        origin=tuple(reader.GetOrigin()),
        direction=tuple(reader.GetDirection()),
    )


def check_header(header: ImageHeader, like: ImageHeader | None = None) -> None:
    """Refuse a header that is not 3-D single-channel, exceeds ``MAX_VOXELS`` or
    ``MAX_IMAGE_BYTES``, or (given ``like``, a reference's header) has another size."""
    name = header.path.name
    if len(header.size) != 3 or header.components != 1:
        raise EvaluationInputError(
            f"{name}: expected a 3-D single-channel image, found {len(header.size)}-D with "
            f"{header.components} component(s) per voxel"
        )
    if header.voxels > MAX_VOXELS or header.nbytes > MAX_IMAGE_BYTES:
        raise EvaluationInputError(
            f"{name}: header declares {header.shape} (z, y, x) = {header.voxels:,} voxels, "
            f"{header.nbytes:,} bytes decoded; the limit is {MAX_VOXELS:,} voxels and "
            f"{MAX_IMAGE_BYTES:,} bytes (refused before decoding)"
        )
    if like is not None and header.size != like.size:
        raise EvaluationInputError(
            f"{name}: header declares shape {header.shape} (z, y, x), the reference "
            f"{like.path.name} has {like.shape} (refused before decoding)"
        )


def nifti_data_end(head: bytes) -> int | None:
    """``vox_offset + voxels * bitpix / 8`` of a NIfTI-1 or NIfTI-2 header (its first bytes);
    None when ``head`` is not a NIfTI header."""
    for order in "<>":
        if len(head) >= 348 and struct.unpack(order + "i", head[:4])[0] == 348:
            dims = struct.unpack(order + "8h", head[40:56])
            bitpix = struct.unpack(order + "h", head[72:74])[0]
            offset = int(struct.unpack(order + "f", head[108:112])[0])
            break
        if len(head) >= 540 and struct.unpack(order + "i", head[:4])[0] == 540:
            bitpix = struct.unpack(order + "h", head[14:16])[0]
            dims = struct.unpack(order + "8q", head[16:80])
            offset = struct.unpack(order + "q", head[168:176])[0]
            break
    else:
        return None
    rank = dims[0]
    if not 1 <= rank <= 7 or bitpix <= 0:
        return None
    voxels = 1
    for n in dims[1 : rank + 1]:
        voxels *= max(int(n), 1)
    return max(offset, 348) + voxels * bitpix // 8


def check_gzip_stream(path: Path, expected: int | None = None,
                      into: np.ndarray | None = None) -> int:
    """Inflate ``path`` in bounded memory and return its decompressed size; an
    ``EvaluationInputError`` when the stream is truncated, fails its CRC/length check, is not
    gzip, or holds fewer than ``expected`` bytes (the NIfTI header's data end when None) or over
    1 MiB more. Several concatenated members are one stream; trailing zero bytes are ignored.
    ``into`` (a writable uint8 array) receives the first ``len(into)`` decompressed bytes, so
    the check is also the file's only decoding (:mod:`evaluators.nifti`)."""
    name = Path(path).name
    total, head = 0, b""
    room = 0 if into is None else into.size
    decomp, in_member = _inflate.decompressobj(wbits=31), False
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                while chunk:
                    if not in_member and not chunk.strip(b"\0"):
                        break  # zero padding after a complete member
                    in_member = True
                    out = decomp.decompress(chunk, _OUT_CHUNK)
                    if len(head) < 540:
                        head += out[: 540 - len(head)]
                        if expected is None and len(head) >= 540:
                            expected = nifti_data_end(head)
                    if total < room:
                        part = out[: room - total]
                        into[total : total + len(part)] = np.frombuffer(part, dtype=np.uint8)
                    total += len(out)
                    if expected is not None and total > expected + (1 << 20):
                        raise EvaluationInputError(
                            f"{name}: the gzip stream inflates to more than the {expected:,} "
                            "bytes its header declares"
                        )
                    if decomp.eof:  # a member ended: the rest may be another member
                        chunk = decomp.unused_data
                        decomp, in_member = _inflate.decompressobj(wbits=31), False
                    else:
                        chunk = decomp.unconsumed_tail
    except (zlib.error, _inflate.error) as error:
        raise EvaluationInputError(f"{name}: corrupt gzip stream ({error}); the file is damaged")
    if in_member or total == 0:
        raise EvaluationInputError(
            f"{name}: the gzip stream is truncated (it ends after {total:,} decompressed bytes); "
            "upload the complete file"
        )
    if expected is None and head:
        expected = nifti_data_end(head)
    if expected is not None and total < expected:
        raise EvaluationInputError(
            f"{name}: holds {total:,} bytes of header and voxels, its header declares "
            f"{expected:,}; the file is truncated"
        )
    return total


def check_before_decoding(path: Path, like: ImageHeader | None = None) -> ImageHeader:
    """Header and stream checks of :mod:`evaluators.headers`, before any voxel is decoded;
    returns the header. ``like``: the reference's header the file must match in size."""
    header = read_header(path)
    check_header(header, like)
    lowered = Path(path).name.lower()
    if lowered.endswith(".gz"):
        check_gzip_stream(path)
    elif lowered.endswith(".nii"):
        with open(path, "rb") as handle:
            end = nifti_data_end(handle.read(540))
        size = os.path.getsize(path)
        if end is not None and size < end:
            raise EvaluationInputError(
                f"{Path(path).name}: holds {size:,} bytes, its header declares {end:,}; the file "
                "is truncated"
            )
    return header
