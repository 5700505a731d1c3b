"""Reference baseline for MyoPS2020 (C0 / DE / T2 cardiac MR).

Method: blood pools are bright on bSSFP (C0) and dark on T2; the LV is the blood component
furthest to the patient's left, the RV the next one. The LV myocardium is a ring around the LV
blood pool, dark on C0. Scar = bright DE voxels in the ring; edema = bright T2 voxels in the ring.
Intensities are normalised per channel by the 99th percentile of the image.
"""

from __future__ import annotations

import numpy as np

from baselines.reference import morph
from baselines.reference.io import CaseImages


def _norm(a: np.ndarray) -> np.ndarray:
    return a / max(float(np.percentile(a, 99.5)), 1e-6)


def myops2020(case: CaseImages) -> np.ndarray:
    """MyoPS2020 label map (200, 500, 600, 1220, 2221)."""
    sp = case.spacing
    c0 = morph.smooth(_norm(case.channel("0000")), sp, 1.0)
    de = morph.smooth(_norm(case.channel("0001")), sp, 1.0)
    t2 = morph.smooth(_norm(case.channel("0002")), sp, 1.0)
    out = np.zeros(c0.shape, np.uint16)
    blood = (c0 > 0.65) & (t2 < 0.3)
    blood = morph.opening(blood, sp, 2.0)
    lab, n = morph.components(blood)
    if n == 0:
        return out
    x, y, _ = morph.coords_mm(c0.shape, sp)
    cands = []
    for i in range(1, n + 1):
        m = lab == i
        ml = m.sum() * morph.voxel_ml(sp)
        if ml < 3:
            continue
        xs = float((np.broadcast_to(x, c0.shape)[m]).mean())
        ys = float((np.broadcast_to(y, c0.shape)[m]).mean())
        if abs(ys) > 70 or abs(xs) > 80:
            continue
        cands.append((xs, ml, i))
    if not cands:
        return out
    cands.sort(reverse=True)
    lv = morph.fill_holes_2d(lab == cands[0][2])
    if len(cands) > 1:
        out[lab == cands[1][2]] = 600
    ring = np.zeros_like(lv)
    for k in range(lv.shape[0]):
        if lv[k].any():
            d = morph.dilate(lv[k : k + 1], sp, 10.0)
            ring[k] = d[0] & ~lv[k]
    myo = ring & (c0 < 0.55)
    out[myo] = 200
    out[lv] = 500
    edema = myo & (t2 > 0.62)
    scar = myo & (de > 0.55)
    out[morph.opening(edema, sp, 0.8) | (edema & scar)] = 1220
    out[scar] = 2221
    return out
