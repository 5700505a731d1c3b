"""Small synthetic kits21-style datasets for platform tests (20×64×64 label maps written with
SimpleITK): a dataset folder (inputs/ + references/ + dataset.json) and prediction folders /
archives derived from the references."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import SimpleITK as sitk

SHAPE = (20, 64, 64)  # z, y, x
SPACING = (0.8, 0.8, 2.5)  # x, y, z (SimpleITK order)


def _write(arr: np.ndarray, path: Path, pixel=np.uint8) -> None:
    img = sitk.GetImageFromArray(arr.astype(pixel))
    img.SetSpacing(SPACING)
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(img, str(path), useCompression=True)


def reference_labels(seed: int, shape: tuple[int, int, int] = SHAPE) -> np.ndarray:
    """A kidney blob (1) holding a tumor (2) and a cyst (3), placed by ``seed``; the blob's
    size scales with ``shape`` (defaults fit 20×64×64)."""
    rng = np.random.default_rng(seed)
    fz, fy, fx = shape[0] / 20, shape[1] / 64, shape[2] / 64
    z, y, x = np.indices(shape)
    cz = shape[0] // 2
    cy = shape[1] // 2 + rng.integers(-6, 7) * fy
    cx = shape[2] // 2 + rng.integers(-6, 7) * fx
    lab = np.zeros(shape, np.uint8)

    def blob(dz, dy, dx, rz, ry, rx):
        return (
            ((z - cz - dz * fz) / (rz * fz)) ** 2
            + ((y - cy - dy * fy) / (ry * fy)) ** 2
            + ((x - cx - dx * fx) / (rx * fx)) ** 2
        ) <= 1

    kidney = blob(0, 0, 0, 7.0, 14.0, 10.0)
    lab[kidney] = 1
    lab[blob(0, 4, 0, 3.0, 5.0, 4.0) & kidney] = 2
    lab[blob(0, -6, -2, 2.0, 3.0, 3.0) & kidney] = 3
    return lab


def make_dataset(
    root: Path, n_cases: int = 3, task: str = "kits21", shape: tuple[int, int, int] = SHAPE
) -> Path:
    """Write ``root/{dataset.json, inputs/, references/}`` with ``n_cases`` cases; returns root."""
    cases = [f"case_{i:05d}" for i in range(n_cases)]
    for i, case in enumerate(cases):
        lab = reference_labels(i, shape)
        _write(lab, root / "references" / f"{case}.nii.gz")
        image = (lab * 40 + np.random.default_rng(100 + i).normal(0, 5, shape)).astype(np.int16)
        _write(image, root / "inputs" / f"{case}_0000.nii.gz", pixel=np.int16)
    (root / "dataset.json").write_text(
        json.dumps(
            {
                "task": task,
                "channels": {"0000": "CT"},
                "labels": {"1": "kidney", "2": "tumor", "3": "cyst"},
                "cases": cases,
                "preset": "test",
                "seed": 0,
            }
        )
    )
    return root


def make_predictions(dataset: Path, out: Path, shift: int = 1, cases: list[str] | None = None) -> Path:
    """Predictions = the references shifted by ``shift`` voxels along x (0 = perfect)."""
    out.mkdir(parents=True, exist_ok=True)
    for ref in sorted((dataset / "references").glob("*.nii.gz")):
        case = ref.name[: -len(".nii.gz")]
        if cases is not None and case not in cases:
            continue
        img = sitk.ReadImage(str(ref))
        arr = np.roll(sitk.GetArrayFromImage(img), shift, axis=2)
        pred = sitk.GetImageFromArray(arr)
        pred.CopyInformation(img)
        sitk.WriteImage(pred, str(out / ref.name), useCompression=True)
    return out


def zip_folder(folder: Path, prefix: str = "") -> bytes:
    """Zip every file of ``folder`` (names relative, optionally under ``prefix``)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            zf.write(path, prefix + path.relative_to(folder).as_posix())
    return buf.getvalue()


def targz_folder(folder: Path) -> bytes:
    """tar.gz of every file of ``folder``."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            tf.add(path, arcname=path.relative_to(folder).as_posix())
    return buf.getvalue()
