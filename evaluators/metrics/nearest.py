"""Nearest-point distances between two point sets on a voxel lattice.

A KD-tree finds, for each query point, its nearest target point; the distance is then
recomputed from the integer index difference in float64 exactly as SciPy's
``distance_transform_edt(..., sampling=spacing)`` computes it
(``sqrt((dz·sz)² + (dy·sy)² + (dx·sx)²)``, summed in axis order), so that values equal the
distance-transform engines (medpy, DeepMind surface-distance) bit for bit, ties at a tolerance
included. Query points that coincide with a target point (common where two surfaces agree) get
distance 0 without a tree query.
"""

import numpy as np
from scipy.spatial import cKDTree

#: threads of one KD-tree query: all cores for a single scoring process; folder scoring with
#: several processes sets 1 in each worker (:func:`set_query_threads`)
_QUERY_THREADS = [-1]


def set_query_threads(threads: int) -> None:
    """Threads used by each nearest-point query (-1 = all cores)."""
    _QUERY_THREADS[0] = threads


def _lattice_keys(points: np.ndarray, low: np.ndarray, extent: np.ndarray) -> np.ndarray:
    """One int64 per lattice point (C-order position in the joint bounding box)."""
    local = points - low
    return (local[:, 0] * extent[1] + local[:, 1]) * extent[2] + local[:, 2]


def _contained(keys: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Whether each key occurs in ``pool`` (binary search in the sorted pool)."""
    pool = np.sort(pool)
    position = np.minimum(np.searchsorted(pool, keys), pool.size - 1)
    return pool[position] == keys


def nearest_distances(
    query: np.ndarray, target: np.ndarray, spacing: tuple[float, ...]
) -> np.ndarray:
    """Distance (mm) from each row of ``query`` (integer lattice indices, shape (n, ndim)) to the
    nearest row of ``target``. ``target`` must be non-empty."""
    distances = np.zeros(query.shape[0], dtype=np.float64)
    if query.shape[0] == 0:
        return distances
    if query.shape[1] == 3:
        low = np.minimum(query.min(axis=0), target.min(axis=0))
        extent = np.maximum(query.max(axis=0), target.max(axis=0)) - low + 1
        shared = _contained(_lattice_keys(query, low, extent), _lattice_keys(target, low, extent))
        remaining = np.flatnonzero(~shared)
    else:
        remaining = np.arange(query.shape[0])
    if remaining.size == 0:
        return distances
    scale = np.asarray(spacing, dtype=np.float64)
    tree = cKDTree(target * scale, balanced_tree=False)
    threads = _QUERY_THREADS[0] if remaining.size > 20_000 else 1
    _, index = tree.query(query[remaining] * scale, k=1, workers=threads)
    delta = (target[index] - query[remaining]).astype(np.float64)
    delta *= scale
    np.multiply(delta, delta, out=delta)
    total = delta[:, 0].copy()
    for axis in range(1, delta.shape[1]):
        total += delta[:, axis]
    distances[remaining] = np.sqrt(total)
    return distances
