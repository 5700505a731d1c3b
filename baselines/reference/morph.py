"""Morphology helpers of the non-learned baselines (SciPy ndimage, physical units).

Conventions: masks are boolean (z, y, x) arrays; ``spacing`` is (z, y, x) in mm; sizes are in mm
or millilitres; positions are patient-frame mm relative to the volume centre (as in
:class:`baselines.phantoms.geometry.Grid`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage


def smooth(img: np.ndarray, spacing, sigma_mm: float) -> np.ndarray:
    """Gaussian smoothing with an isotropic physical sigma (mm)."""
    sig = np.maximum(sigma_mm / np.asarray(spacing, float), 0.0)
    return ndimage.gaussian_filter(img, sigma=sig)


def ball(spacing, radius_mm: float) -> np.ndarray:
    """Ellipsoidal structuring element approximating a ball of ``radius_mm``."""
    r = np.maximum(np.floor(radius_mm / np.asarray(spacing, float)), 0).astype(int)
    zz, yy, xx = np.ogrid[-r[0]: r[0] + 1, -r[1]: r[1] + 1, -r[2]: r[2] + 1]
    sp = np.asarray(spacing, float)
    return (zz * sp[0]) ** 2 + (yy * sp[1]) ** 2 + (xx * sp[2]) ** 2 <= radius_mm**2 + 1e-6


def dilate(mask: np.ndarray, spacing, radius_mm: float) -> np.ndarray:
    """Binary dilation by a physical radius (distance transform based, exact in mm)."""
    if radius_mm <= 0 or not mask.any():
        return mask.copy()
    return ndimage.distance_transform_edt(~mask, sampling=spacing) <= radius_mm


def erode(mask: np.ndarray, spacing, radius_mm: float) -> np.ndarray:
    """Binary erosion by a physical radius."""
    if radius_mm <= 0 or not mask.any():
        return mask.copy()
    return ndimage.distance_transform_edt(mask, sampling=spacing) > radius_mm


def opening(mask: np.ndarray, spacing, radius_mm: float) -> np.ndarray:
    """Binary opening by a physical radius (removes structures thinner than 2·radius)."""
    return dilate(erode(mask, spacing, radius_mm), spacing, radius_mm)


def components(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """26-connected components: (label array, count)."""
    return ndimage.label(mask, structure=np.ones((3, 3, 3), bool))


def voxel_ml(spacing) -> float:
    """Volume of one voxel in millilitres."""
    return float(np.prod(spacing)) / 1000.0


def centre_mm(shape, spacing, idx: np.ndarray) -> np.ndarray:
    """Patient-frame (x, y, z) mm of a continuous (z, y, x) index (volume-centred frame)."""
    zyx = (np.asarray(idx, float) - (np.asarray(shape) - 1) / 2.0) * np.asarray(spacing, float)
    return zyx[::-1]


def select(
    mask: np.ndarray,
    spacing,
    keep: Callable[[dict], bool] | None = None,
    largest: int | None = None,
) -> np.ndarray:
    """Keep the connected components of ``mask`` accepted by ``keep`` (a predicate on a dict
    with ``ml``, ``centre`` (x, y, z mm), ``zspan`` (mm), ``touches_z`` (touches both z faces)),
    then the ``largest`` n of them by volume."""
    lab, n = components(mask)
    if n == 0:
        return np.zeros_like(mask, bool)
    sizes = np.bincount(lab.ravel())[1:]
    objs = ndimage.find_objects(lab)
    coms = ndimage.center_of_mass(mask, lab, range(1, n + 1))
    accepted = []
    for i in range(n):
        sl = objs[i]
        info = {
            "ml": sizes[i] * voxel_ml(spacing),
            "centre": centre_mm(mask.shape, spacing, np.asarray(coms[i])),
            "zspan": (sl[0].stop - sl[0].start) * spacing[0],
            "touches_z": sl[0].start == 0 and sl[0].stop == mask.shape[0],
        }
        if keep is None or keep(info):
            accepted.append((sizes[i], i + 1))
    accepted.sort(reverse=True)
    if largest is not None:
        accepted = accepted[:largest]
    return np.isin(lab, [i for _, i in accepted])


def fill_holes_2d(mask: np.ndarray) -> np.ndarray:
    """Fill holes slice by slice along z."""
    out = mask.copy()
    for k in range(mask.shape[0]):
        if mask[k].any():
            out[k] = ndimage.binary_fill_holes(mask[k])
    return out


def body_mask(img: np.ndarray, threshold: float) -> np.ndarray:
    """Largest component above ``threshold`` with holes filled per slice (the patient)."""
    lab, n = components(img > threshold)
    if n == 0:
        return np.zeros(img.shape, bool)
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    return fill_holes_2d(lab == int(sizes.argmax()))


def coords_mm(shape, spacing) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Broadcastable patient-frame (x, y, z) mm arrays for a full volume."""
    out = []
    for axis in range(3):
        v = (np.arange(shape[axis], dtype=np.float32) - (shape[axis] - 1) / 2.0) * spacing[axis]
        s = [1, 1, 1]
        s[axis] = -1
        out.append(v.reshape(s))
    z, y, x = out
    return x, y, z
