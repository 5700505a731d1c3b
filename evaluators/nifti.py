"""The voxels of a ``.nii.gz`` file straight from its verified, decoded stream.

:func:`evaluators.headers.check_gzip_stream` inflates every ``.nii.gz`` end to end before
anything is scored (CRC, length, size against the header). For the common NIfTI-1 layout that
decoded stream already holds the voxels exactly as ``SimpleITK.GetArrayFromImage`` returns them,
so the file is decoded once instead of twice. The layout is used only when SimpleITK would not
transform the bytes: a single-file NIfTI-1 (``n+1``) little-endian header, 3-D (``dim[0] = 3``),
a plain integer or float voxel type, no intensity scaling (``scl_slope`` 0, or 1 with
``scl_inter`` 0), and SimpleITK's own header reading (size and pixel type) agreeing. Then the
array is the bytes from ``vox_offset`` on, in (z, y, x) = reversed NIfTI (i, j, k) order: neither
ITK nor SimpleITK reorders NIfTI voxels (orientation lives in the direction matrix). Anything
else returns ``None`` and is read by SimpleITK.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from evaluators.headers import ImageHeader

#: NIfTI-1 datatype code → NumPy type and the SimpleITK pixel type it is read as
_TYPES = {
    2: (np.uint8, sitk.sitkUInt8), 4: (np.int16, sitk.sitkInt16),
    8: (np.int32, sitk.sitkInt32), 16: (np.float32, sitk.sitkFloat32),
    64: (np.float64, sitk.sitkFloat64), 256: (np.int8, sitk.sitkInt8),
    512: (np.uint16, sitk.sitkUInt16), 768: (np.uint32, sitk.sitkUInt32),
    1024: (np.int64, sitk.sitkInt64), 1280: (np.uint64, sitk.sitkUInt64),
}


@dataclass(frozen=True)
class NiftiLayout:
    """Where the voxels lie in the decoded stream: byte ``offset``, ``dtype`` (little-endian)
    and array ``shape`` (z, y, x)."""

    offset: int
    dtype: np.dtype
    shape: tuple[int, int, int]

    @property
    def end(self) -> int:
        """Byte position just after the last voxel."""
        return self.offset + int(np.prod(self.shape)) * self.dtype.itemsize


def plain_layout(head: bytes, header: ImageHeader) -> NiftiLayout | None:
    """The layout of a decoded NIfTI-1 stream beginning with ``head`` (at least 348 bytes) when
    its voxels need no transformation to equal SimpleITK's array (module docstring), checked
    against ``header`` (SimpleITK's reading of the same file); otherwise ``None``."""
    if len(head) < 348 or struct.unpack("<i", head[:4])[0] != 348 or head[344:348] != b"n+1\0":
        return None
    dims = struct.unpack("<8h", head[40:56])
    datatype, bitpix = struct.unpack("<hh", head[70:74])
    offset = struct.unpack("<f", head[108:112])[0]
    slope, intercept = struct.unpack("<ff", head[112:120])
    if dims[0] != 3 or datatype not in _TYPES:
        return None
    numpy_type, pixel_id = _TYPES[datatype]
    dtype = np.dtype(numpy_type).newbyteorder("<")
    unscaled = slope == 0.0 or (slope == 1.0 and intercept == 0.0)
    if (not unscaled or bitpix != 8 * dtype.itemsize or not offset >= 348
            or offset != int(offset) or header.pixel_id != pixel_id
            or header.components != 1 or tuple(header.size) != tuple(dims[1:4])):
        return None
    return NiftiLayout(int(offset), dtype, (dims[3], dims[2], dims[1]))


def read_head(path: Path, size: int = 352) -> bytes:
    """The first ``size`` decoded bytes of a gzip file; ``b""`` when they cannot be decoded
    (the full stream check then names the problem)."""
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(size)
    except (OSError, EOFError, zlib.error):
        return b""


def voxels(stream: np.ndarray, layout: NiftiLayout) -> np.ndarray:
    """The (z, y, x) array over the decoded ``stream`` bytes (no copy, read-only)."""
    count = int(np.prod(layout.shape))
    array = stream[layout.offset : layout.end].view(layout.dtype)[:count].reshape(layout.shape)
    array.flags.writeable = False
    return array
