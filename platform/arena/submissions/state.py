"""Row-locked state transitions of a Submission (the design note's state machine).

Each transition locks the row, checks the expected status *and* attempt, applies the change
and commits. A stale or redelivered task therefore finds the row moved on and does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from arena.submissions.models import Submission

logger = logging.getLogger(__name__)


def transition(
    submission_id: int, attempt: int, expected: Iterable[str], new_status: str, **fields
) -> Submission | None:
    """Move the submission to ``new_status`` if it is at ``attempt`` in one of ``expected``.

    Returns the updated row, or None (row gone, other attempt, or unexpected status)."""
    expected = tuple(expected)
    with transaction.atomic():
        sub = Submission.objects.select_for_update().filter(pk=submission_id).first()
        if sub is None or sub.attempt != attempt or sub.status not in expected:
            logger.info(
                "submission %s: skip transition to %s (attempt %s, status %s)",
                submission_id,
                new_status,
                getattr(sub, "attempt", None),
                getattr(sub, "status", None),
            )
            return None
        sub.status = new_status
        for key, value in fields.items():
            setattr(sub, key, value)
        sub.save(update_fields=["status", *fields.keys()])
    return sub


def fail(submission_id: int, attempt: int, error: str) -> Submission | None:
    """Mark a non-terminal submission attempt failed with a user-visible ``error`` and notify
    its creator. No-op for other attempts or terminal submissions. Server paths in ``error``
    are reduced to file names (:func:`arena.submissions.messages.without_server_paths`)."""
    from arena.notifications.services import notify
    from arena.submissions.messages import without_server_paths

    error = without_server_paths(error)

    with transaction.atomic():
        sub = (
            Submission.objects.select_for_update()
            .select_related("phase", "phase__challenge", "creator")
            .filter(pk=submission_id)
            .first()
        )
        if sub is None or sub.attempt != attempt or sub.is_terminal:
            return None
        sub.status = Submission.Status.FAILED
        sub.error = error[:4000]
        sub.finished = timezone.now()
        sub.save(update_fields=["status", "error", "finished"])
        notify(
            sub.creator,
            f"Submission {sub.pk} to {sub.phase} failed: {error[:300]}",
            link=f"/submissions/{sub.pk}/",
            email_subject=f"Arena: submission {sub.pk} failed",
        )
    return sub
