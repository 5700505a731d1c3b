"""An organizer's new dataset for a phase, uploaded as one archive (the organizer pages and the
API call :func:`replace_dataset`).

The archive (zip or tar.gz) holds ``inputs/`` and ``references/`` (optionally inside one
wrapping folder). It is written to this node's scratch folder, checked with the submission
archive checks (absolute / ``..`` paths, links, devices, duplicates, member count, unpacked
size, compression ratio) and for its layout, unpacked (regular files only), checked as a bundle's
dataset is (``arena.challenges.bundles.validate.check_dataset``: formats, label values the task
allows, test-image case ids, channels and grids matching the references; every problem listed)
and imported with ``arena.challenges.services.configure_phase_dataset`` (files into the "datasets" storage
through Django's storage API, facts into the database). A refused archive leaves nothing
stored and the phase unchanged; error texts name the member or folder, never a server path.
Scored submissions are re-evaluated only when the caller says so (the organizer confirmed)."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from arena import files
from arena.challenges.models import Phase
from arena.submissions import archives
from arena.submissions.services import archive_limits

_FOLDERS = ("inputs", "references")


class DatasetUploadError(Exception):
    """A dataset archive that is refused; ``str(exc)`` is the organizer-facing reason;
    ``problems``: every problem of its content as ``{"file", "field", "message"}`` (empty when
    the archive itself was refused)."""

    def __init__(self, message: str, problems: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.problems = problems or []


#: problems named in the one-line reason (all of them are in ``problems``)
_SHOWN = 5


def _content_problems(phase: Phase, dataset: Path) -> None:
    """Raise DatasetUploadError listing every problem of the unpacked dataset's content."""
    from arena.challenges.bundles.validate import check_dataset

    problems = check_dataset(phase.task, dataset)
    if problems:
        shown = "; ".join(p.message if not p.file or p.message.startswith(p.file)
                          else f"{p.file}: {p.message}" for p in problems[:_SHOWN])
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        raise DatasetUploadError(f"field 'archive': {len(problems)} problem(s): {shown}{more}",
                                 [p.as_dict() for p in problems])


@dataclass(frozen=True)
class DatasetUploadResult:
    """What an accepted upload did: ``changed`` (a new reference set or test images),
    ``cases`` (case count), ``stale`` (scored submissions made against other references),
    ``requeued`` (re-evaluated now; None when not asked)."""

    phase: Phase
    changed: bool
    cases: int
    stale: int
    requeued: int | None


def _layout(members: list[archives.Member]) -> tuple[str, set[str]]:
    """``(prefix, names)``: the wrapping folder to strip ("" when none) and the member names to
    unpack (files beside the two folders are ignored). Raises DatasetUploadError for files in
    any other folder or a missing folder."""
    names = [m.name for m in members if not m.is_dir]
    if not names:
        raise DatasetUploadError("field 'archive': the archive holds no files; expected the "
                                 "folders 'inputs' and 'references'")
    prefix = ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and tops.pop() not in _FOLDERS and all("/" in n for n in names):
        prefix = names[0].split("/", 1)[0] + "/"
    outside = [n for n in names if "/" in n[len(prefix):]
               and n[len(prefix):].split("/", 1)[0] not in _FOLDERS]
    if outside:
        shown = ", ".join(f"'{n}'" for n in sorted(outside)[:5])
        more = f" and {len(outside) - 5} more" if len(outside) > 5 else ""
        raise DatasetUploadError(f"field 'archive': unexpected member(s) {shown}{more}; expected "
                                 "only files in the folders 'inputs' and 'references' (files "
                                 "beside them, e.g. dataset.json, are ignored)")
    for folder in _FOLDERS:
        if not any(n[len(prefix):].startswith(f"{folder}/") for n in names):
            raise DatasetUploadError(f"field 'archive': no files in the folder '{folder}'; "
                                     "expected the test images in 'inputs' and one reference "
                                     "per case in 'references'")
    return prefix, {n for n in names if "/" in n[len(prefix):]}


def _store_upload(upload, target: Path, limit: int) -> None:
    written = 0
    chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b"")
    with open(target, "wb") as out:
        for chunk in chunks:
            written += len(chunk)
            if written > limit:
                raise DatasetUploadError(f"field 'archive': the archive is larger than "
                                         f"{limit // 2**20} MB")
            out.write(chunk)


def check_and_unpack(upload, scratch: Path) -> Path:
    """Write ``upload`` under ``scratch``, check it and unpack it; returns the dataset folder
    (``inputs/`` + ``references/``). Raises DatasetUploadError."""
    from django.conf import settings

    if upload is None:
        raise DatasetUploadError("field 'archive': choose a zip (or tar.gz) holding the folders "
                                 "'inputs' and 'references' to upload")
    path = scratch / "upload.bin"
    _store_upload(upload, path, settings.ARENA_MAX_UPLOAD_MB * 2**20)
    kind = archives.detect_kind(path)
    if kind not in ("zip", "tar.gz", "tar"):
        raise DatasetUploadError("field 'archive': not a zip or tar.gz archive")
    limits = archive_limits()
    try:
        members = archives.list_members(path, kind, limits)
        prefix, names = _layout(members)
        dataset = scratch / "dataset"
        archives.extract_members(path, kind, dataset, names, prefix, limits)
    except archives.ArchiveError as exc:
        raise DatasetUploadError(f"field 'archive': {exc}") from None
    path.unlink()
    return dataset


def replace_dataset(phase: Phase, upload, *, by, reevaluate: bool = False) -> DatasetUploadResult:
    """Check, unpack and import the uploaded archive as the phase's dataset; re-evaluate the
    phase's finished submissions only when ``reevaluate`` (and the references changed).
    Raises DatasetUploadError (nothing stored, phase unchanged)."""
    from arena.challenges.services import configure_phase_dataset
    from arena.evaluation.services import reevaluate_phase, stale_submissions

    scratch = files.scratch("dataset-upload", uuid.uuid4().hex)
    before = (phase.reference_digest, phase.inputs_archive)
    try:
        dataset = check_and_unpack(upload, scratch)
        _content_problems(phase, dataset)
        name = Path(getattr(upload, "name", "") or "archive").name[:100]
        try:
            phase = configure_phase_dataset(phase, dataset, by=by, source=name)
        except ValueError as exc:
            reason = str(exc).replace(str(dataset.resolve()), "archive").replace(str(dataset), "archive")
            raise DatasetUploadError(f"field 'archive': {reason}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    changed = (phase.reference_digest, phase.inputs_archive) != before
    references_changed = phase.reference_digest != before[0]
    requeued = reevaluate_phase(phase, by=by) if reevaluate and references_changed else None
    return DatasetUploadResult(phase=phase, changed=changed, cases=phase.cases.count(),
                               stale=len(stale_submissions(phase)), requeued=requeued)
