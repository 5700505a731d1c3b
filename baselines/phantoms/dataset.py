"""Dataset folder writer shared by all phantom generators.

Layout written (see README "Baselines and phantom data")::

    <root>/dataset.json                    {"task", "channels", "labels", "cases", "preset", "seed", ...}
    <root>/inputs/<case>_<CCCC>.nii.gz     one image per channel (nnU-Net naming)
    <root>/references/...                  the task's reference layout

The folder is assembled in a temporary sibling and renamed into place, so a failed or
interrupted run never leaves a half-written dataset behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk

from baselines.phantoms.geometry import Grid

PRESETS = ("small", "full")


@dataclass
class PhantomCase:
    """One generated case: images per channel id, reference labels, optional sidecar JSON."""

    case_id: str
    grid: Grid
    images: dict[str, np.ndarray]
    labels: np.ndarray
    ct: bool = True
    sidecar: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def to_image(array: np.ndarray, grid: Grid) -> sitk.Image:
    """SimpleITK image of a (z, y, x) array on ``grid``: spacing reversed to (x, y, z), origin
    at minus half the extent so the patient-frame origin is the volume centre, identity
    direction."""
    img = sitk.GetImageFromArray(array)
    sp = tuple(float(s) for s in reversed(grid.spacing))
    img.SetSpacing(sp)
    shape_xyz = tuple(reversed(grid.shape))
    img.SetOrigin(tuple(-(n - 1) / 2.0 * s for n, s in zip(shape_xyz, sp, strict=True)))
    return img


def write_image(array: np.ndarray, grid: Grid, path: Path) -> None:
    """Write a (z, y, x) array as a compressed NIfTI (or any SimpleITK format by suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(to_image(array, grid), str(path), useCompression=True)


def image_array(case: PhantomCase, channel: str) -> np.ndarray:
    """Storage array of one channel: int16 HU for CT, float32 for MR."""
    img = case.images[channel]
    if case.ct:
        return np.clip(np.rint(img), -1024, 3071).astype(np.int16)
    return np.maximum(img, 0).astype(np.float32)


def write_label_map_reference(case: PhantomCase, ref_dir: Path) -> None:
    """Default reference writer: ``<ref_dir>/<case>.nii.gz`` label map (+ sidecar JSON)."""
    write_image(case.labels, case.grid, ref_dir / f"{case.case_id}.nii.gz")
    if case.sidecar is not None:
        (ref_dir / f"{case.case_id}.json").write_text(json.dumps(case.sidecar, indent=1))


def write_dataset(
    out_dir: Path,
    meta: dict[str, Any],
    cases: list[PhantomCase],
    write_reference,
) -> Path:
    """Write ``cases`` as a dataset folder at ``out_dir`` (atomically; returns ``out_dir``).

    ``out_dir`` must not exist or be an empty folder. ``meta`` becomes dataset.json (the case
    list is added); ``write_reference(case, ref_dir)`` writes one case's reference files.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FileExistsError(
            f"output folder {out_dir} exists and is not empty; expected a new or empty folder"
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for case in cases:
            for ch in sorted(case.images):
                write_image(image_array(case, ch), case.grid, tmp / "inputs" / f"{case.case_id}_{ch}.nii.gz")
            write_reference(case, tmp / "references")
        meta = dict(meta, cases=[c.case_id for c in cases])
        (tmp / "dataset.json").write_text(json.dumps(meta, indent=1))
        if out_dir.exists():
            out_dir.rmdir()
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
