"""Disqualification of a submission by an organizer: it leaves the (unfrozen) board at the next
recompute, which runs at once; a frozen board keeps its published rows. Logged in the audit
log with the reason."""

from __future__ import annotations

from django.db import transaction

from arena.challenges import audit
from arena.challenges.models import AuditEntry
from arena.leaderboards.models import Disqualification
from arena.submissions.models import Submission


def disqualify(submission: Submission, reason: str, by=None) -> Disqualification:
    """Disqualify ``submission`` (idempotent: an existing decision is returned unchanged) and
    recompute its phase's board. Raises ValueError naming the field for an empty reason."""
    from arena.leaderboards.services import recompute_leaderboard

    reason = (reason or "").strip()
    if not reason:
        raise ValueError("Field 'reason': say why the submission is disqualified.")
    with transaction.atomic():
        decision, created = Disqualification.objects.get_or_create(
            submission=submission,
            defaults={"reason": reason[:300],
                      "decided_by": by.get_username() if getattr(by, "is_authenticated", False) else ""},
        )
        if created:
            audit.record(AuditEntry.Action.DISQUALIFY, phase=submission.phase, actor=by,
                         summary=f"submission {submission.pk} ({submission.participant_label}) "
                         f"disqualified: {reason[:200]}", submission=submission.pk, reason=reason)
    if created:
        recompute_leaderboard(submission.phase)
    return decision


def requalify(submission: Submission, by=None) -> bool:
    """Withdraw a disqualification; False when there was none. Recomputes the board."""
    from arena.leaderboards.services import recompute_leaderboard

    with transaction.atomic():
        deleted, _ = Disqualification.objects.filter(submission=submission).delete()
        if deleted:
            audit.record(AuditEntry.Action.REQUALIFY, phase=submission.phase, actor=by,
                         summary=f"submission {submission.pk} requalified", submission=submission.pk)
    if deleted:
        recompute_leaderboard(submission.phase)
    return bool(deleted)
