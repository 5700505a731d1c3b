"""Collect and validate an algorithm's /output against the provisioned inputs.

Rules: every case present (``<case>.nii.gz``, or for per-structure tasks a ``<case>/`` folder of
``<Structure>.nii.gz`` masks), each a readable NIfTI with the geometry of the case's input
(size, spacing, origin, direction), voxel values within the task's label map (0/1 for masks).
Optional ``<case>.json`` files are carried along. Valid files are copied to the predictions
folder that scoring reads.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where outputs are read: a worker that only imports images stays small
    import SimpleITK as sitk

_TOL = 1e-3


class OutputProblem(Exception):
    """Outputs are missing or invalid. ``reason`` is "missing_output" or "invalid_output"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Collected:
    predictions_dir: Path
    files: int
    extra: list[str] = field(default_factory=list)


def _geometry_problem(name: str, image: sitk.Image, case: dict) -> str | None:
    checks = (
        ("size", list(image.GetSize()), case.get("size"), 0),
        ("spacing", list(image.GetSpacing()), case.get("spacing"), _TOL),
        ("origin", list(image.GetOrigin()), case.get("origin"), _TOL),
        ("direction", list(image.GetDirection()), case.get("direction"), _TOL),
    )
    for what, found, expected, tol in checks:
        if expected is None:
            continue
        if len(found) != len(expected) or not np.allclose(found, expected, rtol=tol, atol=tol):
            fmt = ", ".join(f"{v:g}" for v in found)
            exp = ", ".join(f"{v:g}" for v in expected)
            return f"{name}: {what} ({fmt}) differs from the input's ({exp})"
    return None


def _check_volume(path: Path, rel: str, case: dict, allowed: set[int]) -> None:
    import SimpleITK as sitk

    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[-1][:160] if str(exc).strip() else "unreadable"
        raise OutputProblem("invalid_output", f"{rel} is not a readable NIfTI image ({first})")
    problem = _geometry_problem(rel, image, case)
    if problem:
        raise OutputProblem("invalid_output", problem)
    if image.GetNumberOfComponentsPerPixel() != 1:
        raise OutputProblem("invalid_output", f"{rel}: expected a scalar label image, found vectors")
    values = np.unique(sitk.GetArrayViewFromImage(image))
    if not np.all(np.equal(np.mod(values, 1), 0)):
        raise OutputProblem("invalid_output", f"{rel}: expected integer labels, found fractions")
    bad = sorted(int(v) for v in values if int(v) not in allowed)
    if bad:
        raise OutputProblem(
            "invalid_output",
            f"{rel}: labels {bad[:10]} are not in the task's label map {sorted(allowed)}",
        )


def collect_outputs(
    output_dir: Path, predictions_dir: Path, cases: list[dict], label_map: dict | None,
    *, folders: bool | None = None,
) -> Collected:
    """Validate ``output_dir`` for ``cases`` (the ``cases.json`` entries) and copy the valid
    files into a fresh ``predictions_dir``. ``label_map`` None = per-structure binary masks only;
    ``folders`` (default: ``label_map is None``) accepts a ``<case>/`` folder of binary masks in
    place of the label map (SegRap: per-structure files, or the atom label map).
    Raises OutputProblem (missing_output / invalid_output) with the first problem found."""
    allowed = {0, 1} if label_map is None else {0, *(int(k) for k in label_map)}
    folders = label_map is None if folders is None else folders
    plans: list[tuple[Path, str]] = []
    missing = []
    for case in cases:
        cid = case["id"]
        volume, folder = output_dir / f"{cid}.nii.gz", output_dir / cid
        if volume.is_file() and not volume.is_symlink():
            plans.append((volume, volume.name))
        elif folders and folder.is_dir() and not folder.is_symlink():
            masks = sorted(p for p in folder.glob("*.nii.gz") if p.is_file() and not p.is_symlink())
            if not masks:
                raise OutputProblem("missing_output", f"{cid}/ holds no <Structure>.nii.gz masks")
            plans.extend((p, f"{cid}/{p.name}") for p in masks)
        else:
            missing.append(f"{cid}.nii.gz")
            continue
        side = output_dir / f"{cid}.json"
        if side.is_file() and not side.is_symlink():
            plans.append((side, side.name))
    if missing:
        raise OutputProblem(
            "missing_output",
            f"missing output: {len(missing)} of {len(cases)} cases have no prediction in "
            f"/output (first: {', '.join(missing[:5])})",
        )
    by_case = {case["id"]: case for case in cases}
    for path, rel in plans:
        if rel.endswith(".nii.gz"):
            cid = rel.split("/", 1)[0].removesuffix(".nii.gz")
            _check_volume(path, rel, by_case[cid], {0, 1} if "/" in rel else allowed)
    if predictions_dir.exists():
        shutil.rmtree(predictions_dir)
    predictions_dir.mkdir(parents=True)
    for path, rel in plans:
        target = predictions_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    known = {rel.split("/", 1)[0] for _, rel in plans}
    extra = sorted(p.name for p in output_dir.iterdir() if p.name not in known)
    return Collected(predictions_dir=predictions_dir, files=len(plans), extra=extra)
