"""What participants and organizers see of a submission's container job."""

from __future__ import annotations

from typing import Any

from arena.execution.models import Job
from arena.submissions.models import Submission


def job_summary(submission: Submission, user) -> dict[str, Any] | None:
    """Summary of the current attempt's job for a user allowed to view ``submission``:
    ``{"status", "status_label", "attempt", "reason", "error", "exit_code", "runtime_s",
    "peak_memory_mb", "engine", "gpu", "logs"}``; ``logs`` is ``{"stdout", "stderr"}`` tails
    or None when the phase hides logs from participants (organizers always see them). None if
    the submission has no job (prediction phases, image refused at upload)."""
    from arena.execution.services import latest_job, visible_logs

    job: Job | None = latest_job(submission)
    if job is None:
        return None
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "attempt": job.attempt,
        "reason": job.reason,
        "error": job.error,
        "exit_code": job.exit_code,
        "runtime_s": None if job.runtime_s is None else round(job.runtime_s, 2),
        "peak_memory_mb": None if job.peak_memory_bytes is None
        else round(job.peak_memory_bytes / 2**20, 1),
        "engine": job.engine,
        "gpu": job.gpu,
        "logs": visible_logs(job, user),
    }
