"""Bounding boxes and crops: every surface metric runs on the joint bounding box only."""

import numpy as np

Box = tuple[slice, ...]


def bounding_box(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Inclusive (min, max) index of the non-zero voxels per axis, or ``None`` if empty."""
    lows, highs = [], []
    for axis in range(mask.ndim):
        others = tuple(a for a in range(mask.ndim) if a != axis)
        hit = np.flatnonzero(np.any(mask, axis=others))
        if hit.size == 0:
            return None
        lows.append(hit[0])
        highs.append(hit[-1])
    return np.array(lows), np.array(highs)


def joint_box(shape: tuple[int, ...], *masks: np.ndarray, margin: int = 1) -> Box | None:
    """Slices of the joint bounding box of ``masks`` grown by ``margin`` voxels, clipped to the
    image. ``None`` when all masks are empty."""
    union = masks[0].copy()
    for mask in masks[1:]:
        union |= mask
    box = bounding_box(union)
    if box is None:
        return None
    low, high = box
    return tuple(
        slice(max(int(lo) - margin, 0), min(int(hi) + margin + 1, size))
        for lo, hi, size in zip(low, high, shape, strict=True)
    )


def image_diagonal_mm(shape: tuple[int, ...], spacing: tuple[float, ...]) -> float:
    """Diagonal of the image's physical extent in mm: the 'max distance penalty'."""
    return float(np.sqrt(sum((n * s) ** 2 for n, s in zip(shape, spacing, strict=True))))
