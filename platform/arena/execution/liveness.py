"""Take over container jobs whose worker died (the execution side of the sweep).

The submissions app's sweep (``arena.submissions.liveness``) finds algorithm submissions owed
their container job with no live task and sends ``run_owed``; :func:`on_run_owed` answers it:
the job of that submission attempt is sent again unless it is final or its message still waits
in the broker. A job left active by a dead worker first has the lost attempt's container
stopped and removed where this worker's engine can reach it (the next attempt removes every
container of the job from the engine it runs on anyway). The next ``run_job`` starts a new run
attempt through the runner's claim, which refuses while another task's heartbeat is fresh; the
lost attempt can no longer write anything (every step checks the attempt).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from arena.execution.models import Job
from arena.submissions.liveness import dispatch, heartbeat_timeout

logger = logging.getLogger(__name__)

RUN_TASK = "arena.execution.tasks.run_job"


def remove_lost_containers(job: Job) -> list[str]:
    """Stop and remove the containers of ``job``'s current attempt on this worker's engine;
    returns their names ([] when the engine cannot be reached from here, logged)."""
    from arena.execution.backends import get_backend

    labels = {"arena.job": str(job.pk), "arena.attempt": str(job.attempt)}
    try:
        removed = get_backend().remove_containers(labels)
    except Exception as exc:  # engine absent on this node, or down: the next attempt cleans up
        logger.warning(
            "job %s: containers of lost attempt %s not removed from here (%s: %s)",
            job.pk, job.attempt, type(exc).__name__, exc,
        )
        return []
    if removed:
        logger.warning("job %s: removed the lost attempt's containers %s", job.pk, ", ".join(removed))
    return removed


def on_run_owed(
    sender=None, *, submission_id: int, attempt: int, messages: set | None = None, **kwargs
) -> bool:
    """Receiver of ``arena.submissions.signals.run_owed``: send the container job of
    ``submission_id``'s ``attempt`` again; True when it was sent."""
    from arena.execution.tasks import run_job

    job = (
        Job.objects.filter(submission_id=submission_id, submission_attempt=attempt)
        .select_related("submission")
        .first()
    )
    if job is None:
        logger.error("submission %s attempt %s is owed a container job but has none",
                     submission_id, attempt)
        return False
    if job.status in Job.TERMINAL:
        return False
    if messages is not None and (RUN_TASK, job.pk) in messages:
        return False  # still waiting for a gpu worker
    sub = job.submission
    if job.status in Job.ACTIVE:
        if sub.heartbeat is not None and timezone.now() - sub.heartbeat < dt.timedelta(
            seconds=heartbeat_timeout()
        ):
            return False  # it beat again since the sweep looked
        remove_lost_containers(job)
    logger.warning(
        "sweep: job %s of submission %s (%s, run attempt %s) has no live task; sending it again",
        job.pk, submission_id, job.status, job.attempt,
    )
    return dispatch(run_job, submission_id, attempt, args=(job.pk,))
