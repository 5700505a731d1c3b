"""Method names and the baseline flag of entries.

A submission's ``method`` is the participant's short name for what they submitted (shown on
boards); :func:`clean_method` gives the stored value, defaulting to the participant's last
method name in the phase. ``is_baseline`` marks an organizers' reference entry (reference
baseline, nnU-Net, ...): only organizers (web action) or the system (``manage.py mark_baseline``,
the demo seed) set it, through :func:`mark_baseline`, which writes the audit log. Boards read
both fields from the submission, so a change shows at once without a recompute.
"""

from __future__ import annotations

from django.db import transaction

from arena.challenges import audit
from arena.challenges.models import AuditEntry, Phase
from arena.submissions.models import METHOD_MAX_LENGTH, Submission

#: Method name of an entry whose participant never named one in the phase.
UNNAMED_METHOD = "Unnamed method"


def clean_method(method: str | None, user, phase: Phase, team=None) -> str:
    """The method name to store for a new submission of ``user`` (or ``team``) to ``phase``:
    ``method`` with whitespace collapsed, cut to METHOD_MAX_LENGTH characters; when empty, the
    method of the participant's latest named submission to the phase, else UNNAMED_METHOD."""
    text = " ".join(str(method or "").split())[:METHOD_MAX_LENGTH]
    if text:
        return text
    own = Submission.objects.filter(phase=phase).exclude(method="")
    own = own.filter(team=team) if team is not None else own.filter(creator=user, team__isnull=True)
    previous = own.order_by("-created", "-id").values_list("method", flat=True).first()
    return previous or UNNAMED_METHOD


def mark_baseline(submission: Submission, baseline: bool = True, *, by=None, reason: str = "") -> bool:
    """Set (``baseline`` True) or clear the baseline flag of ``submission``; ``by`` is the
    organizer (None: the system, e.g. a management command). Writes one audit entry when the
    flag changes and returns whether it changed (False: it already had that value)."""
    with transaction.atomic():
        locked = Submission.objects.select_for_update().select_related("phase__challenge").get(
            pk=submission.pk
        )
        if locked.is_baseline == baseline:
            submission.is_baseline = baseline
            return False
        locked.is_baseline = baseline
        locked.save(update_fields=["is_baseline"])
        what = "marked as a baseline" if baseline else "no longer a baseline"
        audit.record(
            AuditEntry.Action.BASELINE, phase=locked.phase, actor=by,
            summary=f"submission {locked.pk} ({locked.participant_label}, "
                    f"{locked.method or UNNAMED_METHOD}) {what}"[:300],
            submission=locked.pk, baseline=baseline, reason=reason[:200],
        )
    submission.is_baseline = baseline
    return True
