"""The submission state machine: the one place a Submission's ``status`` is changed.

States (``Submission.Status``) and the moves between them are declared here:

* :data:`TRANSITIONS` — moves within one attempt, ``source → {targets}``. A state listed among
  its own targets may be *re-entered* (a task message redelivered after a lost worker claims
  the row again); the re-entry is recorded like any move.
* :data:`RESTART_FROM` / :data:`RESTART_TO` — a re-evaluation starts a new attempt
  (``attempt + 1``) from any non-cancelled state back to ``pending`` (re-validate the archive)
  or ``queued`` (re-score stored predictions).

Every change is made under the row lock (``select_for_update``) and writes one
:class:`~arena.submissions.models.StatusChange` (time, user or worker hostname, reason).

Two kinds of refusal, on purpose different:

* a move the table does not allow is a programming error: :class:`IllegalTransition` is
  raised (before touching the database when the caller's ``expected`` states already make it
  illegal);
* a *stale* call — the row is gone, moved to another attempt, or no longer in one of the states
  the caller expected (another worker, a cancel or a re-evaluation got there first) — returns
  ``None`` and changes nothing. That is what makes redelivered Celery messages harmless.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from arena.notifications.services import notify
from arena.submissions.messages import without_server_paths
from arena.submissions.models import StatusChange, Submission

logger = logging.getLogger(__name__)

S = Submission.Status

#: Moves within one attempt: source -> allowed targets.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.VALIDATING, S.FAILED, S.CANCELLED}),
    S.VALIDATING: frozenset({S.VALIDATING, S.QUEUED, S.FAILED, S.CANCELLED}),
    # queued → evaluating: predictions ready; queued → running: an algorithm job starts.
    S.QUEUED: frozenset({S.QUEUED, S.RUNNING, S.EVALUATING, S.FAILED, S.CANCELLED}),
    # running → queued: the algorithm's outputs were collected and wait for scoring.
    S.RUNNING: frozenset({S.RUNNING, S.QUEUED, S.FAILED, S.CANCELLED}),
    S.EVALUATING: frozenset({S.EVALUATING, S.SUCCEEDED, S.FAILED, S.CANCELLED}),
    S.SUCCEEDED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}
#: A new attempt (re-evaluation) may start from these states ...
RESTART_FROM: frozenset[str] = frozenset(set(S.values) - {S.CANCELLED})
#: ... into these.
RESTART_TO: frozenset[str] = frozenset({S.PENDING, S.QUEUED})

#: Reason recorded when the caller gives none.
DEFAULT_REASONS: dict[str, str] = {
    S.PENDING: "waiting for validation",
    S.VALIDATING: "validation started",
    S.QUEUED: "waiting for a worker",
    S.RUNNING: "algorithm container started",
    S.EVALUATING: "scoring started",
    S.SUCCEEDED: "scored",
    S.FAILED: "failed",
    S.CANCELLED: "cancelled",
}


class IllegalTransition(Exception):
    """A status move that :data:`TRANSITIONS` / :data:`RESTART_FROM` does not allow."""

    def __init__(self, submission_id: int | None, source: str, target: str, *, restart: bool = False):
        if restart:
            allowed = ", ".join(sorted(RESTART_FROM))
            detail = f"a new attempt can start only from: {allowed}"
        else:
            allowed = ", ".join(sorted(TRANSITIONS.get(source, ()))) or "none, it is final"
            detail = f"allowed from {source}: {allowed}"
        who = f"submission {submission_id}" if submission_id is not None else "submission"
        super().__init__(f"{who}: illegal status change {source} → {target} ({detail})")
        self.submission_id, self.source, self.target = submission_id, source, target


def is_allowed(source: str, target: str) -> bool:
    """True when ``source → target`` is a legal move within one attempt."""
    return target in TRANSITIONS.get(source, frozenset())


def current_worker() -> str:
    """Name of this process's host as recorded in the history: the Celery worker's hostname
    (``celery@host``) inside a task, else the machine's hostname."""
    try:
        from celery import current_task

        hostname = getattr(getattr(current_task, "request", None), "hostname", None)
    except Exception:  # pragma: no cover - celery is a hard dependency
        hostname = None
    return (hostname or socket.gethostname())[:255]


def _record(sub: Submission, source: str, target: str, reason: str, by) -> StatusChange:
    return StatusChange.objects.create(
        submission=sub,
        attempt=sub.attempt,
        source=source,
        target=target,
        user=by if getattr(by, "pk", None) else None,
        worker="" if getattr(by, "pk", None) else current_worker(),
        reason=(reason or DEFAULT_REASONS.get(target, ""))[:2000],
    )


def apply(sub: Submission, target: str, *, reason: str = "", by=None, **fields) -> Submission:
    """Move ``sub`` — a row the caller has locked with ``select_for_update`` inside
    ``transaction.atomic()`` — to ``target``, set ``fields`` and record the change.

    Raises :class:`IllegalTransition` when ``sub.status → target`` is not allowed."""
    source = sub.status
    if not is_allowed(source, target):
        raise IllegalTransition(sub.pk, source, target)
    sub.status = target
    for key, value in fields.items():
        setattr(sub, key, value)
    sub.save(update_fields=["status", *fields.keys()])
    _record(sub, source, target, reason, by)
    return sub


def record_created(sub: Submission, *, by=None, reason: str = "uploaded") -> StatusChange:
    """Record the creation of ``sub`` (``→ pending``) as the first entry of its history."""
    return _record(sub, "", sub.status, reason, by)


def _lock(submission_id: int) -> Submission | None:
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("phase", "phase__challenge", "creator")
        .filter(pk=submission_id)
        .first()
    )


def transition(
    submission_id: int,
    attempt: int | None,
    expected: Iterable[str],
    new_status: str,
    *,
    reason: str = "",
    by=None,
    **fields,
) -> Submission | None:
    """Move the submission to ``new_status`` if it is at ``attempt`` (None: any) in one of
    ``expected``; ``fields`` are set in the same save and the change is recorded.

    Returns the updated row, or None when the call is stale (row gone, other attempt, status
    not in ``expected``). Raises :class:`IllegalTransition` when some ``expected`` state may not
    move to ``new_status``."""
    expected = tuple(expected)
    for source in expected:
        if not is_allowed(source, new_status):
            raise IllegalTransition(submission_id, source, new_status)
    with transaction.atomic():
        sub = _lock(submission_id)
        if sub is None or (attempt is not None and sub.attempt != attempt) or sub.status not in expected:
            logger.info(
                "submission %s: skip transition to %s (attempt %s, status %s)",
                submission_id,
                new_status,
                getattr(sub, "attempt", None),
                getattr(sub, "status", None),
            )
            return None
        return apply(sub, new_status, reason=reason, by=by, **fields)


def claim(
    submission_id: int,
    attempt: int,
    expected: Iterable[str],
    new_status: str,
    *,
    task_id: str,
    stale_after: float,
    reason: str = "",
) -> Submission | None:
    """Take the submission for one task run: like :func:`transition`, and also stamps
    ``heartbeat`` (now) and ``worker_task`` (``task_id``).

    Re-entering ``new_status`` (a redelivered or re-dispatched message) is allowed only when the
    recorded task is this one (a retry) or its heartbeat is older than ``stale_after`` seconds
    (the task that held it is gone); otherwise another task is alive on it and None is returned,
    as for every stale call."""
    expected = tuple(expected)
    for source in expected:
        if not is_allowed(source, new_status):
            raise IllegalTransition(submission_id, source, new_status)
    now = timezone.now()
    with transaction.atomic():
        sub = _lock(submission_id)
        if sub is None or sub.attempt != attempt or sub.status not in expected:
            return None
        if (
            sub.status == new_status
            and sub.worker_task
            and sub.worker_task != task_id
            and sub.heartbeat is not None
            and (now - sub.heartbeat).total_seconds() < stale_after
        ):
            logger.info(
                "submission %s: task %s is alive on it; %s skips", submission_id, sub.worker_task, task_id
            )
            return None
        if sub.status == new_status and sub.worker_task and sub.worker_task != task_id:
            reason = reason or f"taken over: the task before stopped beating ({sub.worker_task})"
        return apply(
            sub, new_status, reason=reason, heartbeat=now, worker_task=(task_id or "")[:64]
        )


def fail(submission_id: int, attempt: int | None, error: str, *, by=None) -> Submission | None:
    """Mark a non-terminal submission attempt failed with a user-visible ``error`` (also the
    recorded reason) and notify its creator. Stale calls (other attempt, already final) return
    None and change nothing. Server paths in ``error`` are reduced to file names
    (:func:`arena.submissions.messages.without_server_paths`)."""
    error = without_server_paths(error)

    with transaction.atomic():
        sub = _lock(submission_id)
        if sub is None or (attempt is not None and sub.attempt != attempt) or sub.is_terminal:
            return None
        apply(sub, S.FAILED, reason=error, by=by, error=error[:4000], finished=timezone.now())
        notify(
            sub.creator,
            f"Submission {sub.pk} to {sub.phase} failed: {error[:300]}",
            link=f"/submissions/{sub.pk}/",
            email_subject=f"Arena: submission {sub.pk} failed",
        )
    return sub


def cancel(submission_id: int, *, by=None) -> Submission:
    """Cancel a submission that has not finished (any attempt). A final submission is returned
    unchanged. Raises ``Submission.DoesNotExist`` for an unknown id."""
    with transaction.atomic():
        sub = _lock(submission_id)
        if sub is None:
            raise Submission.DoesNotExist(f"submission {submission_id} does not exist")
        if sub.is_terminal:
            return sub
        message = "Cancelled" + (f" by {by.get_username()}" if getattr(by, "pk", None) else "") + "."
        return apply(sub, S.CANCELLED, reason=message, by=by, error=message, finished=timezone.now())


def restart(submission_id: int, target: str, *, by=None, reason: str = "") -> Submission:
    """Start a new attempt (re-evaluation): ``attempt + 1``, error and finish time cleared,
    status ``target`` (``pending`` or ``queued``). Must be called inside
    ``transaction.atomic()`` so the caller can schedule the next task on commit.

    Raises :class:`IllegalTransition` from a cancelled submission or to another target."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("restart() must run inside transaction.atomic()")
    if target not in RESTART_TO:
        raise IllegalTransition(submission_id, "*", target, restart=True)
    sub = _lock(submission_id)
    if sub is None:
        raise Submission.DoesNotExist(f"submission {submission_id} does not exist")
    source = sub.status
    if source not in RESTART_FROM:
        raise IllegalTransition(submission_id, source, target, restart=True)
    with transaction.atomic():
        sub.attempt += 1
        sub.status = target
        sub.error = ""
        sub.finished = None
        sub.started = timezone.now()
        sub.save(update_fields=["attempt", "status", "error", "finished", "started"])
        _record(sub, source, target, reason or f"re-evaluation (attempt {sub.attempt})", by)
    return sub
