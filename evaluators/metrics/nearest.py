"""Nearest-point distances between two point sets on a voxel lattice.

For each query point the nearest target point is found in stages chosen by cheap counts, so
that ordinary predictions cost a few look-ups per surface point and predictions
whose surface is everywhere (salt holes and islands, a checkerboard: where a tree search cannot
prune) cost O(voxels of the box the points span), like the distance-transform engines:

1. **ball look-ups.** Both point sets are turned once into flat keys of one grid frame (their
   joint bounding box plus margins); the target points are marked in a boolean grid, and each
   query point looks up the lattice offsets of a ball in increasing distance order (computed
   once per spacing); the first offset that hits a target point gives its nearest distance.
   Offsets are tried a power of two at a time (few while many points are left, more as they
   leave); answered points leave. A step of up to :data:`_OFFSET_GATHERS` offsets gathers the
   points' keys once per offset from the grid viewed from that offset on; wider steps (few
   points left) gather the (points, offsets) block of keys + offsets at once. Every point tries the offsets within :data:`NEAR_RADIUS`
   finest voxel sizes; the points left go on to :data:`TAIL_FACTOR` times that radius only
   while finishing the ball costs at most :data:`TAIL_LOOKUPS` look-ups (a few stragglers need
   no tree then). Points coinciding with a target point (where two surfaces agree) stop at the
   first look-up. When even the near ball could cost more than the exact feature transform of
   stage 2 on the box of all points (query points × near offsets > :data:`LOOKUPS_PER_VOXEL` ×
   box voxels, e.g. a checkerboard), that transform answers every query point instead; stage 1
   also stops after that many look-ups per voxel.
2. **far points** (no target point inside the ball) are answered by SciPy's exact Euclidean
   feature transform (``distance_transform_edt`` with ``sampling=spacing``) of the target set on
   the box of the far and target points, O(voxels), when they are many: when (far points ×
   min(target points, :data:`FAR_QUERY_COST`)) exceeds the box's voxels, as for a noisy
   prediction's holes and islands or a checkerboard, where an unbounded KD-tree search cannot
   prune; otherwise (a few far points, e.g. a false-positive blob far from the organ, or a tiny
   target) by an unbounded KD-tree search, each query then visiting at most all target points
   (this branch is the one not bounded by the box volume: it is taken only while the far
   points are fewer than voxels / :data:`FAR_QUERY_COST`); the tree holds only the targets that
   can be someone's nearest (a subsample bounds every far point's distance from above; targets
   farther than that from the far points' box are dropped: the side of an organ facing a
   false-positive blob).

Distances are computed from the integer index difference in float64 exactly as SciPy's
``distance_transform_edt(..., sampling=spacing)`` computes them (``sqrt((dz·sz)² + (dy·sy)² +
(dx·sx)²)``, summed in axis order), so that values equal the distance-transform engines (medpy,
DeepMind surface-distance) bit for bit; where several target points are exactly equally near
(ties), an engine may pick another one of them, whose distance agrees to the last bits.
"""

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

#: threads of one KD-tree query: all cores for a single scoring process; folder scoring with
#: several processes sets 1 in each worker (:func:`set_query_threads`)
_QUERY_THREADS = [-1]


def set_query_threads(threads: int) -> None:
    """Threads used by each nearest-point query (-1 = all cores)."""
    _QUERY_THREADS[0] = threads


#: radius of the stage-1 ball, in units of the finest voxel size; every query point looks up
#: its offsets (unless the transform is chosen for all of them)
NEAR_RADIUS = 4.0
#: the ball then goes on to TAIL_FACTOR × that radius (at most about :data:`BALL_OFFSETS`
#: offsets) for the query points left, while finishing it costs at most :data:`TAIL_LOOKUPS`
TAIL_FACTOR = 3.0
BALL_OFFSETS = 4096
TAIL_LOOKUPS = 1 << 20
#: look-ups per query point assumed when choosing the transform for every point (the first
#: shells of the ball answer most points)
EXPECTED_LOOKUPS = 64
#: ball look-ups that cost as much as one voxel of the feature transform (measured: a look-up
#: takes a few ns on C-ordered surface points, the transform 0.1-0.5 µs per voxel); stage 1
#: stops when its look-ups reach this many per voxel of the points' box
LOOKUPS_PER_VOXEL = 64
#: look-ups per step of stage 1 (query points left × offsets tried at once)
_STEP_LOOKUPS = 1 << 18
#: what one far KD-tree query is assumed to cost, in voxels of the feature transform (measured:
#: a far query visits tens of leaves, the transform costs about 0.1-0.3 µs per voxel)
FAR_QUERY_COST = 64


def lattice_distances(delta: np.ndarray, spacing: tuple[float, ...]) -> np.ndarray:
    """Length (mm) of integer index differences ``delta`` (n, ndim): ``sqrt(Σ (d·s)²)`` summed
    in axis order in float64, the arithmetic of SciPy's ``distance_transform_edt``."""
    scaled = delta.astype(np.float64) * np.asarray(spacing, dtype=np.float64)
    np.multiply(scaled, scaled, out=scaled)
    total = scaled[:, 0].copy()
    for axis in range(1, scaled.shape[1]):
        total += scaled[:, axis]
    return np.sqrt(total)


@lru_cache(maxsize=64)
def lattice_ball(spacing: tuple[float, ...], radius_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Every integer offset whose length (:func:`lattice_distances`) is ≤ ``radius_mm``, sorted
    by length (stable over C order), and those lengths."""
    scale = np.asarray(spacing, dtype=np.float64)
    reach = np.floor(radius_mm / scale).astype(np.int64) + 1
    axes = np.meshgrid(*[np.arange(-k, k + 1) for k in reach], indexing="ij")
    offsets = np.stack([a.ravel() for a in axes], axis=1)
    lengths = lattice_distances(offsets, spacing)
    keep = np.flatnonzero(lengths <= radius_mm)
    order = keep[np.argsort(lengths[keep], kind="stable")]
    offsets, lengths = offsets[order], lengths[order]
    offsets.flags.writeable = lengths.flags.writeable = False
    return offsets, lengths


def _bounds(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-axis minimum and maximum of (n, ndim) points (column by column: several times
    faster than an axis-0 reduction over the interleaved array)."""
    low = np.array([points[:, axis].min() for axis in range(points.shape[1])])
    high = np.array([points[:, axis].max() for axis in range(points.shape[1])])
    return low, high


def _strides(extent: np.ndarray) -> np.ndarray:
    """C-order strides (in elements) of a grid of ``extent``."""
    strides = np.ones(len(extent), dtype=np.int64)
    for axis in range(len(extent) - 2, -1, -1):
        strides[axis] = strides[axis + 1] * extent[axis + 1]
    return strides


def _flat(points: np.ndarray, low: np.ndarray, strides: np.ndarray) -> np.ndarray:
    local = points - low
    keys = local[:, -1] * strides[-1]
    for axis in range(points.shape[1] - 1):
        keys += local[:, axis] * strides[axis]
    return keys


def search_ball(spacing: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, int]:
    """The stage-1 ball of ``spacing`` (:func:`lattice_ball`): radius :data:`TAIL_FACTOR` ×
    :data:`NEAR_RADIUS` finest voxel sizes, shrunk to about :data:`BALL_OFFSETS` offsets on
    fine grids (never below the near radius); and how many of its offsets lie within the near
    radius."""
    near = NEAR_RADIUS * min(spacing)
    volume = float(np.prod(np.asarray(spacing, dtype=np.float64)))
    capped = (BALL_OFFSETS * volume * 3.0 / (4.0 * np.pi)) ** (1.0 / 3.0)
    offsets, lengths = lattice_ball(spacing, float(max(near, min(TAIL_FACTOR * near, capped))))
    return offsets, lengths, int(np.searchsorted(lengths, near, side="right"))


class _Frame:
    """One grid frame for two point sets: their joint bounding box plus twice the ball's reach
    on each side (room for every look-up), each set's points as flat C-order keys."""

    def __init__(self, a: np.ndarray, b: np.ndarray, reach: np.ndarray) -> None:
        (a_low, a_high), (b_low, b_high) = _bounds(a), _bounds(b)
        self.bounds = {id(a): (a_low, a_high), id(b): (b_low, b_high)}
        self.low = np.minimum(a_low, b_low) - 2 * reach
        self.extent = np.maximum(a_high, b_high) + 2 * reach + 1 - self.low
        self.strides = _strides(self.extent)
        self.size = int(np.prod(self.extent))
        self.voxels = float(np.prod((np.maximum(a_high, b_high) + 1
                                     - np.minimum(a_low, b_low)).astype(np.float64)))
        self.keys = {id(a): _flat(a, self.low, self.strides)}
        self.keys[id(b)] = self.keys[id(a)] if b is a else _flat(b, self.low, self.strides)


#: widest step answered by one gather per offset (:func:`_first_hits_by_offset`); wider steps
#: (few points left) gather the (points, offsets) block at once
_OFFSET_GATHERS = 16


def _first_hits_by_offset(grid: np.ndarray, keys: np.ndarray,
                          shifts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Query points (positions in ``keys``) with a target point at one of the offsets, and the
    first such offset of each (its nearest: ``shifts`` in increasing length). Offset ``j`` is
    one gather of ``keys`` from the grid viewed from ``shifts[j]`` on (no index arithmetic,
    no (points, offsets) block); a point's column is the first offset that hits it."""
    found = np.take(grid[shifts[0]:], keys, mode="clip")
    column = np.zeros(keys.size, dtype=np.uint8)
    for j in range(1, shifts.size):
        hit = np.take(grid[shifts[j]:], keys, mode="clip")
        column[hit > found] = j  # hit here, not at an earlier offset
        found |= hit
    row = np.flatnonzero(found)
    return row, column[row].astype(np.int64)


def _ball_distances(query: np.ndarray, target: np.ndarray, frame: _Frame,
                    ball: tuple[np.ndarray, np.ndarray, int]) -> np.ndarray:
    """Stage 1: distance to the nearest target point for query points with one inside the ball
    (``offsets``/``lengths`` of :func:`search_ball`), ``inf`` for the others. Offsets are tried
    in increasing length, a few at a time for many points and more as fewer points are left;
    answered points leave."""
    offsets, lengths, near = ball
    distances = np.full(query.shape[0], np.inf)
    grid = np.zeros(frame.size, dtype=bool)
    grid[frame.keys[id(target)]] = True
    reach = np.abs(offsets).max(axis=0)
    t_low, t_high = frame.bounds[id(target)]
    inside = np.ones(query.shape[0], dtype=bool)
    for axis in range(query.shape[1]):
        column = query[:, axis]
        inside &= (column >= t_low[axis] - reach[axis]) & (column <= t_high[axis] + reach[axis])
    index = np.flatnonzero(inside)
    deltas = offsets @ frame.strides
    # keys and offsets both moved by the most negative offset: the shifted keys index the grid
    # viewed from (offset + margin) on (the frame's margins keep both non-negative)
    margin = -int(deltas.min())
    keys = frame.keys[id(query)][index] - margin
    shifts = deltas + margin
    budget, spent, start = LOOKUPS_PER_VOXEL * frame.voxels, 0.0, 0
    while index.size and start < deltas.size and spent <= budget:
        if start >= near and index.size * (deltas.size - start) > TAIL_LOOKUPS:
            break  # many points beyond the near ball: the far stage is cheaper
        # a power of two of offsets at a time: rows and columns of the hits by shifts
        shift = max(0, int(_STEP_LOOKUPS // index.size).bit_length() - 1)
        shift = min(shift, max(0, int(deltas.size - start).bit_length() - 1))
        width = 1 << shift
        # "clip" only skips the bounds check: every look-up lies in the frame
        if width <= _OFFSET_GATHERS:
            row, column = _first_hits_by_offset(grid, keys, shifts[start : start + width])
        else:
            where = keys[:, None] + shifts[None, start : start + width]
            flat = np.flatnonzero(np.take(grid, where, mode="clip"))
            row, column = flat >> shift, flat & (width - 1)
            first = np.ones(row.size, dtype=bool)  # row-major: a row's first hit is nearest
            np.not_equal(row[1:], row[:-1], out=first[1:])
            row, column = row[first], column[first]
        spent += float(index.size) * width
        if row.size:
            distances[index[row]] = lengths[start + column]
            left = np.ones(index.size, dtype=bool)
            left[row] = False
            index, keys = index[left], keys[left]
        start += width
    return distances


def use_transform(far_points: int, target_points: int, voxels: float) -> bool:
    """Whether the far points go to the feature transform (stage 2 of the module docstring):
    far points × min(target points, :data:`FAR_QUERY_COST`) > voxels of their box."""
    return float(far_points) * min(float(target_points), FAR_QUERY_COST) > voxels


def _box(query: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    (q_low, q_high), (t_low, t_high) = _bounds(query), _bounds(target)
    low, high = np.minimum(q_low, t_low), np.maximum(q_high, t_high) + 1
    return low, high, float(np.prod((high - low).astype(np.float64)))


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


def _far_candidates(query: np.ndarray, target: np.ndarray, scale: np.ndarray) -> np.ndarray | None:
    """Indices of the target points that can be the nearest one of some query point, or
    ``None`` (all of them). Bound: a subsample of the targets gives every query point an upper
    bound on its nearest distance; a target farther than the largest bound from the query
    points' bounding box is nobody's nearest. Cuts the tree to the side of the surface that
    faces a far-away cluster (a false-positive blob)."""
    if target.shape[0] < 8192:
        return None
    sample = target[:: max(1, target.shape[0] // 1024)]
    tree = cKDTree(sample * scale, balanced_tree=False)
    q_low, q_high = _bounds(query)
    gap = np.zeros(target.shape[0], dtype=np.float64)
    for axis in range(target.shape[1]):
        column = target[:, axis]
        outside = (np.maximum(q_low[axis] - column, 0) + np.maximum(column - q_high[axis], 0))
        outside = outside * scale[axis]
        gap += outside * outside
    # the bound of a subset of the query points is at most the bound of all: when it already
    # keeps half of the targets, so does the full bound (no query of every point)
    step = query.shape[0] // 256
    subsets = ((query[::step],) if step > 1 else ()) + (query,)
    for points in subsets:
        bound, _ = tree.query(points * scale, k=1)
        radius = float(bound.max()) * (1.0 + 1e-9) + 1e-9
        candidates = np.flatnonzero(gap <= radius * radius)
        if 2 * candidates.size >= target.shape[0]:
            return None
    return candidates


def _far_nearest(query: np.ndarray, target: np.ndarray,
                 spacing: tuple[float, ...]) -> np.ndarray:
    """Stage 2: the nearest target point (lattice indices) of each far query point."""
    low, high, voxels = _box(query, target)
    if use_transform(query.shape[0], target.shape[0], voxels):
        return _transform_nearest(query, target, low, high, spacing)
    scale = np.asarray(spacing, dtype=np.float64)
    candidates = _far_candidates(query, target, scale)
    pool = target if candidates is None else target[candidates]
    tree = cKDTree(pool * scale, leafsize=32, balanced_tree=False, compact_nodes=False)
    threads = _QUERY_THREADS[0] if query.shape[0] > 20_000 else 1
    _, index = tree.query(query * scale, k=1, workers=threads)
    return pool[index]


def _directed(query: np.ndarray, target: np.ndarray, frame: _Frame,
              spacing: tuple[float, ...]) -> np.ndarray:
    ball = search_ball(spacing)
    if float(query.shape[0]) * min(ball[2], EXPECTED_LOOKUPS) > LOOKUPS_PER_VOXEL * frame.voxels:
        low, high, _ = _box(query, target)
        nearest = _transform_nearest(query, target, low, high, spacing)
        return lattice_distances(nearest - query, spacing)
    distances = _ball_distances(query, target, frame, ball)
    far = np.flatnonzero(np.isinf(distances))
    if far.size:
        far_query = query[far]
        distances[far] = lattice_distances(_far_nearest(far_query, target, spacing) - far_query,
                                           spacing)
    return distances


def nearest_distances(
    query: np.ndarray, target: np.ndarray, spacing: tuple[float, ...]
) -> np.ndarray:
    """Distance (mm) from each row of ``query`` (integer lattice indices, shape (n, ndim)) to the
    nearest row of ``target``. ``target`` must be non-empty."""
    if query.shape[0] == 0:
        return np.zeros(0, dtype=np.float64)
    spacing = tuple(float(s) for s in spacing)
    reach = np.abs(search_ball(spacing)[0]).max(axis=0)
    return _directed(query, target, _Frame(query, target, reach), spacing)


def mutual_nearest_distances(
    a: np.ndarray, b: np.ndarray, spacing: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(:func:`nearest_distances` a → b, b → a) for two **non-empty** point sets, in one grid
    frame; the two directions run in two threads (NumPy and SciPy release the GIL in their
    loops) unless :func:`set_query_threads` asked for one thread (folder scoring in several
    processes)."""
    spacing = tuple(float(s) for s in spacing)
    reach = np.abs(search_ball(spacing)[0]).max(axis=0)
    frame = _Frame(a, b, reach)
    if _QUERY_THREADS[0] == 1 or a.shape[0] + b.shape[0] < 20_000:
        return _directed(a, b, frame, spacing), _directed(b, a, frame, spacing)
    with ThreadPoolExecutor(max_workers=2) as pool:
        backward = pool.submit(_directed, b, a, frame, spacing)
        return _directed(a, b, frame, spacing), backward.result()
