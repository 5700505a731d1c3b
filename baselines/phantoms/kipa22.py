"""KiPA22 phantom: arterial-phase CTA cropped around one kidney.

Labels: 1 renal vein, 2 kidney, 3 renal artery, 4 tumor. The renal artery leaves the aorta
(unlabelled, bright) and branches in the renal sinus into segmental arteries; the renal vein
runs in front of it to the IVC. Vessels are tubes with tapering radii, painted over the kidney.
"""

from __future__ import annotations

import numpy as np

from baselines.phantoms.canvas import Canvas, render
from baselines.phantoms.dataset import PhantomCase
from baselines.phantoms.geometry import Grid, ellipsoid, jitter, scale, tube

TASK = "kipa22"
CHANNELS = {"0000": "CTA"}
LABELS = {0: "background", 1: "renal_vein", 2: "kidney", 3: "renal_artery", 4: "tumor"}
GEOMETRY = {
    "small": ((40, 56, 56), (3.2, 2.4, 2.4)),
    "full": ((176, 200, 200), (0.75, 0.68, 0.68)),
}
SIZE_SPEC_ML = {"kidney": (80.0, 350.0), "tumor": (1.0, 120.0), "renal_artery": (0.3, 30.0),
                "renal_vein": (0.5, 60.0)}
#: arterial-phase CTA intensities (HU)
CTA_HU = {"air": -1000, "fat": -90, "muscle": 45, "bone": 600, "marrow": 230, "kidney": 175,
          "sinus_fat": -60, "artery": 430, "vein": 245, "aorta": 440, "ivc": 120, "tumor": 80,
          "bowel": 40}


def case_ids(n_cases: int) -> list[str]:
    """Case ids ``kipa_0000``, ``kipa_0001``, ..."""
    return [f"kipa_{i:04d}" for i in range(n_cases)]


def _branches(rng: np.random.Generator, hilum, kidney_c, kidney_r, n: int) -> list[list]:
    """Segmental branch polylines from the hilum towards the poles and lateral cortex."""
    out = []
    for i in range(n):
        pole = -1 + 2 * i / max(n - 1, 1)
        tip = (kidney_c[0] + rng.uniform(0.0, 0.45) * kidney_r[0],
               kidney_c[1] + rng.uniform(-0.4, 0.4) * kidney_r[1],
               kidney_c[2] + pole * 0.7 * kidney_r[2])
        mid = tuple((a + b) / 2 + d for a, b, d in zip(hilum, tip, rng.uniform(-3, 3, 3), strict=True))
        out.append([hilum, mid, tip])
    return out


def make_case(case_id: str, rng: np.random.Generator, preset: str) -> PhantomCase:
    """Generate one KiPA22 phantom case (CTA in HU, labels 0–4)."""
    shape, spacing = GEOMETRY[preset]
    g = Grid(shape, spacing)
    c = Canvas(g)
    c.put(ellipsoid(g, (-20, 10, 0), (400, 400, 400), min_voxel=False), tissue="fat")
    c.put(tube(g, [(-48, 48, -200), (-48, 48, 200)], 18), tissue="bone")
    c.put(tube(g, [(-48, 48, -200), (-48, 48, 200)], 13), tissue="marrow")
    c.put(tube(g, [(-25, 30, 60), (-15, 25, -120)], [10, 20]), tissue="muscle", over_tissue=("fat",))
    c.put(tube(g, [(10, 20, -200), (5, 80, 200)], 9), tissue="bowel", over_tissue=("fat",))
    aorta_x = float(rng.uniform(-46, -40))
    c.put(tube(g, [(aorta_x, 5, -200), (aorta_x, 5, 200)], 11), tissue="aorta")
    c.put(tube(g, [(aorta_x - 22, -14, -200), (aorta_x - 22, -14, 200)], 10), tissue="ivc")

    kc = jitter(rng, (24, 6, 0), (4, 4, 6))
    kr = scale(rng, (27, 23, 52), 0.1)
    ang = (0.0, -8.0, float(rng.uniform(5, 20)))
    c.put(ellipsoid(g, kc, kr, ang), tissue="kidney", label=2, over_tissue=("fat", "bowel"))
    hilum = (kc[0] - 0.75 * kr[0], kc[1] - 2.0, kc[2])
    sinus = ellipsoid(g, (kc[0] - 0.45 * kr[0], kc[1], kc[2]), (kr[0] * 0.4, kr[1] * 0.45, kr[2] * 0.45))
    c.put(sinus, tissue="sinus_fat", label=0, over_label=(2,))

    # renal artery: aorta -> hilum -> segmental branches (label 3)
    art_root = (aorta_x + 8, 3.0, kc[2] + rng.uniform(2, 10))
    art = [art_root, (hilum[0] - 8, hilum[1] + 4, hilum[2] + 3), hilum]
    c.put(tube(g, art, [3.2, 3.0, 2.8]), tissue="artery", label=3, over_label=None, over_tissue=None)
    for br in _branches(rng, hilum, kc, kr, 4):
        c.put(tube(g, br, [2.2, 1.7, 1.2]), tissue="artery", label=3, over_label=None, over_tissue=None)
    # renal vein: hilum (anterior) -> in front of the aorta -> IVC (label 1)
    vh = (hilum[0], hilum[1] - 7, hilum[2] - 4)
    vein = [vh, (aorta_x + 4, -9, vh[2] - 2), (aorta_x - 18, -14, vh[2] - 3)]
    c.put(tube(g, vein, [5.0, 4.6, 4.6]), tissue="vein", label=1, over_label=None, over_tissue=None)
    for br in _branches(rng, vh, kc, kr, 3):
        c.put(tube(g, br, [2.8, 2.2, 1.6]), tissue="vein", label=1, over_label=(0, 2), over_tissue=None)

    # tumor on the kidney surface (label 4)
    d = np.array([rng.uniform(0.3, 1.0), rng.uniform(-0.6, 0.6), rng.choice([-1, 1]) * rng.uniform(0.3, 1.0)])
    d /= np.linalg.norm(d)
    tc = tuple(np.asarray(kc) + d * np.asarray(kr) * 0.85)
    tr = scale(rng, (1, 1, 1), 0.15)
    rad = rng.uniform(8, 18 if preset == "small" else 25)
    tum = ellipsoid(g, tc, tuple(rad * f for f in tr))
    c.put(tum, tissue="tumor", label=4, over_tissue=("kidney", "fat", "sinus_fat"), over_label=(0, 2))
    ct = render(c, CTA_HU, rng, noise_sd=16.0, texture_sd=8.0, blur_mm=0.9, default=-90)
    return PhantomCase(case_id, g, {"0000": ct}, c.labels)
