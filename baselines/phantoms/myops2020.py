"""MyoPS2020 phantom: short-axis cardiac MR in three co-registered sequences (C0, DE, T2).

Labels (official values): 200 normal LV myocardium, 500 LV blood pool, 600 RV blood pool,
1220 edema, 2221 scar. The LV is a tapering ring from base (slice -1) to apex (slice 0); a
myocardial infarction is an angular sector of the LV wall: edema over the whole sector,
subendocardial scar in its core. Each sequence has its own contrast (bSSFP: bright blood; LGE:
nulled myocardium and bright scar; T2: bright edema), a bias field and Rician noise.
"""

from __future__ import annotations

import numpy as np

from baselines.phantoms.canvas import Canvas, render
from baselines.phantoms.dataset import PhantomCase
from baselines.phantoms.geometry import Grid, ellipsoid, jitter, scale

TASK = "myops2020"
CHANNELS = {"0000": "C0", "0001": "DE", "0002": "T2"}
LABELS = {0: "background", 200: "myocardium", 500: "lv_blood_pool", 600: "rv_blood_pool",
          1220: "edema", 2221: "scar"}
GEOMETRY = {
    "small": ((5, 96, 96), (10.0, 1.5, 1.5)),
    "full": ((5, 256, 256), (10.0, 0.9, 0.9)),
}
SIZE_SPEC_ML = {"lv_blood_pool": (20.0, 250.0), "myocardium_all": (20.0, 250.0),
                "rv_blood_pool": (10.0, 250.0), "scar": (0.3, 40.0), "edema_and_scar": (1.0, 80.0)}
TABLES = {
    "0000": {"air": 8, "fat": 780, "muscle": 300, "lung": 45, "liver": 380, "blood": 900,
             "myo": 260, "edema": 330, "scar": 270, "rv_wall": 270},
    "0001": {"air": 5, "fat": 480, "muscle": 130, "lung": 25, "liver": 240, "blood": 430,
             "myo": 55, "edema": 95, "scar": 900, "rv_wall": 60},
    "0002": {"air": 5, "fat": 430, "muscle": 190, "lung": 30, "liver": 210, "blood": 110,
             "myo": 270, "edema": 560, "scar": 420, "rv_wall": 260},
}


def case_ids(n_cases: int) -> list[str]:
    """Case ids ``myops_0000``, ``myops_0001``, ..."""
    return [f"myops_{i:04d}" for i in range(n_cases)]


def _full(grid: Grid) -> tuple[slice, slice, slice]:
    return tuple(slice(0, n) for n in grid.shape)  # type: ignore[return-value]


def make_case(case_id: str, rng: np.random.Generator, preset: str) -> PhantomCase:
    """Generate one MyoPS2020 phantom case (3 MR channels, labels 0/200/500/600/1220/2221)."""
    shape, spacing = GEOMETRY[preset]
    g = Grid(shape, spacing)
    c = Canvas(g, label_dtype=np.uint16)
    full = _full(g)
    x, y, _ = g.coords(full)
    nz = shape[0]
    # thorax: body, lungs, liver; the heart sits in the middle
    c.put(ellipsoid(g, (0, 0, 0), (150, 105, 400), min_voxel=False), tissue="fat")
    c.put(ellipsoid(g, (0, 0, 0), (140, 95, 400), min_voxel=False), tissue="muscle")
    for side in (-1, 1):
        c.put(ellipsoid(g, (side * 75, 10, 0), (55, 70, 400), min_voxel=False), tissue="lung")
    c.put(ellipsoid(g, (-50, 40, -60), (80, 60, 45), min_voxel=False), tissue="liver")

    lv_c = jitter(rng, (8.0, 0.0), 5.0)
    r_endo0 = float(rng.uniform(21, 28))
    wall0 = float(rng.uniform(8, 11))
    rv_off = jitter(rng, (-32.0, -12.0), 4.0)
    rv_r = scale(rng, (36.0, 26.0), 0.1)
    infarct_phi = rng.uniform(0, 2 * np.pi)
    edema_hw = np.deg2rad(rng.uniform(35, 65))
    scar_hw = edema_hw * rng.uniform(0.45, 0.7)
    z_lo = int(rng.integers(0, max(nz - 2, 1)))
    z_hi = min(nz, z_lo + int(rng.integers(2, 4)))
    scar_depth = rng.uniform(0.4, 0.8)

    lab = np.zeros(shape, np.uint16)
    tis = c.tissue
    codes = {n: c.code(n) for n in ("fat", "blood", "myo", "edema", "scar", "rv_wall")}
    for k in range(nz):
        t = k / max(nz - 1, 1)  # 0 apex ... 1 base
        r_endo = r_endo0 * (0.55 + 0.45 * t)
        wall = wall0 * (1.05 - 0.1 * t)
        dx, dy = x[0] - lv_c[0], y[0] - lv_c[1]
        rho = np.sqrt(dx * dx + dy * dy)
        phi = np.arctan2(dy, dx)
        lv = rho <= r_endo
        myo = (rho > r_endo) & (rho <= r_endo + wall)
        epi = rho <= r_endo + wall + 3.0
        rdx = (x[0] - lv_c[0] - rv_off[0] * (0.6 + 0.4 * t)) / (rv_r[0] * (0.6 + 0.4 * t))
        rdy = (y[0] - lv_c[1] - rv_off[1]) / (rv_r[1] * (0.6 + 0.4 * t))
        rv_out = rdx * rdx + rdy * rdy <= 1.0
        rv_in = (rdx * rdx + rdy * rdy <= 0.8) & ~epi
        pericard = rho <= r_endo + wall + 12.0
        sl = (k,)
        tis[sl][(pericard | rv_out) & ~lv & ~myo] = codes["fat"]
        tis[sl][rv_out & ~epi] = codes["rv_wall"]
        tis[sl][rv_in] = codes["blood"]
        tis[sl][lv] = codes["blood"]
        tis[sl][myo] = codes["myo"]
        lab[sl][rv_in] = 600
        lab[sl][lv] = 500
        lab[sl][myo] = 200
        if z_lo <= k < z_hi:
            dphi = np.abs(np.angle(np.exp(1j * (phi - infarct_phi))))
            edema = myo & (dphi <= edema_hw)
            depth = (rho - r_endo) / wall
            scar = myo & (dphi <= scar_hw) & (depth <= scar_depth)
            tis[sl][edema] = codes["edema"]
            tis[sl][scar] = codes["scar"]
            lab[sl][edema] = 1220
            lab[sl][scar] = 2221
    c.labels = lab
    images = {}
    for ch, table in TABLES.items():
        images[ch] = render(c, table, rng, noise_sd=18.0, texture_sd=10.0, blur_mm=1.2,
                            bias=0.3, rician=True, default=5.0)
    return PhantomCase(case_id, g, images, lab, ct=False)
