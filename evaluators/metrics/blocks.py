"""Split sparse masks into tight blocks so kernels never touch the empty space between
objects (e.g. a false-positive blob 200 mm away from the organ).

A block is one run of consecutive slices (axis 0) holding foreground, split further where the
run's in-plane foreground has empty rows, then empty columns, between objects, each part with
its own bounding box, grown by one voxel of background (clipped at the image edge). Parts are
separated by at least one empty slice, row or column, so no 2×2×2 corner neighbourhood or
6-neighbourhood holds foreground of two blocks: blocks never share foreground, and border/surfel
extraction per block equals the extraction on the whole image. A :class:`BlockedMask` stores a mask only inside
such blocks: every region of a label map shares the blocks of the map's union foreground.
"""

from dataclasses import dataclass

import numpy as np

Block = tuple[slice, slice, slice]


def slice_maxima(array: np.ndarray) -> np.ndarray:
    """Maximum of each slice (first axis) of a 3-D label map or mask: one SIMD pass, which
    also gives the label check its range (:func:`evaluators.io.as_label_map`)."""
    n0 = array.shape[0]
    if array.size == 0:
        return np.zeros(n0, dtype=array.dtype)
    return np.max(array.reshape(n0, -1), axis=1)


@dataclass(frozen=True)
class LabelBlock:
    """A block and, per axis, the maximum label over the block's other two axes (of every
    array the block was found on): enough to bound any region of labels ≥ a value."""

    block: Block
    profiles: tuple[np.ndarray, np.ndarray, np.ndarray]

    def sub_block(self, low) -> Block | None:
        """The part of the block (+1 voxel margin, inside the block) that holds every voxel of
        label ≥ ``low``; ``None`` when the block has none. Labels are never negative."""
        bounds = []
        for axis_slice, profile in zip(self.block, self.profiles, strict=True):
            where = np.flatnonzero(profile >= low)
            if where.size == 0:
                return None
            start = axis_slice.start
            bounds.append(slice(max(start + int(where[0]) - 1, start),
                                min(start + int(where[-1]) + 2, axis_slice.stop)))
        return tuple(bounds)


def label_blocks(arrays: tuple[np.ndarray, ...],
                 maxima: tuple[np.ndarray, ...] | None = None) -> list[LabelBlock]:
    """:func:`foreground_blocks` of the 3-D ``arrays`` with the label profiles of each block.
    ``maxima``: the arrays' :func:`slice_maxima` when already computed (e.g. by the label
    check). Two passes: slice maxima over the whole arrays, plane maxima over each run."""
    n0, n1, n2 = arrays[0].shape
    if arrays[0].size == 0:
        return []
    if maxima is None:
        maxima = tuple(slice_maxima(array) for array in arrays)
    per_slice = maxima[0]
    for other in maxima[1:]:
        per_slice = np.maximum(per_slice, other)
    slices_with_fg = np.flatnonzero(per_slice)
    if slices_with_fg.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(slices_with_fg) > 1)
    starts = np.concatenate(([slices_with_fg[0]], slices_with_fg[breaks + 1]))
    ends = np.concatenate((slices_with_fg[breaks], [slices_with_fg[-1]]))
    blocks: list[LabelBlock] = []
    for z0, z1 in zip(starts.tolist(), ends.tolist(), strict=True):
        plane = None
        for array in arrays:  # elementwise maxima of the run's slices: one SIMD pass
            run_max = np.max(array[z0 : z1 + 1], axis=0)
            plane = run_max if plane is None else np.maximum(plane, run_max)
        zs = slice(max(z0 - 1, 0), min(z1 + 2, n0))
        # objects side by side in the plane (an organ and a far false positive) get blocks of
        # their own: split at empty rows, then at empty columns within each group of rows
        for r0, r1 in _runs(np.max(plane, axis=1)):
            cols = np.max(plane[r0 : r1 + 1], axis=0)
            for c0, c1 in _runs(cols):
                ys = slice(max(r0 - 1, 0), min(r1 + 2, n1))
                xs = slice(max(c0 - 1, 0), min(c1 + 2, n2))
                window = plane[ys, xs]
                rows = np.max(window, axis=1)
                r = np.flatnonzero(rows)  # rows of this column group only
                ys = slice(max(ys.start + int(r[0]) - 1, 0), min(ys.start + int(r[-1]) + 2, n1))
                window = plane[ys, xs]
                blocks.append(LabelBlock(
                    (zs, ys, xs), (per_slice[zs], np.max(window, axis=1), np.max(window, axis=0))
                ))
    return blocks


def _runs(profile: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of non-zero values of a 1-D profile."""
    where = np.flatnonzero(profile)
    if where.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(where) > 1)
    starts = np.concatenate(([where[0]], where[breaks + 1]))
    ends = np.concatenate((where[breaks], [where[-1]]))
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def foreground_blocks(*arrays: np.ndarray) -> list[Block]:
    """Tight blocks (+1 voxel margin) covering every non-zero voxel of the 3-D ``arrays``
    (masks or label maps of one shape; the union of their foregrounds)."""
    return [entry.block for entry in label_blocks(arrays)]


def nonzero_indices(mask: np.ndarray, offset: np.ndarray | None = None) -> np.ndarray:
    """Indices (n, 3) of the non-zero voxels of a 3-D array in C order, plus ``offset``.

    Same result as ``np.argwhere(mask) + offset``, several times faster: one flat scan and
    integer division instead of NumPy's multi-index nonzero.
    """
    return flat_to_indices(np.flatnonzero(mask), mask.shape, offset)


def flat_to_indices(
    flat: np.ndarray, shape: tuple[int, ...], offset: np.ndarray | None = None
) -> np.ndarray:
    """Indices (n, 3) of the C-order flat positions ``flat`` in an array of ``shape``, plus
    ``offset``."""
    _, n1, n2 = shape
    points = np.empty((flat.size, 3), dtype=np.int64)
    points[:, 0], rest = np.divmod(flat, n1 * n2)
    points[:, 1], points[:, 2] = np.divmod(rest, n2)
    if offset is not None:
        points += offset
    return points


def block_offset(block: Block) -> np.ndarray:
    """Index of the block's first voxel in the whole image."""
    return np.array([s.start for s in block], dtype=np.int64)


@dataclass
class BlockedMask:
    """A 3-D boolean mask of ``shape`` stored as its parts inside disjoint blocks; everything
    outside the blocks is background."""

    shape: tuple[int, ...]
    parts: list[tuple[Block, np.ndarray]]

    @classmethod
    def from_dense(cls, mask: np.ndarray, blocks: list[Block] | None = None) -> "BlockedMask":
        blocks = foreground_blocks(mask) if blocks is None else blocks
        return cls(tuple(mask.shape), [(b, mask[b]) for b in blocks])

    def count(self) -> int:
        return sum(int(np.count_nonzero(part)) for _, part in self.parts)

    def any(self) -> bool:
        return any(part.any() for _, part in self.parts)

    def dense_crop(self) -> tuple[np.ndarray, Block]:
        """The mask on the bounding box of all blocks (a dense copy) and that box."""
        low = [min(b[a].start for b, _ in self.parts) for a in range(3)]
        high = [max(b[a].stop for b, _ in self.parts) for a in range(3)]
        box = tuple(slice(lo, hi) for lo, hi in zip(low, high, strict=True))
        dense = np.zeros([hi - lo for lo, hi in zip(low, high, strict=True)], dtype=bool)
        for block, part in self.parts:
            dense[tuple(slice(s.start - lo, s.stop - lo) for s, lo in zip(block, low, strict=True))] = part
        return dense, box
