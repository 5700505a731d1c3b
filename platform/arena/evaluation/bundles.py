"""Re-evaluation after a bundle changed a phase's references, once an organizer confirms."""

from __future__ import annotations

from arena.challenges.bundles.versions import mark_confirmed
from arena.challenges.models import BundleVersion
from arena.evaluation.services import reevaluate_phase


def confirm_reference_change(version: BundleVersion, by=None) -> int:
    """Confirm the version's changed references and re-evaluate every submission of the
    phases concerned through :func:`reevaluate_phase`; returns the number re-queued. Raises
    ``arena.challenges.bundles.versions.NothingToConfirm`` when nothing waits."""
    return sum(reevaluate_phase(phase, by=by) for phase in mark_confirmed(version, by))
