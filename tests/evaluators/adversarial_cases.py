"""Adversarial (prediction, reference) pairs for the nearest-surface kernels: legal but noisy
predictions whose surface is everywhere, so a nearest-point search cannot prune.

Shared by the golden tests (small sizes, against medpy and DeepMind) and by
``tests/benchmarks/bench_evaluators.py`` (KiTS-size). Every case is deterministic (fixed seed).
"""

import numpy as np

#: anisotropic spacing (z, y, x) in mm, like a KiTS21 CT
SPACING = (1.5, 0.8, 0.8)
KINDS = ("salt_holes", "salt_islands", "checkerboard", "shell", "far_tiny_reference")


def organ(shape: tuple[int, int, int]) -> np.ndarray:
    """A large ellipsoid (an organ filling about a third of the box)."""
    zz, yy, xx = np.ogrid[: shape[0], : shape[1], : shape[2]]
    c = [s / 2.0 for s in shape]
    r = [s * 0.38 for s in shape]
    return ((zz - c[0]) / r[0]) ** 2 + ((yy - c[1]) / r[1]) ** 2 + ((xx - c[2]) / r[2]) ** 2 < 1


def shell_of(mask: np.ndarray) -> np.ndarray:
    """The one-voxel (6-connected) border of ``mask``: mask minus its erosion."""
    interior = mask.copy()
    interior[1:] &= mask[:-1]
    interior[:-1] &= mask[1:]
    interior[:, 1:] &= mask[:, :-1]
    interior[:, :-1] &= mask[:, 1:]
    interior[:, :, 1:] &= mask[:, :, :-1]
    interior[:, :, :-1] &= mask[:, :, 1:]
    interior[0] = interior[-1] = False
    interior[:, 0] = interior[:, -1] = False
    interior[:, :, 0] = interior[:, :, -1] = False
    return mask & ~interior


def adversarial_case(kind: str, shape: tuple[int, int, int], seed: int = 13
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(prediction, reference) boolean masks of ``shape`` for one adversarial ``kind``:

    * ``salt_holes``: the reference organ with 2 % of its voxels removed at random;
    * ``salt_islands``: the organ plus 2 % of the background voxels set at random;
    * ``checkerboard``: the organ's voxels of even index sum only;
    * ``shell``: only the organ's one-voxel border (hollow);
    * ``far_tiny_reference``: the organ in one corner against a 2×2×2 reference in the opposite
      corner.
    """
    rng = np.random.default_rng(seed)
    ref = organ(shape)
    if kind == "salt_holes":
        return ref & (rng.random(shape, dtype=np.float32) >= 0.02), ref
    if kind == "salt_islands":
        return ref | (rng.random(shape, dtype=np.float32) < 0.02), ref
    if kind == "checkerboard":
        zz, yy, xx = np.ogrid[: shape[0], : shape[1], : shape[2]]
        return ref & ((zz + yy + xx) % 2 == 0), ref
    if kind == "shell":
        return shell_of(ref), ref
    if kind == "far_tiny_reference":
        pred = np.zeros(shape, dtype=bool)
        half = tuple(s // 2 for s in shape)
        pred[: half[0], : half[1], : half[2]] = organ(half)
        tiny = np.zeros(shape, dtype=bool)
        tiny[-3:-1, -3:-1, -3:-1] = True
        return pred, tiny
    raise ValueError(f"unknown adversarial case {kind!r}: expected one of {', '.join(KINDS)}")
