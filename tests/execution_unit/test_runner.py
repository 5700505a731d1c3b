"""The gpu job runner with a scripted backend: hand-over to scoring exactly once, a new attempt
after a lost worker, engine trouble retried then failed (not the participant's fault), failure
reasons recorded on job and submission, the GPU path refusing to fall back to the CPU."""

from __future__ import annotations

import shutil

import pytest
from fakes import FakeClient, ScriptedBackend

from arena.execution import runner
from arena.execution.backends import EngineUnavailable, RunResult
from arena.execution.backends.docker_api import DockerApiBackend
from arena.execution.models import Job


def _copy_references(dataset):
    def behaviour(spec):
        for ref in (dataset / "references").iterdir():
            shutil.copyfile(ref, spec.output_dir / ref.name)
        return RunResult(exit_code=0, runtime_s=0.5, stdout="ok\n", stdout_bytes=3)
    return behaviour


@pytest.fixture
def use_backend(monkeypatch):
    def install(backend):
        monkeypatch.setattr(runner, "get_backend", lambda: backend)
        return backend
    return install


def test_success_hands_over_once(job, dataset, use_backend, eager):
    backend = use_backend(ScriptedBackend(_copy_references(dataset)))
    runner.run_job(job.pk)
    job.refresh_from_db()
    sub = job.submission
    sub.refresh_from_db()
    assert job.status == "succeeded" and job.attempt == 1 and job.overhead_s is not None
    assert sub.status == "succeeded", sub.error
    assert sub.evaluations.count() == 1
    assert sub.evaluations.get().metrics_json["aggregates"]
    (spec,) = backend.runs
    assert spec.name == f"arena-job{job.pk}-a1" and spec.labels["arena.attempt"] == "1"
    assert backend.removed_labels == [{"arena.job": str(job.pk)}]
    assert not spec.input_dir.exists()  # workspace cleaned, predictions kept
    runner.run_job(job.pk)  # a redelivered message for a finished job does nothing
    assert len(backend.runs) == 1 and sub.evaluations.count() == 1


def test_lost_worker_starts_a_new_attempt(job, dataset, use_backend, eager):
    Job.objects.filter(pk=job.pk).update(status="running", attempt=1)
    backend = use_backend(ScriptedBackend(_copy_references(dataset)))
    runner.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempt == 2
    assert backend.runs[0].name.endswith("-a2")
    assert job.submission.evaluations.count() == 1


def test_worker_lost_too_often_fails(job, use_backend):
    Job.objects.filter(pk=job.pk).update(status="running", attempt=runner.MAX_RUN_ATTEMPTS)
    use_backend(ScriptedBackend(lambda spec: pytest.fail("must not run")))
    runner.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.reason == "worker_lost"


def test_engine_unavailable_is_retried_then_fails(job, use_backend, settings, eager):
    settings.ARENA_ENGINE_RETRIES = 2

    def down(spec):
        raise EngineUnavailable("podman socket refused the connection")

    use_backend(ScriptedBackend(down))
    runner.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.reason == "engine_unavailable"
    assert job.engine_retries == 3 and job.attempt == 3
    assert "not a problem of your image" in job.error
    job.submission.refresh_from_db()
    assert job.submission.status == "failed" and not job.submission.counts_for_quota


@pytest.mark.parametrize(
    "result, reason, needle",
    [
        (RunResult(exit_code=137, runtime_s=30, timed_out=True), "time_limit", "30 s"),
        (RunResult(exit_code=137, runtime_s=2, oom_killed=True), "out_of_memory", "8192 MB"),
        (RunResult(exit_code=1, runtime_s=2, stderr="Traceback\nValueError: bad\n"),
         "nonzero_exit", "ValueError: bad"),
        (RunResult(exit_code=0, runtime_s=2), "missing_output", "2 of 2 cases"),
        (RunResult(exit_code=1, runtime_s=2, stderr=(
            "OSError: /srv/arena/var/work/jobs/7/x.bin and /input/case_1.nii.gz\n")),
         "nonzero_exit", "OSError: x.bin and /input/case_1.nii.gz"),  # no server path
    ],
)
def test_failure_reasons_reach_job_and_submission(job, use_backend, result, reason, needle):
    use_backend(ScriptedBackend(lambda spec: result))
    runner.run_job(job.pk)
    job.refresh_from_db()
    job.submission.refresh_from_db()
    assert (job.status, job.reason) == ("failed", reason)
    assert needle in job.error and job.submission.status == "failed"
    assert needle in job.submission.error
    assert job.exit_code == result.exit_code


def test_gpu_phase_on_worker_without_gpu_fails_never_cpu(job, use_backend, settings):
    settings.ARENA_GPU_IDS = ""
    phase = job.submission.phase
    phase.gpu = True
    phase.save()
    client = FakeClient("podman", images=("img",))
    use_backend(DockerApiBackend("unix:///fake", client=client))
    runner.run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.reason) == ("failed", "gpu_unavailable")
    assert "ARENA_GPU_IDS is empty" in job.error
    assert client.created == [] and client.api.posted == []


def test_cancelled_submission_cancels_the_job(job, use_backend):
    sub = job.submission
    sub.status = "cancelled"
    sub.save()
    backend = use_backend(ScriptedBackend(lambda spec: pytest.fail("must not run")))
    runner.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "cancelled" and backend.runs == []


def test_image_loaded_from_the_upload_then_released(job, dataset, use_backend, settings, eager):
    import gzip

    from django.core.files.base import ContentFile

    from arena import files

    # the loader sees the tar, unzipped
    files.storage().save(job.submission.file.name, ContentFile(gzip.compress(b"x" * 3_000_000)))
    backend = use_backend(ScriptedBackend(_copy_references(dataset), present=False))
    runner.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert backend.loaded == [(3_000_000, "img")]
    assert backend.removed_images == [("img", False)]  # never forced


def test_loaded_image_kept_when_configured(job, dataset, use_backend, settings, eager):
    settings.ARENA_KEEP_LOADED_IMAGES = 1
    from django.core.files.base import ContentFile

    from arena import files

    files.storage().save(job.submission.file.name, ContentFile(b"y" * 1000))
    backend = use_backend(ScriptedBackend(_copy_references(dataset), present=False))
    runner.run_job(job.pk)
    assert backend.loaded == [(1000, "img")] and backend.removed_images == []


def test_cancel_during_the_run_stops_the_container(job, use_backend):
    from arena.submissions.models import Submission

    def behaviour(spec):
        assert spec.should_stop() is False
        Submission.objects.filter(pk=job.submission_id).update(status="cancelled")
        assert spec.should_stop() is True  # what the backend polls while the container runs
        return RunResult(exit_code=137, runtime_s=1.0, stopped=True)

    backend = use_backend(ScriptedBackend(behaviour))
    runner.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "cancelled" and len(backend.runs) == 1
    assert job.submission.evaluations.count() == 0


def test_sweep_removes_only_unsupervised_containers(job, django_user_model):
    import time as _time

    from arena.execution.backends.base import ContainerInfo

    Job.objects.filter(pk=job.pk).update(status="running", attempt=2)
    now = _time.time()

    def info(name, job_id, attempt, age):
        return ContainerInfo(name, {"arena.job": str(job_id), "arena.attempt": str(attempt)},
                             now - age)

    backend = ScriptedBackend(lambda spec: None)
    backend.others = [
        info("current", job.pk, 2, 5),            # supervised: kept
        info("stale-attempt", job.pk, 1, 5),      # an older attempt of the job
        info("no-such-job", 987654, 1, 5),        # job deleted
    ]
    assert sorted(runner.sweep_orphans(backend)) == ["no-such-job", "stale-attempt"]
    backend.others = [info("runaway", job.pk, 2, 30 + runner.SWEEP_GRACE_S + 1)]  # limit 30 s
    assert runner.sweep_orphans(backend) == ["runaway"]
    Job.objects.filter(pk=job.pk).update(status="failed")
    backend.others = [info("finished", job.pk, 2, 1)]
    assert runner.sweep_orphans(backend) == ["finished"]
