"""AMOS22 phantom: abdominal CT (case ids < 500) and MRI (ids >= 500) with 15 organs.

CT cases are portal-venous CT in HU; MRI cases are post-contrast T1-like images with a bias
field and Rician noise on a coarser grid (as in AMOS, MRI has lower resolution).
"""

from __future__ import annotations

import numpy as np

from baselines.phantoms.abdomen import AMOS_LABELS, CT_HU, MR_T1, build_abdomen
from baselines.phantoms.canvas import Canvas, render
from baselines.phantoms.dataset import PhantomCase
from baselines.phantoms.geometry import Grid

TASK = "amos22"
CHANNELS = {"0000": "CT or MRI"}
LABELS = {0: "background", 1: "spleen", 2: "right_kidney", 3: "left_kidney", 4: "gallbladder",
          5: "esophagus", 6: "liver", 7: "stomach", 8: "aorta", 9: "inferior_vena_cava",
          10: "pancreas", 11: "right_adrenal_gland", 12: "left_adrenal_gland", 13: "duodenum",
          14: "bladder", 15: "prostate_uterus"}
GEOMETRY = {
    "small": {"ct": ((40, 64, 64), (9.0, 5.5, 5.5)), "mri": ((40, 64, 64), (9.0, 5.5, 5.5))},
    "full": {"ct": ((144, 512, 512), (2.5, 0.72, 0.72)), "mri": ((72, 320, 320), (5.0, 1.19, 1.19))},
}
#: organ volume ranges (ml), checked by the tests on every case
SIZE_SPEC_ML = {
    "liver": (700.0, 3000.0), "spleen": (80.0, 600.0), "kidney_left": (80.0, 350.0),
    "kidney_right": (80.0, 350.0), "aorta": (20.0, 400.0), "bladder": (40.0, 600.0),
    "adrenal_left": (0.5, 20.0), "adrenal_right": (0.5, 20.0),
}


def case_ids(n_cases: int) -> list[str]:
    """About half CT ids from ``amos_0001`` and half MRI ids from ``amos_0501`` (CT first)."""
    n_ct = (n_cases + 1) // 2
    return [f"amos_{i + 1:04d}" for i in range(n_ct)] + [
        f"amos_{501 + i:04d}" for i in range(n_cases - n_ct)
    ]


def is_mri(case_id: str) -> bool:
    """AMOS convention: numeric case id >= 500 is MRI."""
    return int(case_id.rsplit("_", 1)[-1]) >= 500


def make_case(case_id: str, rng: np.random.Generator, preset: str) -> PhantomCase:
    """Generate one AMOS22 phantom case (CT in HU or MR a.u., labels 0–15)."""
    mri = is_mri(case_id)
    shape, spacing = GEOMETRY[preset]["mri" if mri else "ct"]
    grid = Grid(shape, spacing)
    canvas = Canvas(grid)
    build_abdomen(canvas, rng, {k: v for k, v in AMOS_LABELS.items()}, z_center=-30.0)
    if mri:
        img = render(canvas, MR_T1, rng, noise_sd=18.0, texture_sd=15.0, blur_mm=1.5, bias=0.35,
                     rician=True, default=5.0)
    else:
        img = render(canvas, CT_HU, rng, noise_sd=14.0, texture_sd=8.0, blur_mm=1.0, default=-1000)
    return PhantomCase(case_id, grid, {"0000": img}, canvas.labels, ct=not mri)
