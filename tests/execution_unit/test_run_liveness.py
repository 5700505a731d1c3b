"""A container job whose whole worker died (no message will come back for hours) is taken over
by the sweep: the lost attempt's container is removed, the job is sent again and scored once;
a job whose attempt still beats, or whose message still waits in the broker, is left alone.
The rules come from issue 14 ("running with a heartbeat older than a timeout" is re-dispatched;
duplicates harmless), not from the code under test. The real fault (SIGKILL while a Podman
container runs) is tests/faults/test_faults_containers.py."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.utils import timezone
from fakes import ScriptedBackend

from arena.execution import liveness as exec_liveness
from arena.execution import runner
from arena.execution.backends import RunResult
from arena.execution.models import Job
from arena.submissions import liveness
from arena.submissions.models import Submission


@pytest.fixture
def backend(monkeypatch, dataset):
    def copy_references(spec):
        for ref in (dataset / "references").iterdir():
            shutil.copyfile(ref, spec.output_dir / ref.name)
        return RunResult(exit_code=0, runtime_s=0.1, stdout="ok\n", stdout_bytes=3)

    fake = ScriptedBackend(copy_references)
    monkeypatch.setattr(runner, "get_backend", lambda: fake)
    monkeypatch.setattr("arena.execution.backends.get_backend", lambda: fake)
    return fake


@pytest.fixture
def fast(settings):
    settings.CELERY_BROKER_URL = "memory://"  # not inspectable: the time rules alone
    settings.ARENA_HEARTBEAT_TIMEOUT = 60
    return settings


def _left_running_by_a_dead_worker(job: Job, beat_age_s: float) -> None:
    """The state a SIGKILLed worker leaves: job running its attempt 1, the submission running,
    its heartbeat ``beat_age_s`` old, recorded task "dead-task"."""
    Job.objects.filter(pk=job.pk).update(status="running", attempt=1)
    Submission.objects.filter(pk=job.submission_id).update(
        status="running", worker_task="dead-task", dispatched=timezone.now() - dt.timedelta(hours=1),
        heartbeat=timezone.now() - dt.timedelta(seconds=beat_age_s),
    )


def test_sweep_takes_over_a_job_whose_worker_died(job, backend, fast, eager):
    _left_running_by_a_dead_worker(job, beat_age_s=61)
    assert [s.pk for s in liveness.owed()] == [job.submission_id]
    assert liveness.sweep() == 1
    job.refresh_from_db()
    sub = Submission.objects.get(pk=job.submission_id)
    assert (job.status, job.attempt) == ("succeeded", 2)
    assert (sub.status, sub.attempt) == ("succeeded", 1), sub.error
    assert sub.evaluations.count() == 1
    # the lost attempt's container was removed (by the sweep), then every one of the job's
    # (by the new attempt before it ran)
    assert backend.removed_labels[:2] == [
        {"arena.job": str(job.pk), "arena.attempt": "1"}, {"arena.job": str(job.pk)}
    ]
    assert [spec.name for spec in backend.runs] == [f"arena-job{job.pk}-a2"]
    finals = sub.status_changes.filter(target__in=("succeeded", "failed", "cancelled")).count()
    assert finals == 1
    assert liveness.sweep() == 0


def test_a_job_that_still_beats_is_left_alone(job, backend, fast, eager):
    _left_running_by_a_dead_worker(job, beat_age_s=5)
    assert liveness.owed() == []
    # A duplicate message (another task) meets the fresh heartbeat at the claim: no new attempt.
    runner.run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempt) == ("running", 1) and backend.runs == []
    # The receiver itself re-checks the heartbeat (it may beat again after the sweep looked).
    sub = Submission.objects.get(pk=job.submission_id)
    assert exec_liveness.on_run_owed(submission_id=sub.pk, attempt=1, messages=None) is False
    assert backend.removed_labels == []


def test_a_waiting_job_is_sent_again_only_without_its_message(job, backend, fast, eager):
    old = timezone.now() - dt.timedelta(hours=1)
    Submission.objects.filter(pk=job.submission_id).update(dispatched=old)  # queued, job pending
    sub_id = job.submission_id
    assert [s.pk for s in liveness.owed()] == [sub_id]
    waiting = {(exec_liveness.RUN_TASK, job.pk)}
    assert exec_liveness.on_run_owed(submission_id=sub_id, attempt=1, messages=waiting) is False
    assert backend.runs == []
    # The broker was restarted empty: the sweep sends the job, it runs once and is scored.
    assert exec_liveness.on_run_owed(submission_id=sub_id, attempt=1, messages=set()) is True
    job.refresh_from_db()
    assert (job.status, job.attempt) == ("succeeded", 1)
    assert Submission.objects.get(pk=sub_id).evaluations.count() == 1
    assert exec_liveness.on_run_owed(submission_id=sub_id, attempt=1, messages=set()) is False
