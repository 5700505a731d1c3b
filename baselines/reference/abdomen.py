"""Reference baselines for abdominal CT/MR: KiTS21 and AMOS22.

Method: smoothed intensity windows (HU for CT; multiples of the body's median for MR), 26-connected
components, and simple anatomical priors (side of the body, distance from the midline, size in
ml, vertical tubes for vessels). No learning; this is the floor a submission should beat.
"""

from __future__ import annotations

import numpy as np

from baselines.reference import morph
from baselines.reference.io import CaseImages


def _body_frame(img: np.ndarray, spacing, threshold: float):
    body = morph.body_mask(img, threshold)
    x, y, z = morph.coords_mm(img.shape, spacing)
    if body.any():
        zz, yy, xx = np.nonzero(body)
        cx = float(np.mean(x.ravel()[xx]))
        cy = float(np.mean(y.ravel()[yy]))
    else:
        cx = cy = 0.0
    return body, cx, cy


def kits21(case: CaseImages) -> np.ndarray:
    """KiTS21 label map (1 kidney, 2 tumor, 3 cyst) from contrast CT."""
    img = case.channel("0000")
    sp = case.spacing
    sm = morph.smooth(img, sp, 1.5)
    body, cx, _ = _body_frame(img, sp, -500)
    kid_win = (sm > 145) & (sm < 270) & body
    kid_win = morph.opening(kid_win, sp, 2.0)
    kidneys = np.zeros(img.shape, bool)
    for side in (-1, 1):
        kidneys |= morph.select(
            kid_win, sp,
            keep=lambda o, s=side: s * (o["centre"][0] - cx) > 35 and 20 < o["ml"] < 900 and not o["touches_z"],
            largest=1,
        )
    kidneys = morph.fill_holes_2d(kidneys)
    out = np.zeros(img.shape, np.uint8)
    if not kidneys.any():
        return out
    near = morph.dilate(kidneys, sp, 14.0) & ~kidneys
    mass_win = (sm > 60) & (sm < 135) & near
    touching = morph.dilate(kidneys, sp, max(sp) * 1.01)
    lab, n = morph.components(mass_win)
    if n:
        ids = np.unique(lab[touching & (lab > 0)])
        mass = np.isin(lab, ids[ids > 0])
        mass = morph.opening(mass, sp, 2.0)
        out[mass] = 2
    cyst_win = (sm > -20) & (sm < 45) & morph.dilate(kidneys, sp, max(sp) * 1.01)
    cyst_win = morph.opening(cyst_win, sp, 1.5)
    out[kidneys] = 1
    out[cyst_win & (out != 2)] = 3
    return out


#: CT windows (HU, after 1.5 mm smoothing) and priors of the AMOS organs the baseline attempts
_AMOS_CT = {
    6: (82, 115, "right", (300, 4000)),   # liver
    1: (115, 150, "left", (40, 900)),     # spleen
    14: (-10, 28, "pelvis", (30, 900)),   # bladder
    4: (-10, 28, "right_upper", (3, 150)),  # gallbladder
}
#: MR windows as multiples of the body median
_AMOS_MR = {
    6: (0.95, 1.3, "right", (300, 4000)),
    1: (0.72, 0.95, "left", (40, 900)),
    14: (0.0, 0.3, "pelvis", (30, 900)),
}


def _prior(where: str, o: dict, cx: float, zmid: float) -> bool:
    x, _, z = o["centre"]
    if where == "right":
        return x < cx - 15
    if where == "left":
        return x > cx + 40
    if where == "pelvis":
        return z < zmid - 60 and abs(x - cx) < 50
    if where == "right_upper":
        return x < cx - 15 and z > zmid - 40
    return True


def amos22(case: CaseImages) -> np.ndarray:
    """AMOS22 label map: liver, spleen, kidneys, aorta, bladder, gallbladder (CT) by windows."""
    img = case.channel("0000")
    sp = case.spacing
    mri = float(img.min()) >= -1.0  # CT has air at about -1000 HU
    sm = morph.smooth(img, sp, 2.0 if mri else 1.5)
    body, cx, _ = _body_frame(img, sp, (np.percentile(img, 99) * 0.12) if mri else -500)
    out = np.zeros(img.shape, np.uint8)
    if not body.any():
        return out
    zmid = 0.0
    if mri:
        ref = float(np.median(sm[body]))
        windows = {k: (lo * ref, hi * ref, w, s) for k, (lo, hi, w, s) in _AMOS_MR.items()}
        kid_lo, kid_hi = 1.35 * ref, 1.75 * ref
    else:
        windows = _AMOS_CT
        kid_lo, kid_hi = 160, 225
    inner = morph.erode(body, sp, 12.0)
    for lab, (lo, hi, where, (mn, mx)) in windows.items():
        win = morph.opening((sm > lo) & (sm < hi) & inner & (out == 0), sp, 3.0)
        sel = morph.select(win, sp, keep=lambda o, w=where, a=mn, b=mx: a < o["ml"] < b and _prior(w, o, cx, zmid), largest=1)
        out[sel] = lab
    kid = morph.opening((sm > kid_lo) & (sm < kid_hi) & inner & (out == 0), sp, 3.0)
    for side, lab in ((-1, 2), (1, 3)):
        sel = morph.select(kid, sp, keep=lambda o, s=side: s * (o["centre"][0] - cx) > 40 and 30 < o["ml"] < 600, largest=1)
        out[sel] = lab
    if not mri:
        vessel = (sm > 150) & (sm < 215) & inner & (out == 0)
        aorta = morph.select(morph.opening(vessel, sp, 5.0), sp,
                             keep=lambda o: abs(o["centre"][0] - cx) < 35 and o["zspan"] > 80, largest=1)
        out[morph.dilate(aorta, sp, 1.0) & vessel] = 8
    return out
