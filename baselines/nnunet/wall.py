"""Per-slice carotid wall thickness from a COSMOS label map (1 wall, 2 lumen) and the
diagnosis derived from it (1 = atherosclerotic when the maximum thickness exceeds 1.5 mm)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

PLAQUE_MM = 1.5


def diagnose(labels: np.ndarray, spacing_yx: tuple[float, float] = (1.0, 1.0)) -> dict[str, int]:
    """{slice index: 0|1} for every slice holding a vessel; thickness = largest distance (mm)
    from a wall pixel to the lumen."""
    out: dict[str, int] = {}
    for k in range(labels.shape[0]):
        lumen = labels[k] == 2
        wall = labels[k] == 1
        if not (lumen.any() or wall.any()):
            continue
        if not lumen.any():
            out[str(k)] = 0
            continue
        d = ndimage.distance_transform_edt(~lumen, sampling=spacing_yx)
        thickness = float(d[wall].max()) if wall.any() else 0.0
        out[str(k)] = int(thickness > PLAQUE_MM)
    return out
