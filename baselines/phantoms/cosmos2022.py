"""COSMOS2022 phantom: 3-D black-blood MR of the neck with both carotid arteries.

Each carotid is a common carotid (CCA) that splits at a random height into the internal (ICA,
with a bulb) and external (ECA) carotid. The vessel wall has a normal thickness of about
0.7 mm; atherosclerotic cases get an eccentric plaque near the bifurcation. Labels (1 wall,
2 lumen) exist only on the annotated axial slices; the sidecar ``<case>.json`` lists them and
gives each annotated slice's diagnosis (1 atherosclerotic when the maximum wall thickness on
the slice exceeds :data:`PLAQUE_MM`, else 0). Jugular veins (flow voids), muscles, vertebra and
airway are unlabelled distractors.
"""

from __future__ import annotations

import numpy as np

from baselines.phantoms.canvas import Canvas, render
from baselines.phantoms.dataset import PhantomCase
from baselines.phantoms.geometry import Grid, ellipsoid, tube

TASK = "cosmos2022"
CHANNELS = {"0000": "black-blood MR"}
LABELS = {0: "background", 1: "vessel_wall", 2: "lumen"}
GEOMETRY = {
    "small": ((32, 80, 80), (2.0, 0.8, 0.8)),
    "full": ((200, 256, 256), (0.6, 0.55, 0.55)),
}
#: annotate every n-th axial slice (the real data is sparsely annotated)
ANNOTATION_STEP = {"small": 2, "full": 4}
PLAQUE_MM = 1.5
T1_BB = {"air": 8, "fat": 560, "muscle": 300, "bone": 120, "marrow": 430, "wall": 520,
         "plaque": 610, "lipid": 340, "lumen": 35, "jugular": 55, "airway": 10, "gland": 380}


def case_ids(n_cases: int) -> list[str]:
    """Case ids ``cosmos_0000``, ``cosmos_0001``, ..."""
    return [f"cosmos_{i:04d}" for i in range(n_cases)]


def _branches(rng: np.random.Generator, side: int, z_bif: float, z_lo: float, z_hi: float):
    """Centrelines (x, y) as functions of z and lumen radii of CCA, ICA and ECA."""
    x0 = side * rng.uniform(19, 23)
    y0 = rng.uniform(-2, 2)
    ica_dir = np.array([side * rng.uniform(0.05, 0.15), rng.uniform(0.25, 0.4)])
    eca_dir = np.array([side * rng.uniform(-0.1, 0.0), -rng.uniform(0.2, 0.35)])
    r_cca = rng.uniform(2.9, 3.5)

    def cca(z):
        return (x0, y0) if z <= z_bif else None

    def ica(z):
        return None if z < z_bif - 1 else (x0 + ica_dir[0] * (z - z_bif), y0 + ica_dir[1] * (z - z_bif))

    def eca(z):
        return None if z < z_bif - 1 else (x0 + eca_dir[0] * (z - z_bif), y0 + eca_dir[1] * (z - z_bif))

    def r_ica(z):
        bulb = np.exp(-(((z - z_bif - 6) / 6.0) ** 2))
        return r_cca * 0.85 + 1.1 * bulb

    return [(cca, lambda z: r_cca), (ica, r_ica), (eca, lambda z: r_cca * 0.68)], (x0, y0)


def make_case(case_id: str, rng: np.random.Generator, preset: str) -> PhantomCase:
    """Generate one COSMOS2022 phantom case (MR, labels 0–2 on annotated slices, sidecar)."""
    shape, spacing = GEOMETRY[preset]
    g = Grid(shape, spacing)
    c = Canvas(g)
    nz = shape[0]
    z_mm = (np.arange(nz) - (nz - 1) / 2.0) * spacing[0]
    zr = (float(z_mm[0]) - 5, float(z_mm[-1]) + 5)
    c.put(ellipsoid(g, (0, 5, 0), (60, 52, 400), min_voxel=False), tissue="fat")
    c.put(tube(g, [(0, 30, zr[0]), (0, 30, zr[1])], 13), tissue="bone")
    c.put(tube(g, [(0, 30, zr[0]), (0, 30, zr[1])], 9), tissue="marrow")
    c.put(tube(g, [(0, -22, zr[0]), (0, -22, zr[1])], 8), tissue="airway")
    for side in (-1, 1):
        c.put(tube(g, [(side * 30, -12, zr[0]), (side * 22, -20, zr[1])], 8), tissue="muscle", over_tissue=("fat",))
        c.put(tube(g, [(side * 16, 22, zr[0]), (side * 16, 22, zr[1])], 9), tissue="muscle", over_tissue=("fat",))
        c.put(tube(g, [(side * 29, 6, zr[0]), (side * 30, 9, zr[1])], float(rng.uniform(4, 6.5))), tissue="jugular")
    c.put(ellipsoid(g, (0, -14, zr[0] + 5), (18, 8, 12)), tissue="gland", over_tissue=("fat",))

    diseased = rng.random() < 0.6
    z_bif = float(rng.uniform(-0.15, 0.15) * (zr[1] - zr[0]))
    x, y, _ = g.coords(tuple(slice(0, n) for n in shape))
    x, y = x[0], y[0]
    lab = np.zeros(shape, np.uint8)
    codes = {n: c.code(n) for n in ("wall", "plaque", "lipid", "lumen")}
    thick = np.zeros(nz)
    for side in (-1, 1):
        branches, _ = _branches(rng, side, z_bif, zr[0], zr[1])
        has_plaque = diseased and (side == 1 or rng.random() < 0.4)
        p_phi = rng.uniform(0, 2 * np.pi)
        p_amp = rng.uniform(1.5, 3.0)
        p_z = z_bif + rng.uniform(-4, 4)
        p_len = rng.uniform(6, 12)
        for k, z in enumerate(z_mm):
            lumen = np.zeros(shape[1:], bool)
            outer = np.zeros_like(lumen)
            plaque = np.zeros_like(lumen)
            for centre, radius in branches:
                cxy = centre(z)
                if cxy is None:
                    continue
                dx, dy = x - cxy[0], y - cxy[1]
                rho = np.sqrt(dx * dx + dy * dy)
                r_l = radius(z)
                t_wall = np.full_like(rho, 0.7)
                if has_plaque and abs(z - p_z) < p_len:
                    ang = np.arctan2(dy, dx)
                    prof = np.clip(np.cos(ang - p_phi), 0, None) ** 2
                    amp = p_amp * np.cos((z - p_z) / p_len * np.pi / 2)
                    t_wall = t_wall + amp * prof
                    plaque |= (rho > r_l) & (rho <= r_l + t_wall) & (prof > 0.3)
                    thick[k] = max(thick[k], 0.7 + amp)
                lumen |= rho <= r_l
                outer |= rho <= r_l + t_wall
            wall = outer & ~lumen
            c.tissue[k][wall] = codes["wall"]
            c.tissue[k][plaque & wall] = codes["plaque"]
            c.tissue[k][lumen] = codes["lumen"]
            lab[k][wall] = 1
            lab[k][lumen] = 2
            core = plaque & wall & (np.roll(wall, 2, axis=0) & np.roll(wall, -2, axis=0))
            c.tissue[k][core] = codes["lipid"]
    step = ANNOTATION_STEP[preset]
    annotated = [k for k in range(0, nz, step) if (lab[k] > 0).any()]
    ref = np.zeros_like(lab)
    ref[annotated] = lab[annotated]
    sidecar = {"annotated_slices": annotated,
               "diagnosis": {str(k): int(thick[k] > PLAQUE_MM) for k in annotated}}
    img = render(c, T1_BB, rng, noise_sd=16.0, texture_sd=10.0, blur_mm=0.4, bias=0.3,
                 rician=True, default=8.0)
    return PhantomCase(case_id, g, {"0000": img}, ref, ct=False, sidecar=sidecar)
