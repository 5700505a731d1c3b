"""SegRap2023 phantom: head & neck CT, non-contrast (0000) and contrast (0001) channels.

The anatomy is painted as the 54 non-overlapping atoms of :mod:`segrap_atlas` (brain with
temporal lobes, hippocampi, brainstem, chiasm, pituitary; eyes, lenses, optic nerves; the
temporal-bone complex of middle ear, IAC, tympanic cavity, vestibule/semicircular canals,
cochlea and petrous bone; mastoids, TM joints, parotids, mandible, submandibular glands, oral
cavity, spinal cord, pharyngeal constrictor, larynx, esophagus, thyroid, trachea) plus a
nasopharyngeal primary tumor (GTVp) and one to three nodes (GTVnd).
Task 1 references are ``<case>/<OAR>.nii.gz`` for the 45 OARs, task 2 references
``<case>/GTVp.nii.gz`` and ``<case>/GTVnd.nii.gz`` (binary uint8 masks, the official layout).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from baselines.phantoms.canvas import Canvas, render
from baselines.phantoms.dataset import PhantomCase, write_image
from baselines.phantoms.geometry import Grid, ellipsoid, jitter, scale, tube
from baselines.phantoms.segrap_atlas import ATOM_NAMES, GTVS, OARS, atoms_to_structures

TASK_AWARE = True
CHANNELS = {"0000": "CT", "0001": "contrast CT"}
GEOMETRY = {
    "small": ((40, 64, 64), (9.0, 3.5, 3.5)),
    "full": ((128, 400, 512), (3.0, 0.55, 0.55)),
}
Z_CENTER = -45.0
#: structure volume ranges (ml) checked by the tests
SIZE_SPEC_ML = {"Brain": (900.0, 1900.0), "Mandible_L": (5.0, 60.0), "SpinalCord": (5.0, 40.0),
                "Parotid_L": (5.0, 60.0), "Eye_L": (3.0, 15.0), "Lens_L": (0.02, 1.5),
                "GTVp": (2.0, 40.0), "GTVnd": (0.5, 25.0)}

#: (non-contrast HU, contrast HU) per tissue
HU: dict[str, tuple[float, float]] = {
    "air": (-1000, -1000), "fat": (-95, -95), "soft": (50, 60), "bone": (900, 900),
    "marrow": (300, 310), "brain": (35, 38), "grey": (40, 44), "vitreous": (10, 10),
    "lens": (105, 105), "nerve": (32, 36), "pituitary": (55, 110), "petrous": (1300, 1300),
    "cavity_air": (-650, -650), "fluid": (15, 15), "mastoid": (-350, -350), "joint": (280, 280),
    "parotid": (-15, 5), "gland": (48, 95), "tongue": (55, 75), "cord": (35, 40),
    "constrictor": (45, 80), "larynx": (80, 110), "esophagus": (42, 70), "thyroid": (105, 180),
    "trachea_wall": (60, 80), "vessel": (42, 260), "tumor": (52, 98), "node": (48, 88),
    "necrosis": (22, 28),
}


def channels(task: str) -> dict[str, str]:
    """Image channels (both SegRap tasks use the same two CT scans)."""
    return dict(CHANNELS)


def labels(task: str) -> dict[int, str]:
    """Label map of the single-file prediction layout: 54 atoms (task 1) or GTVp/GTVnd."""
    if task == "segrap2023_task1":
        return {0: "background", **ATOM_NAMES}
    return {0: "background", 1: "GTVp", 2: "GTVnd"}


def extra_meta(task: str) -> dict[str, object]:
    """dataset.json additions: the structure names of the per-structure reference folders."""
    return {"structures": list(OARS if task == "segrap2023_task1" else GTVS),
            "reference_layout": "<case>/<Structure>.nii.gz binary masks"}


def case_ids(n_cases: int) -> list[str]:
    """Case ids ``segrap_0000``, ``segrap_0001``, ..."""
    return [f"segrap_{i:04d}" for i in range(n_cases)]


def reference_writer(task: str):
    """Reference writer: one binary mask per structure in ``<ref>/<case>/``."""

    def write(case: PhantomCase, ref_dir: Path) -> None:
        if task == "segrap2023_task1":
            masks = atoms_to_structures(case.extra["atoms"])
        else:
            gtv = case.extra["gtv"]
            masks = {"GTVp": (gtv == 1).astype(np.uint8), "GTVnd": (gtv == 2).astype(np.uint8)}
        for name, mask in masks.items():
            write_image(mask, case.grid, ref_dir / case.case_id / f"{name}.nii.gz")

    return write


def _ear(c: Canvas, g: Grid, rng: np.random.Generator, s: int, P) -> None:
    """Temporal-bone complex of one side (s = +1 left, -1 right); atoms of the left side are
    even, the right side's the next odd value."""
    o = 0 if s > 0 else 1
    e = jitter(rng, (s * 50, 14, -12), 2)

    def at(dx, dy, dz):
        return P(e[0] + s * dx, e[1] + dy, e[2] + dz)

    c.put(ellipsoid(g, at(-6, -6, 0), (3.5, 3.5, 3.0)), "fluid", 28 + o, over_label=(0,))
    c.put(tube(g, [at(-10, 1, 2), at(-3, 1, 2)], 2.5), "fluid", 18 + o, over_label=(0,))
    c.put(ellipsoid(g, at(0, 0, 0), (13, 12, 8)), "petrous", 16 + o, over_label=(0,))
    c.put(ellipsoid(g, at(8, -2, 0), (6, 7, 7)), "cavity_air", 22 + o, over_label=(0,),
          remap={16 + o: 20 + o})
    c.put(ellipsoid(g, at(-3, 8, 2), (6, 5, 6)), "fluid", 26 + o, over_label=(0,), remap={16 + o: 24 + o})
    c.put(ellipsoid(g, at(-10, 1, -4), (13, 8, 6)), "petrous", 32 + o, over_label=(0,),
          remap={16 + o: 30 + o})
    c.put(ellipsoid(g, at(5, 18, -10), scale(rng, (10, 10, 12), 0.15)), "mastoid", 42 + o, over_label=(0,))
    c.put(ellipsoid(g, at(2, -16, -10), (6, 6, 6)), "joint", 44 + o, over_label=(0,))


def paint_head(c: Canvas, rng: np.random.Generator | None, P, hs: float) -> None:
    """Paint head & neck tissues and the 54 atoms on ``c``.

    ``P(x, y, z)`` maps a position of the mean head (mm; z = 0 at the orbits) to the grid's
    patient frame; ``hs`` is the head scale used for the skull and neck radii. With
    ``rng=None`` the mean anatomy is painted (used as the atlas of the reference baseline).
    """
    g = c.grid
    # tissues: head, neck, skull, airway, vertebrae, vessels
    c.put(ellipsoid(g, P(0, 5, 40), (80 * hs, 100 * hs, 95 * hs)), "soft")
    c.put(tube(g, [P(0, 12, -10), P(0, 12, -260)], 62 * hs), "fat")
    c.put(tube(g, [P(0, 12, -10), P(0, 12, -260)], 54 * hs), "soft")
    c.put(ellipsoid(g, P(0, 10, 50), (69 * hs, 86 * hs, 75 * hs)), "bone")
    brain_r = (62 * hs, 80 * hs, 68 * hs)
    c.put(ellipsoid(g, P(0, 10, 50), brain_r), "brain")
    c.put(tube(g, [P(0, -40, -5), P(0, -10, -30), P(0, 8, -45), P(0, 8, -150)], 7 * hs), "air")
    c.put(tube(g, [P(0, 34, -40), P(0, 34, -260)], 11 * hs), "bone")
    c.put(tube(g, [P(0, 34, -40), P(0, 34, -260)], 8 * hs), "marrow")
    c.put(tube(g, [P(0, 52, -30), P(0, 52, -260)], 12 * hs), "bone")
    for s in (-1, 1):
        c.put(tube(g, [P(s * 24, 4, -55), P(s * 21, 0, -260)], 4 * hs), "vessel")
        c.put(tube(g, [P(s * 33, 12, -55), P(s * 30, 8, -260)], 6 * hs), "vessel")

    # atoms, small/inner structures first; later ones only fill what is still background
    def put(region, tissue, atom, over_label=(0,), remap=None, over_tissue=None):
        c.put(region, tissue=tissue, label=atom, over_label=over_label, remap=remap, over_tissue=over_tissue)

    for s in (1, -1):
        o = 0 if s > 0 else 1
        eye = jitter(rng, (s * 32, -58, 0), 2)
        put(ellipsoid(g, P(eye[0], eye[1] - 9, eye[2]), (4.5, 2.0, 4.5)), "lens", 12 + o)
        put(ellipsoid(g, P(*eye), scale(rng, (12, 12, 12), 0.06)), "vitreous", 10 + o)
        put(tube(g, [P(s * 30, -46, 0), P(s * 18, -25, 8), P(s * 6, -8, 14)], 2.4), "nerve", 14 + o)
        _ear(c, g, rng, s, P)
        put(ellipsoid(g, P(s * 27, 12, 5), (7, 18, 7)), "grey", 8 + o)
        put(ellipsoid(g, P(s * 40, 2, 12), (18, 32, 22)), "grey", 4 + o, remap={8 + o: 6 + o})
        put(ellipsoid(g, P(s * 48, 6, -52), scale(rng, (13, 20, 22), 0.12)), "parotid", 40 + o)
        put(ellipsoid(g, P(s * 36, -22, -92), scale(rng, (11, 12, 9), 0.12)), "gland", 38 + o)
        mand = [P(s * 52, -4, -30), P(s * 50, -6, -62), P(s * 46, -12, -78), P(s * 30, -46, -82), P(s * 4, -63, -84)]
        put(tube(g, mand, 6.0), "bone", 36 + o)
        put(ellipsoid(g, P(s * 17, -4, -172), scale(rng, (8, 9, 20), 0.15)), "thyroid", 53)
    put(ellipsoid(g, P(0, -5, 15), (7, 4, 2.5)), "nerve", 3)
    put(ellipsoid(g, P(0, 2, 4), (6, 5, 4)), "pituitary", 34)
    put(ellipsoid(g, P(0, 22, -5), (15, 15, 32)), "brain", 2)
    c.put(ellipsoid(g, P(0, 10, 50), brain_r), label=1, over_label=(0,))
    put(ellipsoid(g, P(0, -12, -172), (10, 4, 6)), "thyroid", 53)
    put(ellipsoid(g, P(0, -38, -58), scale(rng, (28, 28, 15), 0.1)), "tongue", 35)
    put(tube(g, [P(0, 52, -35), P(0, 52, -260)], 5.0), "cord", 46)
    put(ellipsoid(g, P(0, -10, -140), (10, 8, 5)), "larynx", 49)
    put(ellipsoid(g, P(0, -8, -118), (12, 10, 9)), "larynx", 50)
    put(ellipsoid(g, P(0, -8, -130), scale(rng, (20, 16, 26), 0.1)), "larynx", 48)
    pc = [P(0, 8, -45), P(0, 8, -135)]
    put(tube(g, pc, 14.0), "constrictor", 52, remap={48: 51})
    c.put(tube(g, pc, 7.0), tissue="air", label=0, over_label=(52,), remap={51: 48})
    put(tube(g, [P(0, 20, -138), P(0, 22, -260)], 8.0), "esophagus", 47)
    put(tube(g, [P(0, -2, -156), P(0, 2, -260)], 9.0), "trachea_wall", 54)
    c.put(tube(g, [P(0, -2, -156), P(0, 2, -260)], 6.5), tissue="air")


def make_case(case_id: str, rng: np.random.Generator, preset: str, task: str) -> PhantomCase:
    """Generate one SegRap2023 case: two CT channels, 54-atom map and GTV map."""
    shape, spacing = GEOMETRY[preset]
    g = Grid(shape, spacing)
    c = Canvas(g)
    hs = scale(rng, (1, 1, 1), 0.06)[0]

    def P(x, y, z):  # noqa: N802  patient position, scaled head size, FOV shifted
        return (x * hs, y * hs, z * hs - Z_CENTER)

    paint_head(c, rng, P, hs)
    atoms = c.labels.copy()

    # tumors: separate label map (they overlap OARs)
    gtv = np.zeros(shape, np.uint8)
    gc = jitter(rng, (0, 2, -38), (6, 3, 5))
    gr = scale(rng, (12, 10, 13), 0.3)
    reg = ellipsoid(g, P(*gc), gr)
    c.put(reg, tissue="tumor", over_tissue=("soft", "air", "constrictor", "fat"))
    gtv[reg.sl][reg.mask] = 1
    for _ in range(int(rng.integers(1, 4))):
        side = rng.choice([-1, 1])
        nc = jitter(rng, (side * 38, 14, -100), (5, 6, 20))
        r = rng.uniform(5, 11)
        reg = ellipsoid(g, P(*nc), (r, r, r * 1.2))
        c.put(reg, tissue="node", over_tissue=("soft", "fat", "parotid", "gland"))
        c.put(ellipsoid(g, P(*nc), (r * 0.4, r * 0.4, r * 0.5)), tissue="necrosis", over_tissue=("node",))
        gtv[reg.sl][reg.mask & (gtv[reg.sl] == 0)] = 2
    images = {}
    for i, ch in enumerate(("0000", "0001")):
        table = {k: v[i] for k, v in HU.items()}
        images[ch] = render(c, table, rng, noise_sd=12.0, texture_sd=6.0, blur_mm=0.9, default=-1000)
    main = atoms if task == "segrap2023_task1" else gtv
    return PhantomCase(case_id, g, images, main, extra={"atoms": atoms, "gtv": gtv})
