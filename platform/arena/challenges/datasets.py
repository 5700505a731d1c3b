"""Phase datasets: import once into storage with their facts, stage on workers.

``import_dataset(phase, root)`` reads a local folder ``root/inputs`` + ``root/references``
once, computes the facts the platform needs (case ids, per-case digests, the reference-set
digest, geometry and label summaries, each input file of a case), stores both folders in the
``"datasets"`` storage under a content-addressed folder, stores a zip of the test images in the
``"default"`` storage and records everything in the database. From then on the web tier reads
only database rows (and streams the stored zip); only workers open image files, after
``stage(phase, "references" | "inputs")`` copied the folder into their local cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
import zipfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from arena import files
from arena.challenges.models import DatasetCase, Phase

IMAGE_SUFFIXES = (".nii.gz", ".nii", ".mha", ".nrrd")
SIDE_SUFFIXES = (".json",)
_COMPLETE = ".complete"


class DatasetError(Exception):
    """A dataset folder that cannot be imported or staged; the message names the file."""


def split_case_name(name: str) -> tuple[str, str] | None:
    """Split ``case.nii.gz`` into ``("case", ".nii.gz")``; None for unknown extensions."""
    lower = name.lower()
    for suffix in IMAGE_SUFFIXES + SIDE_SUFFIXES:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return None


def _reference_files(references: Path) -> dict[str, list[str]]:
    """``{case: [relative file names]}`` of a local reference folder (file stems and per-case
    folders, hidden entries ignored)."""
    cases: dict[str, list[str]] = {}
    for entry in sorted(os.scandir(references), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            inner = sorted(
                p.relative_to(references).as_posix()
                for p in Path(entry.path).rglob("*") if p.is_file()
            )
            cases.setdefault(entry.name, []).extend(inner)
            continue
        split = split_case_name(entry.name)
        if split is not None:
            cases.setdefault(split[0], []).append(entry.name)
    return {case: sorted(names) for case, names in sorted(cases.items())}


def _digest(root: Path, rels: list[str]) -> str:
    """sha256 over relative paths and bytes (``evaluators.reference_digest``'s scheme)."""
    digest = hashlib.sha256()
    for rel in sorted(rels):
        digest.update(rel.encode() + b"\0")
        with (root / rel).open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def _image_facts(path: Path, rel: str) -> tuple[dict, dict[str, int]]:
    """Geometry of ``path`` and its voxel count per label value. Raises DatasetError."""
    import numpy as np
    import SimpleITK as sitk

    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError as exc:
        raise DatasetError(f"reference {rel} is not a readable image ({str(exc).strip()[-160:]})")
    geometry = {"size": list(image.GetSize()), "spacing": list(image.GetSpacing()),
                "origin": list(image.GetOrigin()), "direction": list(image.GetDirection())}
    values, counts = np.unique(sitk.GetArrayViewFromImage(image), return_counts=True)
    return geometry, {str(int(v)): int(c) for v, c in zip(values, counts, strict=True)}


def _case_facts(references: Path, rels: list[str]) -> tuple[dict, dict[str, int]]:
    images = [r for r in rels if split_case_name(r.rsplit("/", 1)[-1]) and not r.endswith(".json")]
    geometry: dict = {}
    labels: dict[str, int] = {}
    for rel in images:
        geo, counts = _image_facts(references / rel, rel)
        geometry = geometry or geo
        if "/" in rel:  # per-structure mask: foreground voxels of the structure
            structure = split_case_name(rel.rsplit("/", 1)[-1])[0]
            labels[structure] = sum(c for v, c in counts.items() if v != "0")
        else:
            labels = counts
    return geometry, labels


def _input_files(inputs: Path, case_ids: list[str]) -> dict[str, list[str]]:
    names = sorted(p.relative_to(inputs).as_posix() for p in inputs.rglob("*") if p.is_file())
    by_case: dict[str, list[str]] = {case: [] for case in case_ids}
    for name in names:
        for case in case_ids:
            if name.startswith(f"{case}_") or name.startswith(f"{case}.") or name.startswith(
                f"{case}/"
            ):
                by_case[case].append(name)
                break
    return by_case


def _build_inputs_zip(inputs: Path, target: Path) -> None:
    """Zip of the test images (members ``inputs/<name>``, stored: images are compressed)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for path in sorted(p for p in inputs.rglob("*") if p.is_file()):
            zf.write(path, arcname=f"inputs/{path.relative_to(inputs).as_posix()}")


def import_dataset(phase: Phase, dataset_root: Path) -> Phase:
    """Import the local folder ``dataset_root`` (``inputs/`` + ``references/``) as the phase's
    dataset: facts into the database, files into storage. Idempotent for the same content.

    Raises DatasetError naming the missing folder or unreadable reference file."""
    dataset_root = Path(dataset_root).resolve()
    return import_dataset_folders(phase, dataset_root / "inputs", dataset_root / "references")


def import_dataset_folders(phase: Phase, inputs: Path | None, references: Path) -> Phase:
    """:func:`import_dataset` for two explicit local folders; ``inputs`` None = no test images
    (a prediction phase whose images are distributed elsewhere: the stored zip is empty).

    Inside an outer transaction the replaced files of a previous import are deleted only when
    it commits, so a rolled-back caller (a bundle upload) leaves the old dataset usable."""
    import evaluators

    references = Path(references).resolve()
    empty = None
    if inputs is None:
        empty = files.scratch("import", uuid.uuid4().hex) / "inputs"
        empty.mkdir(parents=True)
        inputs = empty
    inputs = Path(inputs).resolve()
    try:
        return _import(phase, inputs, references, evaluators.reference_digest)
    finally:
        if empty is not None:
            shutil.rmtree(empty.parent, ignore_errors=True)


def _import(phase: Phase, inputs: Path, references: Path, reference_digest_of) -> Phase:
    for folder in (inputs, references):
        if not folder.is_dir():
            raise DatasetError(f"dataset folder {folder.name} does not exist (expected a folder)")
    ref_files = _reference_files(references)
    if not ref_files:
        raise DatasetError(f"dataset folder {references.name} holds no reference cases")
    reference_digest = reference_digest_of(references)
    input_names = sorted(p.relative_to(inputs).as_posix() for p in inputs.rglob("*") if p.is_file())
    inputs_digest = _digest(inputs, input_names)
    by_case_inputs = _input_files(inputs, list(ref_files))
    cases = []
    for case, rels in ref_files.items():
        geometry, labels = _case_facts(references, rels)
        cases.append(DatasetCase(
            phase=phase, case_id=case, digest=_digest(references, rels),
            input_files=by_case_inputs.get(case, []), reference_files=rels,
            geometry=geometry, labels=labels,
        ))
    folder = f"phase-{phase.pk}/{reference_digest[:16]}-{inputs_digest[:16]}"
    if phase.references_path != f"{folder}/references" or not files.folder_exists(
        phase.references_path, alias=files.DATASETS
    ):
        files.upload_folder(inputs, f"{folder}/inputs", alias=files.DATASETS)
        files.upload_folder(references, f"{folder}/references", alias=files.DATASETS)
    archive = f"inputs/phase-{phase.pk}-{inputs_digest[:16]}.zip"
    if not files.exists(archive):
        tmp = files.scratch("import", uuid.uuid4().hex)
        try:
            _build_inputs_zip(inputs, tmp / "inputs.zip")
            files.upload_file(tmp / "inputs.zip", archive, move=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    old_folder = phase.references_path.rsplit("/", 1)[0] if phase.references_path else ""
    old_archive = phase.inputs_archive
    with transaction.atomic():
        DatasetCase.objects.filter(phase=phase).delete()
        DatasetCase.objects.bulk_create(cases)
        phase.inputs_path = f"{folder}/inputs"
        phase.references_path = f"{folder}/references"
        phase.reference_digest = reference_digest
        phase.inputs_archive = archive
        phase.dataset_imported = timezone.now()
        phase.save(update_fields=["inputs_path", "references_path", "reference_digest",
                                  "inputs_archive", "dataset_imported"])

    def drop_old() -> None:
        if old_folder and old_folder != folder:
            files.delete_folder(old_folder, alias=files.DATASETS)
        if old_archive and old_archive != archive:
            files.delete(old_archive)

    transaction.on_commit(drop_old)
    return phase


def case_ids(phase: Phase) -> list[str]:
    """Sorted case ids of the phase's reference set, from the database ([] before import)."""
    return list(phase.cases.order_by("case_id").values_list("case_id", flat=True))


def stage(phase: Phase, which: str) -> Path:
    """Worker side: a local copy of the phase's ``"inputs"`` or ``"references"`` folder under
    ``ARENA_WORK_ROOT/datasets/<stored folder>`` (content-addressed: downloaded once per
    dataset version and reused; a partial copy is never visible). References are checked
    against the recorded digest. Raises DatasetError when the phase has no dataset or the
    stored files are missing or changed."""
    if which not in ("inputs", "references"):
        raise ValueError(f"stage: expected 'inputs' or 'references', got {which!r}")
    folder = phase.inputs_path if which == "inputs" else phase.references_path
    if not folder or not phase.dataset_imported:
        raise DatasetError(f"the phase has no {which} imported")
    import evaluators

    local = Path(settings.ARENA_WORK_ROOT) / "datasets" / folder
    complete = local.with_name(f"{local.name}{_COMPLETE}")
    if complete.is_file() and local.is_dir():
        return local
    tmp = local.with_name(f".{local.name}-{uuid.uuid4().hex[:8]}")
    try:
        try:
            files.download_folder(folder, tmp, alias=files.DATASETS)
        except FileNotFoundError as exc:
            raise DatasetError(f"the phase's {which} are not in storage ({exc})") from None
        if which == "references":
            if evaluators.reference_digest(tmp) != phase.reference_digest:
                raise DatasetError(
                    f"the stored references in {folder} do not match the imported digest "
                    f"{phase.reference_digest[:12]}; re-import the dataset"
                )
        try:
            os.rename(tmp, local)
        except OSError:
            if not complete.is_file():  # a stale partial folder of a crashed worker
                shutil.rmtree(local, ignore_errors=True)
                os.rename(tmp, local)
        complete.touch()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return local
