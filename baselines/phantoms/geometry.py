"""Geometry primitives for phantom generation.

Conventions used throughout ``baselines.phantoms``:

- Arrays are indexed ``(z, y, x)`` (SimpleITK's ``GetArrayFromImage`` order); ``spacing`` is
  given in the same array order, in millimetres.
- Anatomical positions are millimetres in a patient frame centred on the volume centre:
  ``x`` positive = patient left, ``y`` positive = posterior, ``z`` positive = superior.
  Array index 0 along z is the most inferior slice, along y the most anterior row and along x
  the patient's right side (the radiological LPS layout).
- Shapes are painted only inside their bounding box, so the cost of a shape scales with its
  size, not with the volume size (``full`` presets are tens of millions of voxels).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class Grid:
    """A voxel grid: ``shape`` and ``spacing`` in array order (z, y, x), spacing in mm."""

    shape: tuple[int, int, int]
    spacing: Vec3

    def extent_mm(self) -> np.ndarray:
        """Physical size of the grid along (z, y, x) in mm."""
        return np.asarray(self.shape, float) * np.asarray(self.spacing, float)

    def index_of(self, pos_xyz: Sequence[float]) -> np.ndarray:
        """Continuous voxel index (z, y, x) of a patient-frame position given as (x, y, z) mm."""
        x, y, z = pos_xyz
        zyx = np.array([z, y, x], float)
        return zyx / np.asarray(self.spacing) + (np.asarray(self.shape) - 1) / 2.0

    def coords(self, sl: tuple[slice, slice, slice]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Broadcastable patient-frame coordinates (x, y, z) in mm of the voxels of a crop."""
        out = []
        for axis, s in enumerate(sl):
            idx = np.arange(s.start, s.stop, dtype=np.float32)
            mm = (idx - (self.shape[axis] - 1) / 2.0) * self.spacing[axis]
            shape = [1, 1, 1]
            shape[axis] = -1
            out.append(mm.reshape(shape))
        z, y, x = out
        return x, y, z

    def box(self, lo_xyz: Sequence[float], hi_xyz: Sequence[float]) -> tuple[slice, ...] | None:
        """Voxel slices covering the patient-frame box [lo, hi] (mm); None when outside."""
        a = self.index_of(lo_xyz)
        b = self.index_of(hi_xyz)
        lo = np.floor(np.minimum(a, b)).astype(int)
        hi = np.ceil(np.maximum(a, b)).astype(int) + 1
        lo = np.clip(lo, 0, self.shape)
        hi = np.clip(hi, 0, self.shape)
        if np.any(hi <= lo):
            return None
        return tuple(slice(int(i), int(j)) for i, j in zip(lo, hi, strict=True))


@dataclass
class Region:
    """A boolean mask restricted to a crop of a grid: ``mask`` has the shape of ``sl``."""

    sl: tuple[slice, slice, slice]
    mask: np.ndarray

    def voxels(self) -> int:
        """Number of voxels in the region."""
        return int(self.mask.sum())


def _rotation(angles_deg: Vec3) -> np.ndarray:
    """Rotation matrix from (rx, ry, rz) Euler angles in degrees (applied x, then y, then z)."""
    rx, ry, rz = np.deg2rad(angles_deg)
    cx, sx, cy, sy, cz, sz = np.cos(rx), np.sin(rx), np.cos(ry), np.sin(ry), np.cos(rz), np.sin(rz)
    mx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    my = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    mz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return mz @ my @ mx


def ellipsoid(
    grid: Grid,
    center: Vec3,
    radii: Vec3,
    angles: Vec3 = (0.0, 0.0, 0.0),
    min_voxel: bool = True,
) -> Region | None:
    """Solid ellipsoid at ``center`` (x, y, z mm) with semi-axes ``radii`` (x, y, z mm).

    ``angles`` rotates the ellipsoid (degrees about x, y, z). With ``min_voxel`` each semi-axis
    is at least half a voxel and a shape that would cover no voxel centre covers the voxel nearest
    its centre, so tiny organs (cochlea, lens) exist on coarse ``small`` grids. Returns None when the shape
    lies outside the grid.
    """
    sz, sy, sx = grid.spacing
    r = np.asarray(radii, float)
    if min_voxel:
        r = np.maximum(r, 0.51 * np.array([sx, sy, sz]))
    rot = _rotation(angles)
    half = np.abs(rot) @ r  # bounding half-extent of the rotated ellipsoid
    c = np.asarray(center, float)
    sl = grid.box(c - half, c + half)
    if sl is None:
        return None
    x, y, z = grid.coords(sl)
    dx, dy, dz = x - c[0], y - c[1], z - c[2]
    inv = rot.T  # world -> body frame
    u = (inv[0, 0] * dx + inv[0, 1] * dy + inv[0, 2] * dz) / r[0]
    v = (inv[1, 0] * dx + inv[1, 1] * dy + inv[1, 2] * dz) / r[1]
    w = (inv[2, 0] * dx + inv[2, 1] * dy + inv[2, 2] * dz) / r[2]
    mask = u * u + v * v + w * w <= 1.0
    if min_voxel and not mask.any():
        _mark_nearest(grid, sl, mask, [c])
    return Region(sl, mask)


def _mark_nearest(grid: Grid, sl, mask: np.ndarray, points) -> None:
    """Mark the voxel nearest to each point (x, y, z mm) that falls inside the crop ``sl``
    (keeps sub-voxel structures present on coarse grids)."""
    for p in points:
        idx = np.rint(grid.index_of(p)).astype(int)
        local = [int(i) - s.start for i, s in zip(idx, sl, strict=True)]
        if all(0 <= v < n for v, n in zip(local, mask.shape, strict=True)):
            mask[tuple(local)] = True


def tube(grid: Grid, points: Iterable[Vec3], radius: float | Sequence[float]) -> Region | None:
    """Tube of ``radius`` mm (scalar, or one value per point, linearly interpolated) around the
    polyline through ``points`` (x, y, z mm). Returns None when outside the grid."""
    pts = np.asarray(list(points), float)
    rad = np.broadcast_to(np.asarray(radius, float), (len(pts),)).copy()
    rad = np.maximum(rad, 0.51 * min(grid.spacing))
    lo = (pts - rad[:, None]).min(axis=0)
    hi = (pts + rad[:, None]).max(axis=0)
    sl = grid.box(lo, hi)
    if sl is None:
        return None
    x, y, z = grid.coords(sl)
    shape = tuple(s.stop - s.start for s in sl)
    mask = np.zeros(shape, bool)
    for i in range(len(pts) - 1):
        a, b = pts[i], pts[i + 1]
        ab = b - a
        denom = float(ab @ ab) or 1e-9
        t = ((x - a[0]) * ab[0] + (y - a[1]) * ab[1] + (z - a[2]) * ab[2]) / denom
        t = np.clip(t, 0.0, 1.0)
        d2 = (x - a[0] - t * ab[0]) ** 2 + (y - a[1] - t * ab[1]) ** 2 + (z - a[2] - t * ab[2]) ** 2
        r = rad[i] + t * (rad[i + 1] - rad[i])
        mask |= d2 <= r * r
    if not mask.any():
        _mark_nearest(grid, sl, mask, pts)
    return Region(sl, mask)


def paint(
    labels: np.ndarray,
    region: Region | None,
    value: int,
    over: Iterable[int] | None = (0,),
    remap: dict[int, int] | None = None,
) -> None:
    """Write ``value`` into ``labels`` inside ``region``.

    Only voxels whose current label is in ``over`` are written (``over=None``: all voxels).
    Voxels whose current label is a key of ``remap`` get ``remap[old]`` instead (used to form
    the overlap atoms of SegRap, e.g. temporal lobe ∩ hippocampus).
    """
    if region is None:
        return
    view = labels[region.sl]
    old = view.copy()
    if over is None:
        view[region.mask] = value
    else:
        sel = region.mask & np.isin(old, list(over))
        view[sel] = value
    for src, dst in (remap or {}).items():
        view[region.mask & (old == src)] = dst


def fill(volume: np.ndarray, region: Region | None, value: float) -> None:
    """Set intensity ``value`` inside ``region`` of a float volume (tissue background)."""
    if region is not None:
        volume[region.sl][region.mask] = value


def jitter(rng: np.random.Generator | None, vec: Sequence[float], scale: float | Sequence[float]) -> Vec3:
    """``vec`` plus uniform noise in [-scale, scale] per component (anatomical variability);
    ``rng=None`` gives the mean anatomy (``vec`` unchanged)."""
    if rng is None:
        return tuple(float(a) for a in vec)  # type: ignore[return-value]
    v = np.asarray(vec, float) + rng.uniform(-1, 1, len(vec)) * np.asarray(scale, float)
    return tuple(float(a) for a in v)  # type: ignore[return-value]


def scale(rng: np.random.Generator | None, vec: Sequence[float], rel: float) -> Vec3:
    """``vec`` multiplied by one random factor in [1-rel, 1+rel] (organ size variability);
    ``rng=None`` gives ``vec`` unchanged."""
    f = 1.0 if rng is None else rng.uniform(1 - rel, 1 + rel)
    return tuple(float(a) * f for a in vec)  # type: ignore[return-value]
