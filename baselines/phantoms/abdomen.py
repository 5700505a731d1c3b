"""Parametric abdomen shared by the KiTS21 and AMOS22 phantoms.

Organ positions follow the usual adult anatomy in the patient frame of
:mod:`baselines.phantoms.geometry` (x left, y posterior, z superior, mm), with z = 0 at the
level of the renal hila. Every organ is jittered in position and size per case. Small organs are
painted first and larger ones only into what is still fat, so organs abut instead of overlap.
"""

from __future__ import annotations

import numpy as np

from baselines.phantoms.canvas import Canvas
from baselines.phantoms.geometry import ellipsoid, jitter, scale, tube

#: Portal-venous CT (HU) of each tissue painted here.
CT_HU: dict[str, float] = {
    "air": -1000, "fat": -95, "muscle": 50, "bone": 650, "marrow": 250, "cord": 35,
    "liver": 100, "spleen": 125, "kidney": 185, "gallbladder": 12, "esophagus": 45,
    "stomach": 55, "gastric_content": 18, "aorta": 175, "ivc": 140, "pancreas": 85,
    "adrenal": 40, "duodenum": 60, "bowel": 45, "bowel_gas": -850, "bladder": 8,
    "prostate": 42, "tumor": 95, "cyst": 10,
}

#: Post-contrast T1-weighted MR (arbitrary units) of the same tissues.
MR_T1: dict[str, float] = {
    "air": 5, "fat": 720, "muscle": 240, "bone": 60, "marrow": 450, "cord": 260,
    "liver": 480, "spleen": 380, "kidney": 610, "gallbladder": 120, "esophagus": 290,
    "stomach": 300, "gastric_content": 90, "aorta": 820, "ivc": 660, "pancreas": 530,
    "adrenal": 340, "duodenum": 320, "bowel": 310, "bowel_gas": 10, "bladder": 70,
    "prostate": 280, "tumor": 420, "cyst": 60,
}

#: AMOS22 label values.
AMOS_LABELS: dict[str, int] = {
    "spleen": 1, "kidney_right": 2, "kidney_left": 3, "gallbladder": 4, "esophagus": 5,
    "liver": 6, "stomach": 7, "aorta": 8, "ivc": 9, "pancreas": 10, "adrenal_right": 11,
    "adrenal_left": 12, "duodenum": 13, "bladder": 14, "prostate_uterus": 15,
}

_SOFT = ("fat",)


def build_abdomen(
    canvas: Canvas,
    rng: np.random.Generator,
    labels: dict[str, int],
    z_center: float = 0.0,
) -> dict[str, object]:
    """Paint body, skeleton and the 15 AMOS organs on ``canvas``.

    ``labels`` maps organ keys of :data:`AMOS_LABELS` to the label value to write (organs not
    in it are painted as tissue only). ``z_center`` is the patient-frame z (mm) placed at the
    volume centre (the field of view is shifted, anatomy stays put). Returns the regions of
    the kidneys (``kidney_left``/``kidney_right``) and their centres/radii for tumor placement.
    """
    g = canvas.grid

    def P(x: float, y: float, z: float) -> tuple[float, float, float]:  # noqa: N802
        return (x, y, z - z_center)

    def put(region, tissue, key=None, over=_SOFT):
        return canvas.put(region, tissue=tissue, label=labels.get(key) if key else None,
                          over_tissue=over, over_label=(0,))

    body_r = scale(rng, (165.0, 118.0), 0.08)
    zs = (-400.0, 400.0)
    canvas.put(tube(g, [P(0, 0, zs[0]), P(0, 0, zs[1])], body_r[1]), tissue="fat")
    # the tube is round; flatten it to an ellipse by carving the lateral air back
    xg, yg, _ = g.coords(tuple(slice(0, n) for n in g.shape))
    outside = (xg / body_r[0]) ** 2 + (yg / body_r[1]) ** 2 > 1.0
    canvas.tissue[np.broadcast_to(outside, g.shape)] = canvas.code("air")
    inner = ((xg / (body_r[0] - 18)) ** 2 + (yg / (body_r[1] - 14)) ** 2 <= 1.0)
    wall = ~outside & ~inner & ((xg / (body_r[0] - 8)) ** 2 + (yg / (body_r[1] - 6)) ** 2 <= 1.0)
    canvas.tissue[np.broadcast_to(wall, g.shape)] = canvas.code("muscle")

    # spine, cord, psoas and paraspinal muscles
    spine_y = body_r[1] - 55
    canvas.put(tube(g, [P(0, spine_y, zs[0]), P(0, spine_y, zs[1])], 19), tissue="bone")
    canvas.put(tube(g, [P(0, spine_y, zs[0]), P(0, spine_y, zs[1])], 14), tissue="marrow")
    canvas.put(tube(g, [P(0, spine_y + 30, zs[0]), P(0, spine_y + 30, zs[1])], 7), tissue="cord")
    for side in (-1, 1):
        put(tube(g, [P(side * 38, spine_y, 40), P(side * 55, spine_y - 15, -200)], [12, 24]), "muscle")
        put(tube(g, [P(side * 36, spine_y + 40, zs[0]), P(side * 36, spine_y + 40, zs[1])], 20), "muscle")

    out: dict[str, object] = {}
    # small organs first
    for side, key in ((1, "adrenal_left"), (-1, "adrenal_right")):
        c = jitter(rng, (side * 42, 40, 48), 4)
        put(ellipsoid(g, P(*c), scale(rng, (8, 4, 14), 0.2), (0, 0, side * 25)), "adrenal", key)
    aorta_x, ivc_x = jitter(rng, (16, -22), 4)
    put(tube(g, [P(aorta_x, spine_y - 30, zs[1]), P(aorta_x, spine_y - 28, -130)], 12), "aorta", "aorta")
    put(tube(g, [P(ivc_x, spine_y - 32, zs[1]), P(ivc_x, spine_y - 30, -130)], 11), "ivc", "ivc")
    esoph = [P(8, spine_y - 40, 400), P(12, spine_y - 40, 115), jitter(rng, P(28, 0, 88), 4)]
    put(tube(g, esoph, 8), "esophagus", "esophagus")
    gb = jitter(rng, (-50, -55, 18), (6, 6, 6))
    put(ellipsoid(g, P(*gb), scale(rng, (15, 16, 30), 0.2), (20, 0, 0)), "gallbladder", "gallbladder")
    panc = [jitter(rng, p, 4) for p in ((-28, 5, 10), (15, 10, 18), (70, 25, 28))]
    put(tube(g, [P(*p) for p in panc], [13, 11, 9]), "pancreas", "pancreas")
    duo = [(-18, -12, 40), (-48, -2, 24), (-46, 8, -4), (-12, 14, -14), (22, 12, -8)]
    put(tube(g, [P(*jitter(rng, p, 3)) for p in duo], 10), "duodenum", "duodenum")
    # kidneys
    for side, key in ((1, "kidney_left"), (-1, "kidney_right")):
        c = jitter(rng, (side * 68, spine_y - 2, 0 if side > 0 else -15), (5, 5, 8))
        r = scale(rng, (28, 24, 55), 0.1)
        reg = put(ellipsoid(g, P(*c), r, (0, side * -8, side * 12)), "kidney", key)
        out[key] = reg
        out[key + "_geom"] = (P(*c), r)
    # big organs
    sp_c = jitter(rng, (100, 40, 75), (6, 6, 8))
    put(ellipsoid(g, P(*sp_c), scale(rng, (26, 48, 52), 0.12), (0, 0, -30)), "spleen", "spleen")
    st_c = jitter(rng, (50, -28, 60), (6, 6, 8))
    st_r = scale(rng, (46, 34, 45), 0.1)
    put(ellipsoid(g, P(*st_c), st_r, (0, 0, 20)), "stomach", "stomach")
    lumen = ellipsoid(g, P(*st_c), tuple(max(r - 6, 2) for r in st_r), (0, 0, 20))
    canvas.put(lumen, tissue="gastric_content", over_tissue=("stomach",))
    lv_c = jitter(rng, (-62, 0, 62), (6, 6, 8))
    put(ellipsoid(g, P(*lv_c), scale(rng, (88, 78, 72), 0.08), (0, 10, 15)), "liver", "liver")
    put(ellipsoid(g, P(*jitter(rng, (0, -45, -150), 5)), scale(rng, (44, 34, 36), 0.2)), "bladder", "bladder")
    put(ellipsoid(g, P(*jitter(rng, (0, 0, -188), 4)), scale(rng, (20, 17, 20), 0.15)), "prostate", "prostate_uterus")
    # bowel loops (unlabelled distractors) in what is left of the lower abdomen
    for _ in range(5):
        start = jitter(rng, (0, -40, -60), (80, 30, 40))
        pts = [start]
        for _ in range(4):
            pts.append(jitter(rng, pts[-1], (35, 20, 25)))
        put(tube(g, [P(*p) for p in pts], rng.uniform(9, 14)), "bowel")
        put(tube(g, [P(*p) for p in pts[1:3]], 5), "bowel_gas", over=("bowel",))
    return out
