"""Nearest-point distances between two point sets on a voxel lattice.

For each query point the nearest target point is found in stages chosen by cheap counts, so
that predictions whose surface is everywhere (salt holes and islands, a checkerboard: where a
KD-tree search cannot prune) cost O(voxels of the box the points span), like the
distance-transform engines, while ordinary predictions keep the faster KD-tree:

1. query points that coincide with a target point (common where two surfaces agree) get
   distance 0 without any search;
2. when the remaining query points are so many that even near KD-tree queries (about
   :data:`NEAR_QUERY_COST` voxels of transform each) cost more than the exact feature transform
   of stage 3 on the box of all points (a checkerboard), that transform answers all of them;
   otherwise a KD-tree search **bounded** to a small radius (:data:`NEAR_RADIUS` finest voxel
   sizes) answers the points near the target set; its cost per point is bounded by the lattice
   points in that ball;
3. the remaining far points are answered by SciPy's exact Euclidean feature transform
   (``distance_transform_edt`` with ``sampling=spacing``) of the target set on the box of the
   far and target points, O(voxels), when they are many: when (far points ×
   min(target points, :data:`FAR_QUERY_COST`)) exceeds the box's voxels, as for a noisy
   prediction's holes and islands or a checkerboard, where an unbounded KD-tree search cannot
   prune; otherwise (a few far points, e.g. a false-positive blob far from the organ, or a tiny
   target) by the unbounded KD-tree, each query then visiting at most all target points
   (this branch is the one not bounded by the box volume: it is taken only while the far
   points are fewer than voxels / :data:`FAR_QUERY_COST`).

Whichever stage found the nearest point, the distance is recomputed from the integer index
difference in float64 exactly as SciPy's ``distance_transform_edt(..., sampling=spacing)``
computes it (``sqrt((dz·sz)² + (dy·sy)² + (dx·sx)²)``, summed in axis order), so that values
equal the distance-transform engines (medpy, DeepMind surface-distance) bit for bit; where
several target points are exactly equally near (ties), an engine may pick another one of them,
whose distance agrees to the last bits.
"""

import numpy as np
from scipy import ndimage
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


#: radius of the first, bounded KD-tree search, in units of the finest voxel size
NEAR_RADIUS = 2.0
#: what one near (bounded) KD-tree query costs, in voxels of the feature transform
NEAR_QUERY_COST = 8
#: what one far KD-tree query is assumed to cost, in voxels of the feature transform (measured:
#: a far query visits tens of leaves, the transform costs about 0.1-0.3 µs per voxel)
FAR_QUERY_COST = 64


def use_transform(far_points: int, target_points: int, voxels: float) -> bool:
    """Whether the far points go to the feature transform (stage 3 of the module docstring):
    far points × min(target points, :data:`FAR_QUERY_COST`) > voxels of their box."""
    return float(far_points) * min(float(target_points), FAR_QUERY_COST) > voxels


def _transform_nearest(query: np.ndarray, target: np.ndarray, low: np.ndarray,
                       high: np.ndarray, spacing: tuple[float, ...]) -> np.ndarray:
    """Nearest target point of each query point by the exact Euclidean feature transform of
    the target set on the box [low, high) that holds all query and target points (every
    target lies in the box, so the transform inside it is the transform of the whole image)."""
    background = np.ones(tuple(int(n) for n in high - low), dtype=bool)
    background[tuple((target - low).T)] = False
    features = ndimage.distance_transform_edt(
        background, sampling=spacing, return_distances=False, return_indices=True
    )
    local = tuple((query - low).T)
    nearest = np.empty_like(query)
    for axis in range(query.shape[1]):
        nearest[:, axis] = features[axis][local]
    del features
    nearest += low
    return nearest


def _nearest_points(query: np.ndarray, target: np.ndarray,
                    spacing: tuple[float, ...]) -> np.ndarray:
    """The nearest target point (lattice indices) of each query point (stages 2 and 3 of the
    module docstring)."""
    low = np.minimum(query.min(axis=0), target.min(axis=0))
    high = np.maximum(query.max(axis=0), target.max(axis=0)) + 1
    if float(query.shape[0]) * NEAR_QUERY_COST > float(np.prod((high - low).astype(np.float64))):
        return _transform_nearest(query, target, low, high, spacing)
    scale = np.asarray(spacing, dtype=np.float64)
    tree = cKDTree(target * scale, balanced_tree=False)
    threads = _QUERY_THREADS[0] if query.shape[0] > 20_000 else 1
    scaled = query * scale
    _, index = tree.query(scaled, k=1, workers=threads,
                          distance_upper_bound=NEAR_RADIUS * float(scale.min()))
    nearest = np.empty_like(query)
    found = index < target.shape[0]
    nearest[found] = target[index[found]]
    far = np.flatnonzero(~found)
    if far.size == 0:
        return nearest
    far_query = query[far]
    low = np.minimum(far_query.min(axis=0), target.min(axis=0))
    high = np.maximum(far_query.max(axis=0), target.max(axis=0)) + 1
    voxels = float(np.prod((high - low).astype(np.float64)))
    if not use_transform(far.size, target.shape[0], voxels):
        threads = _QUERY_THREADS[0] if far.size > 20_000 else 1
        _, far_index = tree.query(scaled[far], k=1, workers=threads)
        nearest[far] = target[far_index]
    else:
        nearest[far] = _transform_nearest(far_query, target, low, high, spacing)
    return nearest


def _directed(query: np.ndarray, target: np.ndarray, shared: np.ndarray,
              spacing: tuple[float, ...]) -> np.ndarray:
    """Distances query → target; points flagged ``shared`` are 0 without a search."""
    distances = np.zeros(query.shape[0], dtype=np.float64)
    remaining = np.flatnonzero(~shared)
    if remaining.size == 0:
        return distances
    scale = np.asarray(spacing, dtype=np.float64)
    delta = (_nearest_points(query[remaining], target, spacing) - query[remaining]).astype(
        np.float64
    )
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
