"""Surface elements ("surfels") and their distances: the DeepMind surface-distance convention
behind ``nsd@τ`` (surface Dice) and ``hd95_surfel``.

Convention (stated where it is computed):

* Surfels live on the voxel **corners**. The 2×2×2 neighbourhood of a corner gives an 8-bit
  neighbour code (weights 128, 64, 32, 16, 8, 4, 2, 1 over the (z, y, x) offsets (0,0,0),
  (0,0,1), (0,1,0), (0,1,1), (1,0,0), …, (1,1,1)); voxels outside the image count as background.
  A corner with a code other than 0 and 255 is a surfel.
* The area of a surfel is the area (mm²) of the marching-cubes triangles of its code: the
  classic (Lorensen) triangulation of the configuration with at most four foreground corners,
  the complementary configuration's triangles otherwise (so a code and its complement have the
  same area). Each triangle's area vector (a_z, a_y, a_x) on the unit cube scales with the
  spacing to (a_z·s_y·s_x, a_y·s_z·s_x, a_x·s_z·s_y).
* Distance of a surfel = Euclidean distance (mm) from its corner to the nearest surfel corner of
  the other mask.
"""

from dataclasses import dataclass
from functools import lru_cache
from itertools import product

import numpy as np

from evaluators.metrics.blocks import BlockedMask, block_offset, flat_to_indices
from evaluators.metrics.nearest import mutual_nearest_distances

#: weight of each (dz, dy, dx) offset of the 2×2×2 neighbourhood in the neighbour code
NEIGHBOUR_WEIGHTS = np.array([[[128, 64], [32, 16]], [[8, 4], [2, 1]]], dtype=np.uint8)
_OFFSETS = [(i, j, k) for i, j, k in product((0, 1), repeat=3)]


@lru_cache(maxsize=1)
def _unit_triangle_vectors() -> tuple[np.ndarray, ...]:
    """Per neighbour code, the (t, 3) area vectors of its marching-cubes triangles on the unit
    cube (classic Lorensen triangulation from scikit-image, see module docstring)."""
    from skimage.measure import marching_cubes

    table: list[np.ndarray] = []
    for code in range(256):
        canonical = code if bin(code).count("1") <= 4 else 255 - code
        if canonical == 0:
            table.append(np.zeros((0, 3)))
            continue
        cube = np.zeros((2, 2, 2), dtype=np.float64)
        for offset in _OFFSETS:
            if canonical & int(NEIGHBOUR_WEIGHTS[offset]):
                cube[offset] = 1.0
        verts, faces, _, _ = marching_cubes(cube, 0.5, method="lorensen", allow_degenerate=True)
        verts = verts.astype(np.float64)
        a, b, c = verts[faces[:, 0]], verts[faces[:, 1]], verts[faces[:, 2]]
        table.append(0.5 * np.cross(b - a, c - a))
    return tuple(table)


@lru_cache(maxsize=64)
def surfel_area_table(spacing: tuple[float, float, float]) -> np.ndarray:
    """Area (mm²) of the surfel of each of the 256 neighbour codes at ``spacing`` (z, y, x)."""
    sz, sy, sx = (float(s) for s in spacing)
    scale = np.array([sy * sx, sz * sx, sz * sy])
    areas = np.zeros(256, dtype=np.float64)
    for code, vectors in enumerate(_unit_triangle_vectors()):
        total = 0.0
        for vector in vectors:
            total += float(np.linalg.norm(vector * scale))
        areas[code] = total
    return areas


def neighbour_codes(mask: np.ndarray) -> np.ndarray:
    """Neighbour code of every voxel corner of a 3-D boolean mask; shape = mask.shape + 1.

    Corner ``p`` covers voxels ``p-1`` and ``p`` on each axis; voxels outside are background.
    The code is built one axis at a time (x: 2 bits, then y: 4 bits, then z: 8 bits), which
    gives exactly the weights of :data:`NEIGHBOUR_WEIGHTS` in three passes instead of eight.
    """
    n0, n1, n2 = mask.shape
    padded = np.zeros((n0 + 2, n1 + 2, n2 + 2), dtype=np.uint8)
    padded[1:-1, 1:-1, 1:-1] = mask
    # multiplications, not shifts: NumPy vectorises uint8 multiplication, not uint8 shifts;
    # every step writes into its own preallocated array (no temporaries)
    codes = np.empty((n0 + 2, n1 + 2, n2 + 1), dtype=np.uint8)
    np.add(padded[:, :, :-1], padded[:, :, :-1], out=codes)
    codes |= padded[:, :, 1:]
    pairs_y = np.empty((n0 + 2, n1 + 1, n2 + 1), dtype=np.uint8)
    np.multiply(codes[:, :-1, :], np.uint8(4), out=pairs_y)
    pairs_y |= codes[:, 1:, :]
    cube = np.empty((n0 + 1, n1 + 1, n2 + 1), dtype=np.uint8)
    np.multiply(pairs_y[:-1], np.uint8(16), out=cube)
    cube |= pairs_y[1:]
    return cube


def surfel_codes(mask: BlockedMask) -> tuple[np.ndarray, np.ndarray]:
    """Corner indices (n, 3) and neighbour codes (uint8) of the surfels of a blocked mask, block
    by block (corner ``p`` of a block is corner ``p + block start`` of the image)."""
    points = [np.zeros((0, 3), dtype=np.int64)]
    codes = [np.zeros(0, dtype=np.uint8)]
    for block, local in mask.parts:
        corner_codes = neighbour_codes(local)
        is_surfel = (corner_codes - np.uint8(1)) < np.uint8(254)  # 1..254 (uint8 wraps 0 to 255)
        flat = np.flatnonzero(is_surfel)
        points.append(flat_to_indices(flat, corner_codes.shape, block_offset(block)))
        codes.append(corner_codes.ravel()[flat])
    return np.concatenate(points), np.concatenate(codes)


def surfel_points(mask: BlockedMask, spacing: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Corner indices (n, 3) and areas (mm²) of the surfels of a blocked mask."""
    points, codes = surfel_codes(mask)
    return points, surfel_area_table(tuple(float(s) for s in spacing))[codes]


def surfels(mask: np.ndarray, spacing: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Corner indices (n, 3) and areas (mm²) of the surfels of a dense boolean mask."""
    return surfel_points(BlockedMask.from_dense(mask), spacing)


def _sorted(distances: np.ndarray, areas: np.ndarray, codes: np.ndarray | None = None,
            table: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays sorted by (distance, area), as DeepMind's ``sorted(zip(...))`` orders them.

    Surfel distances take few distinct values (lattice distances) and areas at most 256 (one
    per neighbour code), so the pairs are counted per (distance, area) cell and written out
    cell by cell in order (a counting sort: a few passes, no comparison sort of the pairs);
    when the cells would outnumber the pairs (many distinct far distances) or a value is not
    finite, one direct sort of complex numbers (NumPy orders them by real, then imaginary
    part). Equal pairs are equal values, so either gives the same arrays. Given the surfels'
    neighbour ``codes`` (uint8) with ``areas == table[codes]``, the distinct areas and each
    surfel's rank among them come from the codes present (256 counts, no sort of the areas)."""
    if distances.size and np.isfinite(distances).all() and np.isfinite(areas).all():
        unique_d = np.unique(distances)
        if codes is None:
            unique_a = np.unique(areas)
            area_rank = np.searchsorted(unique_a, areas)
        else:
            present = np.flatnonzero(np.bincount(codes, minlength=256))
            unique_a = np.unique(table[present])
            area_rank = np.searchsorted(unique_a, table)[codes]
        cells = unique_d.size * unique_a.size
        if cells <= 4 * distances.size + 4096:
            key = np.searchsorted(unique_d, distances) * unique_a.size
            key += area_rank
            counts = np.bincount(key, minlength=cells)
            filled = np.flatnonzero(counts)
            repeats = counts[filled]
            row, column = np.divmod(filled, unique_a.size)
            return np.repeat(unique_d[row], repeats), np.repeat(unique_a[column], repeats)
    pairs = np.empty(distances.size, dtype=np.complex128)
    pairs.real, pairs.imag = distances, areas
    pairs.sort()
    return np.ascontiguousarray(pairs.real), np.ascontiguousarray(pairs.imag)


@dataclass(frozen=True)
class SurfaceDistances:
    """Surfel distances of both directions, each sorted by (distance, area)."""

    ref_to_pred: np.ndarray
    ref_areas: np.ndarray
    pred_to_ref: np.ndarray
    pred_areas: np.ndarray

    def nsd(self, tolerance_mm: float) -> float:
        """Normalized surface Dice at τ: (area of reference surfels within τ of the prediction
        surface + area of prediction surfels within τ of the reference surface) / (total surfel
        area of both); "within" is ≤ τ."""
        overlap_ref = np.sum(self.ref_areas[self.ref_to_pred <= tolerance_mm])
        overlap_pred = np.sum(self.pred_areas[self.pred_to_ref <= tolerance_mm])
        total = np.sum(self.ref_areas) + np.sum(self.pred_areas)
        return float((overlap_ref + overlap_pred) / total)

    def robust_hausdorff(self, percent: float = 95.0) -> float:
        """``hd95_surfel``: per direction, the smallest distance whose cumulative surfel-area
        fraction reaches ``percent`` % (no interpolation); the maximum of the two directions."""

        def directed(distances: np.ndarray, areas: np.ndarray) -> float:
            cumulative = np.cumsum(areas) / np.sum(areas)
            index = int(np.searchsorted(cumulative, percent / 100.0))
            return float(distances[min(index, len(distances) - 1)])

        return max(
            directed(self.ref_to_pred, self.ref_areas), directed(self.pred_to_ref, self.pred_areas)
        )


def surface_distances(
    pred: np.ndarray | BlockedMask, ref: np.ndarray | BlockedMask, spacing: tuple[float, ...]
) -> SurfaceDistances:
    """Surfel distances between two **non-empty** 3-D boolean masks of the same shape (crops
    that contain both masks entirely give the same result as the full images)."""
    table = surfel_area_table(tuple(float(s) for s in spacing))
    pred_points, pred_codes = surfel_codes(
        pred if isinstance(pred, BlockedMask) else BlockedMask.from_dense(pred)
    )
    ref_points, ref_codes = surfel_codes(
        ref if isinstance(ref, BlockedMask) else BlockedMask.from_dense(ref)
    )
    ref_to_pred, pred_to_ref = mutual_nearest_distances(ref_points, pred_points, spacing)
    ref_to_pred, ref_areas = _sorted(ref_to_pred, table[ref_codes], ref_codes, table)
    pred_to_ref, pred_areas = _sorted(pred_to_ref, table[pred_codes], pred_codes, table)
    return SurfaceDistances(ref_to_pred, ref_areas, pred_to_ref, pred_areas)
