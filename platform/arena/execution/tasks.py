"""Celery tasks of the execution app (gpu queue: one worker process per GPU, concurrency 1)."""

from __future__ import annotations

from arena.celery import arena_task


@arena_task(queue="gpu", max_retries=0, retry_for=())
def run_job(job_id: int) -> None:
    """Run the container job ``job_id`` (a new attempt if a worker died during the last one).

    Idempotent under redelivery: terminal jobs are skipped, every step checks the attempt."""
    from arena.execution.runner import run_job as run

    run(job_id)
