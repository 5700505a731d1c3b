"""Reference baseline for COSMOS2022 (3-D black-blood MR of the carotids).

Method, per axial slice: lumens are dark (flow void) round blobs of carotid size (area 8–70
mm²) lying 10–27 mm from the neck's midline; jugular veins (more lateral, larger) and the airway
(midline, larger) are rejected by these priors. The wall is the ring within ``WALL_MM`` of the
lumen; the slice diagnosis is 1 when at least 4 mm² of intermediate signal (a lipid-rich plaque
core: darker than wall and fat, brighter than blood) lies 1.2–2.5 mm from a lumen, else 0. Writes the label map (1 wall, 2 lumen) and the per-slice diagnosis.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from baselines.reference import morph
from baselines.reference.io import CaseImages

WALL_MM = 0.8


def cosmos2022(case: CaseImages) -> tuple[np.ndarray, dict[str, int]]:
    """COSMOS2022 (label map, {slice index: diagnosis}) for all slices with a vessel."""
    img = case.channel("0000")
    sp = case.spacing
    norm = img / max(float(np.percentile(img, 99)), 1e-6)
    sm = morph.smooth(norm, (1e9, sp[1], sp[2]), 0.4)  # in-plane only
    body = morph.body_mask(norm, 0.15)
    x, _, _ = morph.coords_mm(img.shape, sp)
    xs = np.broadcast_to(x, img.shape)
    if body.any():
        cx = float(xs[body].mean())
    else:
        cx = 0.0
    px = sp[1] * sp[2]
    out = np.zeros(img.shape, np.uint8)
    diag: dict[str, int] = {}
    for k in range(img.shape[0]):
        dark = (sm[k] < 0.22) & body[k]
        lab, n = ndimage.label(dark)
        if n == 0:
            continue
        lumen = np.zeros(dark.shape, bool)
        for i, sl in enumerate(ndimage.find_objects(lab), start=1):
            m = lab[sl] == i
            area = m.sum() * px
            dx = abs(float(xs[k][sl][m].mean()) - cx)
            if 8 <= area <= 70 and 10 <= dx <= 27:
                lumen[sl] |= m
        if not lumen.any():
            continue
        dist = ndimage.distance_transform_edt(~lumen, sampling=sp[1:])
        wall = (dist > 0) & (dist <= WALL_MM + 1e-6)
        # plaque: a lipid core (intermediate signal, darker than fat and wall, brighter than
        # blood) beyond the lumen's partial-volume rim
        core = (dist > 1.2) & (dist <= 2.5) & (sm[k] > 0.38) & (sm[k] < 0.66)
        out[k][wall] = 1
        out[k][lumen] = 2
        diag[str(k)] = int(core.sum() * px >= 4.0)
    return out, diag
