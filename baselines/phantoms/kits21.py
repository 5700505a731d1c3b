"""KiTS21 phantom: contrast CT of the abdomen with kidneys (1), tumors (2) and cysts (3).

Each case has one tumor (exophytic sphere-ish mass on a random kidney's surface, 3–660 ml on
``full``), zero to two cysts, and the abdominal organs around the kidneys as distractors.
"""

from __future__ import annotations

import numpy as np

from baselines.phantoms.abdomen import CT_HU, build_abdomen
from baselines.phantoms.canvas import Canvas, render
from baselines.phantoms.dataset import PhantomCase
from baselines.phantoms.geometry import Grid, ellipsoid

TASK = "kits21"
CHANNELS = {"0000": "CT"}
LABELS = {0: "background", 1: "kidney", 2: "tumor", 3: "cyst"}
#: array shape (z, y, x) and spacing (mm) per preset; ``small`` is a coarse crop around the
#: kidneys, ``full`` the median KiTS21 geometry (512², 3 mm slices, 0.78 mm pixels).
GEOMETRY = {
    "small": ((32, 64, 64), (5.0, 3.5, 3.5)),
    "full": ((110, 512, 512), (3.0, 0.78, 0.78)),
}
#: volume ranges (ml) checked by the tests: the whole kidney (labels 1–3) of both kidneys,
#: the tumor, and each cyst.
SIZE_SPEC_ML = {"kidney_and_mass": (150.0, 900.0), "tumor": (3.0, 660.0), "cyst": (0.0, 60.0)}


def case_ids(n_cases: int) -> list[str]:
    """Case ids ``kits_0000``, ``kits_0001``, ..."""
    return [f"kits_{i:04d}" for i in range(n_cases)]


def make_case(case_id: str, rng: np.random.Generator, preset: str) -> PhantomCase:
    """Generate one KiTS21 phantom case (CT in HU, labels 0–3)."""
    shape, spacing = GEOMETRY[preset]
    grid = Grid(shape, spacing)
    canvas = Canvas(grid)
    kid = build_abdomen(canvas, rng, {"kidney_left": 1, "kidney_right": 1}, z_center=-5.0)
    side = "kidney_left" if rng.random() < 0.5 else "kidney_right"
    (cx, cy, cz), (rx, ry, rz) = kid[side + "_geom"]
    # tumor centred near the kidney surface, in a random lateral/polar direction
    theta = rng.uniform(0, 2 * np.pi)
    sgn = 1 if cx > 0 else -1
    direction = np.array([sgn * abs(np.cos(theta)), 0.3 * rng.uniform(-1, 1), np.sin(theta)])
    direction /= np.linalg.norm(direction)
    surface = np.array([cx, cy, cz]) + direction * np.array([rx, ry, rz]) * 0.8
    r_max = 30.0 if preset == "small" else 45.0
    radius = rng.uniform(11.0, r_max)
    radii = tuple(radius * f for f in rng.uniform(0.85, 1.15, 3))
    tumor = ellipsoid(grid, tuple(surface), radii)
    canvas.put(tumor, tissue="tumor", label=2, over_tissue=("kidney", "fat"), over_label=(0, 1))
    # necrotic core inside large tumors (hypodense, still labelled tumor)
    if radius > 20:
        core = ellipsoid(grid, tuple(surface), tuple(r * 0.45 for r in radii))
        canvas.put(core, tissue="cyst", over_tissue=("tumor",))
    for _ in range(int(rng.integers(0, 3))):
        k = "kidney_left" if rng.random() < 0.5 else "kidney_right"
        (kx, ky, kz), (krx, kry, krz) = kid[k + "_geom"]
        d = rng.normal(size=3)
        d /= np.linalg.norm(d)
        c = np.array([kx, ky, kz]) + d * np.array([krx, kry, krz]) * rng.uniform(0.5, 0.9)
        cyst = ellipsoid(grid, tuple(c), (rng.uniform(5, 12),) * 3)
        canvas.put(cyst, tissue="cyst", label=3, over_tissue=("kidney", "fat"), over_label=(0, 1))
    ct = render(canvas, CT_HU, rng, noise_sd=14.0, texture_sd=8.0, blur_mm=1.0, default=-1000)
    return PhantomCase(case_id, grid, {"0000": ct}, canvas.labels)
