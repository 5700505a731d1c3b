"""Reference baseline for SegRap2023 (head & neck CT, non-contrast 0000 + contrast 0001).

Task 1 (45 OARs): a mean-anatomy atlas (the phantom head model with no variability,
:func:`baselines.phantoms.segrap2023.paint_head`) placed by three skull landmarks measured with
a bone threshold: the skull vertex (top), the skull's left-right centre and its width (isotropic
scale). Bony structures (mandible) are then restricted to bone voxels. No learning and no
deformable registration: the floor.
Task 2 (GTVp, GTVnd): enhancing soft tissue (contrast − non-contrast between 25 and 80 HU, contrast
HU 75–125) inside atlas boxes for the nasopharynx (GTVp) and the lateral neck (GTVnd).
"""

from __future__ import annotations

import numpy as np

from baselines.phantoms.canvas import Canvas
from baselines.phantoms.geometry import Grid
from baselines.phantoms.segrap2023 import paint_head
from baselines.phantoms.segrap_atlas import GTVS, OARS, atoms_to_structures
from baselines.reference import morph
from baselines.reference.io import CaseImages

#: skull vertex height (mm above the orbits) and half-width 60 mm below the vertex, of the
#: mean head model
_VERTEX_Z = 125.0
_HALF_WIDTH = 67.6


def _register(ct: np.ndarray, spacing):
    """(P, hs): mean-head mm -> grid patient frame mapping, and the head scale."""
    bone = ct > 500
    x, y, z = morph.coords_mm(ct.shape, spacing)
    zs = np.nonzero(bone.any(axis=(1, 2)))[0]
    if len(zs) == 0:
        return (lambda a, b, c: (a, b, c)), 1.0
    z_top = float(z.ravel()[zs.max()]) + spacing[0] / 2
    k = int(np.argmin(np.abs(z.ravel() - (z_top - 60.0))))
    xs = np.nonzero(bone[k].any(axis=0))[0]
    ys = np.nonzero(bone[k].any(axis=1))[0]
    if len(xs) < 2 or len(ys) < 2:
        return (lambda a, b, c: (a, b, c)), 1.0
    xr = x.ravel()
    yr = y.ravel()
    cx = (xr[xs.min()] + xr[xs.max()]) / 2
    cy = (yr[ys.min()] + yr[ys.max()]) / 2
    hs = float(np.clip((xr[xs.max()] - xr[xs.min()] + spacing[2]) / 2 / _HALF_WIDTH, 0.7, 1.4))
    oy = cy - 10.0 * hs

    def P(a, b, c):  # noqa: N802
        return (cx + a * hs, oy + b * hs, z_top - (_VERTEX_Z - c) * hs)

    return P, hs


def _atlas(case: CaseImages) -> tuple[np.ndarray, Canvas, object]:
    ct = case.channel("0000")
    grid = Grid(tuple(ct.shape), case.spacing)  # type: ignore[arg-type]
    P, hs = _register(ct, case.spacing)
    canvas = Canvas(grid)
    paint_head(canvas, None, P, hs)
    return canvas.labels, canvas, P


def segrap_task1(case: CaseImages) -> dict[str, np.ndarray]:
    """45 OAR masks (uint8) from the atlas, bone structures restricted to bone."""
    atoms, _, _ = _atlas(case)
    masks = atoms_to_structures(atoms, OARS)
    ct = morph.smooth(case.channel("0000"), case.spacing, 0.8)
    for name in ("Mandible_L", "Mandible_R"):
        refined = masks[name].astype(bool) & (ct > 350)
        if refined.sum() > 0.2 * masks[name].sum():
            masks[name] = refined.astype(np.uint8)
    return masks


def segrap_task2(case: CaseImages) -> dict[str, np.ndarray]:
    """GTVp / GTVnd masks from enhancement inside atlas boxes."""
    sp = case.spacing
    plain = morph.smooth(case.channel("0000"), sp, 1.5)
    con = morph.smooth(case.channel("0001"), sp, 1.5)
    _, _, P = _atlas(case)
    diff = con - plain
    enh = (diff > 25) & (diff < 80) & (con > 75) & (con < 125)
    x, y, z = morph.coords_mm(plain.shape, sp)
    out = {}
    for name, lo, hi in (("GTVp", (-25, -20, -65), (25, 25, -10)),
                         ("GTVnd", (-60, -15, -150), (60, 45, -55))):
        a, b = np.array(P(*lo)), np.array(P(*hi))
        lo_, hi_ = np.minimum(a, b), np.maximum(a, b)
        box = ((x >= lo_[0]) & (x <= hi_[0]) & (y >= lo_[1]) & (y <= hi_[1]) & (z >= lo_[2]) & (z <= hi_[2]))
        m = morph.opening(enh & box, sp, 2.0)
        if name == "GTVnd":
            m &= np.abs(x - (a[0] + b[0]) / 2) > 20
            m = morph.select(m, sp, keep=lambda o: 0.3 < o["ml"] < 40, largest=3)
        else:
            m = morph.select(m, sp, keep=lambda o: o["ml"] > 0.5, largest=1)
        out[name] = m.astype(np.uint8)
    return {n: out[n] for n in GTVS}
