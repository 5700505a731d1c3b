"""A tiny kits21-like dataset for the container tests (not a test module).

CT channel 0000 with a "kidney" ellipsoid at 150 HU and a "tumor" ball at 300 HU; references
use kits21 labels (1 kidney, 2 tumor). The example algorithm's thresholds (100/250) segment it
exactly, so the good image scores Dice 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import SimpleITK as sitk

SHAPE = (16, 32, 32)  # z, y, x
SPACING = (1.5, 1.5, 3.0)  # x, y, z


def _volumes(seed: int, shape: tuple[int, int, int] = SHAPE) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    fz, fy, fx = shape[0] / SHAPE[0], shape[1] / SHAPE[1], shape[2] / SHAPE[2]
    z, y, x = np.indices(shape)
    z, y, x = z / fz, y / fy, x / fx  # geometry in units of the default grid
    cz, cy, cx = 8 + rng.integers(-1, 2), 16 + rng.integers(-3, 4), 16 + rng.integers(-3, 4)
    kidney = ((z - cz) / 6) ** 2 + ((y - cy) / 9) ** 2 + ((x - cx) / 7) ** 2 <= 1
    tumor = ((z - cz) / 3) ** 2 + ((y - cy - 2) / 4) ** 2 + ((x - cx) / 4) ** 2 <= 1
    labels = np.zeros(shape, np.uint8)
    labels[kidney] = 1
    labels[tumor & kidney] = 2
    ct = np.where(labels == 2, 300.0, np.where(labels == 1, 150.0, -50.0)).astype(np.float32)
    return ct, labels


def _image(array: np.ndarray) -> sitk.Image:
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(SPACING)
    image.SetOrigin((-20.0, 10.0, 5.0))
    return image


def write_dataset(
    root: Path, n_cases: int = 3, task: str = "kits21", shape: tuple[int, int, int] = SHAPE
) -> list[str]:
    """Write ``root/dataset.json``, ``root/inputs``, ``root/references`` with volumes of
    ``shape`` (z, y, x); return the case ids."""
    (root / "inputs").mkdir(parents=True, exist_ok=True)
    (root / "references").mkdir(parents=True, exist_ok=True)
    cases = [f"case_{i:05d}" for i in range(n_cases)]
    for i, case in enumerate(cases):
        ct, labels = _volumes(i, shape)
        sitk.WriteImage(_image(ct), str(root / "inputs" / f"{case}_0000.nii.gz"), True)
        sitk.WriteImage(_image(labels), str(root / "references" / f"{case}.nii.gz"), True)
    meta = {"task": task, "channels": {"0000": "CT"}, "labels": {"1": "kidney", "2": "tumor"},
            "cases": cases, "preset": "container-tests", "seed": 0}
    (root / "dataset.json").write_text(json.dumps(meta, indent=1))
    return cases
