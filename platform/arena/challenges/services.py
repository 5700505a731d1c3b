"""Phase dataset services: case ids of the reference set, dataset configuration, and the
cached zip of a phase's test images (never references)."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

from django.conf import settings

from arena.challenges.models import Phase

IMAGE_SUFFIXES = (".nii.gz", ".nii", ".mha", ".nrrd")
SIDE_SUFFIXES = (".json",)


def split_case_name(name: str) -> tuple[str, str] | None:
    """Split ``case.nii.gz`` into ``("case", ".nii.gz")``; None for unknown extensions."""
    lower = name.lower()
    for suffix in IMAGE_SUFFIXES + SIDE_SUFFIXES:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return None


def phase_case_ids(phase: Phase) -> list[str]:
    """Sorted case ids of the phase's reference set (file stems and per-case folders).

    Returns [] when the phase has no reference folder configured or it does not exist.
    """
    ref = phase.references_dir
    if ref is None or not ref.is_dir():
        return []
    cases: set[str] = set()
    for entry in os.scandir(ref):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            cases.add(entry.name)
            continue
        split = split_case_name(entry.name)
        if split is not None:
            cases.add(split[0])
    return sorted(cases)


def configure_phase_dataset(phase: Phase, dataset_root: Path, *, by=None) -> Phase:
    """Point a phase at a dataset folder (``<root>/inputs`` + ``<root>/references``), record the
    reference digest and save; a change is written to the audit log (``by`` = the acting user,
    None for the system). Raises ValueError naming the missing folder."""
    import evaluators
    from arena.challenges import audit

    dataset_root = Path(dataset_root).resolve()
    inputs, references = dataset_root / "inputs", dataset_root / "references"
    for folder in (inputs, references):
        if not folder.is_dir():
            raise ValueError(f"dataset folder {folder} does not exist (expected a folder)")
    fields = ["inputs_path", "references_path", "reference_digest"]
    old = {name: getattr(phase, name) for name in fields}
    phase.inputs_path = str(inputs)
    phase.references_path = str(references)
    phase.reference_digest = evaluators.reference_digest(references)
    phase.save(update_fields=fields)
    changes = audit.field_changes(phase, old, fields)
    if changes:
        audit.record(audit.AuditEntry.Action.DATASET, phase=phase, actor=by,
                     summary=f"dataset of {phase.slug} set to {dataset_root.name}", changes=changes)
    return phase


def _inputs_fingerprint(inputs: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in inputs.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(inputs)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def inputs_archive(phase: Phase) -> Path:
    """Path of a zip of the phase's test images, built once per inputs content and cached
    under ``ARENA_WORK_ROOT/inputs``. Raises FileNotFoundError when no inputs are configured.
    Images are already compressed (.nii.gz), so members are stored, not deflated."""
    inputs = phase.inputs_dir
    if inputs is None or not inputs.is_dir():
        raise FileNotFoundError(f"phase {phase.pk} has no test images configured")
    cache_dir = Path(settings.ARENA_WORK_ROOT) / "inputs"
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"phase-{phase.pk}-{_inputs_fingerprint(inputs)}.zip"
    if target.exists():
        return target
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for path in sorted(p for p in inputs.rglob("*") if p.is_file()):
            zf.write(path, arcname=f"inputs/{path.relative_to(inputs).as_posix()}")
    os.replace(tmp, target)
    for stale in cache_dir.glob(f"phase-{phase.pk}-*.zip"):
        if stale != target:
            stale.unlink(missing_ok=True)
    return target
