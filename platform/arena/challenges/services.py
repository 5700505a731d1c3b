"""Phase dataset services for the web tier and the other apps: case ids of the reference set
(from the database), dataset import, and the stored zip of a phase's test images (never
references). No function here opens an image file; see ``arena.challenges.datasets``."""

from __future__ import annotations

from pathlib import Path

from arena.challenges.datasets import DatasetError, case_ids, import_dataset, split_case_name
from arena.challenges.models import Phase

__all__ = ["DatasetError", "configure_phase_dataset", "inputs_archive", "phase_case_ids",
           "split_case_name"]


def phase_case_ids(phase: Phase) -> list[str]:
    """Sorted case ids of the phase's reference set, recorded at import ([] before one)."""
    return case_ids(phase)


def configure_phase_dataset(phase: Phase, dataset_root: Path, *, by=None, source: str = "") -> Phase:
    """Import the local dataset folder (``<root>/inputs`` + ``<root>/references``) as the
    phase's dataset (files into storage, facts into the database) and return the phase; a
    change is written to the audit log (``by`` = the acting user, None for the system;
    ``source``: what the summary names, default the folder's name).
    Raises ValueError (a DatasetError) naming the missing folder or unreadable file."""
    from arena.challenges import audit

    fields = ["inputs_path", "references_path", "reference_digest"]
    old = {name: getattr(phase, name) for name in fields}
    try:
        phase = import_dataset(phase, dataset_root)
    except DatasetError as exc:
        raise ValueError(str(exc)) from None
    changes = audit.field_changes(phase, old, fields)
    if changes:
        audit.record(audit.AuditEntry.Action.DATASET, phase=phase, actor=by,
                     summary=f"dataset of {phase.slug} imported from {source or Path(dataset_root).name}",
                     changes=changes)
    return phase


def inputs_archive(phase: Phase) -> str:
    """Storage name (``"default"`` storage) of the zip of the phase's test images, built at
    import. Raises FileNotFoundError when the phase has no imported test images."""
    if not phase.inputs_archive:
        raise FileNotFoundError(f"phase {phase.pk} has no test images configured")
    return phase.inputs_archive
