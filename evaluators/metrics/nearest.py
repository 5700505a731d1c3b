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


def _contained(keys: np.ndarray, sorted_pool: np.ndarray) -> np.ndarray:
    """Whether each key occurs in ``sorted_pool`` (binary search)."""
    position = np.minimum(np.searchsorted(sorted_pool, keys), sorted_pool.size - 1)
    return sorted_pool[position] == keys


def _shared_points(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For 3-D lattice point sets, whether each point of ``a`` is also in ``b`` and vice versa
    (keys and sorts computed once for both directions); all False for other dimensions."""
    if a.shape[1] != 3 or not len(a) or not len(b):
        return np.zeros(len(a), dtype=bool), np.zeros(len(b), dtype=bool)
    low = np.minimum(a.min(axis=0), b.min(axis=0))
    extent = np.maximum(a.max(axis=0), b.max(axis=0)) - low + 1
    keys_a, keys_b = _lattice_keys(a, low, extent), _lattice_keys(b, low, extent)
    return _contained(keys_a, np.sort(keys_b)), _contained(keys_b, np.sort(keys_a))


def _directed(query: np.ndarray, target: np.ndarray, shared: np.ndarray,
              spacing: tuple[float, ...]) -> np.ndarray:
    """Distances query → target; points flagged ``shared`` are 0 without a tree query."""
    distances = np.zeros(query.shape[0], dtype=np.float64)
    remaining = np.flatnonzero(~shared)
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


def nearest_distances(
    query: np.ndarray, target: np.ndarray, spacing: tuple[float, ...]
) -> np.ndarray:
    """Distance (mm) from each row of ``query`` (integer lattice indices, shape (n, ndim)) to the
    nearest row of ``target``. ``target`` must be non-empty."""
    shared, _ = _shared_points(query, target)
    return _directed(query, target, shared, spacing)


def mutual_nearest_distances(
    a: np.ndarray, b: np.ndarray, spacing: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(:func:`nearest_distances` a → b, b → a) for two **non-empty** point sets, sharing the
    work both directions need (the coincident points)."""
    a_shared, b_shared = _shared_points(a, b)
    return _directed(a, b, a_shared, spacing), _directed(b, a, b_shared, spacing)
