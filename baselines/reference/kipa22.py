"""Reference baseline for KiPA22 (CTA): vein 1, kidney 2, artery 3, tumor 4.

Method: HU windows on a lightly smoothed CTA; the kidney is the largest parenchyma-window
component that is not a full-height tube (IVC, vertebral marrow); the aorta and bone are found as
bright full-height components after an opening and removed; artery and vein are the remaining
bright / venous-window voxels within 35 mm of the kidney; the tumor is the hypodense component
touching the kidney.
"""

from __future__ import annotations

import numpy as np

from baselines.reference import morph
from baselines.reference.io import CaseImages


def kipa22(case: CaseImages) -> np.ndarray:
    """KiPA22 label map from the CTA channel."""
    img = case.channel("0000")
    sp = case.spacing
    one = max(sp) * 1.01
    sm = morph.smooth(img, sp, 0.8)
    out = np.zeros(img.shape, np.uint8)
    kid_win = morph.opening((sm > 130) & (sm < 225), sp, 1.5)
    kidney = morph.select(kid_win, sp, keep=lambda o: not o["touches_z"] and 20 < o["ml"] < 800, largest=1)
    if not kidney.any():
        return out
    kidney = morph.fill_holes_2d(kidney) & (sm > 100)
    region = morph.dilate(kidney, sp, 35.0)
    bright = sm > 320
    big = morph.select(morph.opening(bright, sp, 4.0), sp, keep=lambda o: o["touches_z"] or o["ml"] > 15)
    bright &= ~morph.dilate(big, sp, 2.0 + one)
    artery = morph.select(bright & region, sp, keep=lambda o: o["ml"] > 0.05)
    venous = (sm > 215) & (sm < 320) & region & ~morph.dilate(artery, sp, one)
    venous &= ~morph.dilate(big, sp, 4.0 + one)
    vein = morph.select(morph.opening(venous, sp, 0.9), sp, keep=lambda o: o["ml"] > 0.2, largest=2)
    tum_win = (sm > 50) & (sm < 125) & morph.dilate(kidney, sp, 25.0) & ~kidney
    lab, n = morph.components(morph.opening(tum_win, sp, 2.0))
    if n:
        ids = np.unique(lab[morph.dilate(kidney, sp, one) & (lab > 0)])
        ids = ids[ids > 0]
        if len(ids):
            sizes = [(int((lab == i).sum()), i) for i in ids]
            out[lab == max(sizes)[1]] = 4
    out[kidney & (out == 0)] = 2
    out[vein] = 1
    out[artery] = 3
    return out
