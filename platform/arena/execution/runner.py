"""The gpu-queue job: provision inputs → run sandboxed → collect + validate → hand over.

All three steps run in one task on one worker (the image is loaded into *this* worker's
engine and the workspace is local), but each step is its own row-locked transition that checks
the job's status and attempt, so a stale or redelivered attempt stops at the first step it no
longer owns. A message redelivered after a killed worker finds the job active: it starts a new
attempt, removing the old attempt's container first. While an attempt runs it beats the
submission's heartbeat; when the whole worker died, the sweep of any worker sees the heartbeat
go stale and sends the job again (``arena.execution.liveness``). A second message for a job
whose attempt is alive (fresh heartbeat, another task) stops at the claim.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from arena.execution import workspace as ws
from arena.execution.backends import (
    EngineUnavailable,
    GpuUnavailable,
    ImageInvalid,
    RunSpec,
    get_backend,
    gpu_ids,
)
from arena.execution.failures import run_failure
from arena.execution.imagearchive import open_tar_stream
from arena.execution.models import Job
from arena.execution.outputs import OutputProblem, collect_outputs
from arena.submissions.liveness import beat, current_task_id, heartbeat, heartbeat_timeout
from arena.submissions.models import Submission
from arena.submissions.services import hand_over_predictions
from arena.submissions.state import fail as fail_submission
from arena.submissions.state import transition as transition_submission

logger = logging.getLogger(__name__)
J = Job.Status
MAX_RUN_ATTEMPTS = 3


def _locked(job_id: int) -> Job | None:
    return (
        Job.objects.select_for_update(of=("self", "submission"))
        .select_related("submission", "submission__phase", "image")
        .filter(pk=job_id)
        .first()
    )


def _alive_elsewhere(sub: Submission, task_id: str) -> bool:
    """True when another task holds the submission's run: it recorded another task id and its
    heartbeat is younger than the timeout (a duplicate message must not start an attempt)."""
    return bool(
        sub.worker_task and sub.worker_task != task_id and sub.heartbeat is not None
        and (timezone.now() - sub.heartbeat).total_seconds() < heartbeat_timeout()
    )


def _claim(job_id: int, task_id: str = "") -> Job | None:
    """Start a new attempt of the job (pending, or active after a lost worker); None when the
    job is final, stale, or its current attempt is alive in another task."""
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.status in Job.TERMINAL:
            return None
        sub = job.submission
        if sub.attempt != job.submission_attempt or sub.is_terminal:
            job.status, job.finished = J.CANCELLED, timezone.now()
            job.save(update_fields=["status", "finished"])
            return None
        if job.status in Job.ACTIVE:
            if _alive_elsewhere(sub, task_id):
                logger.info("job %s: attempt %s is alive in task %s; %s skips",
                            job.pk, job.attempt, sub.worker_task, task_id)
                return None
            logger.warning("job %s: attempt %s was lost (worker died); starting again", job.pk, job.attempt)
            if job.attempt >= MAX_RUN_ATTEMPTS:
                message = (f"the worker running this job was lost {job.attempt} times; "
                           "the organizers were informed")
                _fail_locked(job, job.attempt, "worker_lost", message)
                return None
        job.attempt += 1
        job.status = J.PROVISIONING
        job.worker = socket.gethostname()
        job.started = timezone.now()
        job.reason, job.error = "", ""
        job.save(update_fields=["attempt", "status", "worker", "started", "reason", "error"])
        transition_submission(sub.pk, sub.attempt, (Submission.Status.QUEUED, Submission.Status.RUNNING),
                              Submission.Status.RUNNING,
                              reason=f"container job {job.pk} started (run attempt {job.attempt})",
                              heartbeat=timezone.now(), worker_task=task_id[:64])
    return job


def _step(job_id: int, attempt: int, expected: str, new: str, **fields) -> bool:
    """Row-locked ``expected → new`` for ``attempt``; False if the job moved on."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.attempt != attempt or job.status != expected:
            return False
        job.status = new
        for key, value in fields.items():
            setattr(job, key, value)
        job.save(update_fields=["status", *fields])
    return True


def _fail_locked(job: Job, attempt: int, reason: str, message: str) -> None:
    from arena.submissions.messages import without_server_paths

    message = without_server_paths(message)  # shown to the participant on the job panel
    job.status, job.reason, job.error = J.FAILED, reason, message[:4000]
    job.finished = timezone.now()
    job.save(update_fields=["status", "reason", "error", "finished"])
    fail_submission(job.submission_id, job.submission_attempt, message)


def _fail(job_id: int, attempt: int, reason: str, message: str) -> None:
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.attempt != attempt or job.status in Job.TERMINAL:
            return
        _fail_locked(job, attempt, reason, message)


def _engine_retry(job_id: int, attempt: int, exc: Exception) -> None:
    """Engine trouble is never the participant's fault: back to pending and retry later, or
    fail with that explanation after ARENA_ENGINE_RETRIES tries."""
    from arena.execution.tasks import run_job

    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.attempt != attempt or job.status in Job.TERMINAL:
            return
        job.engine_retries += 1
        job.save(update_fields=["engine_retries"])
        if job.engine_retries > int(settings.ARENA_ENGINE_RETRIES):
            _fail_locked(job, attempt, "engine_unavailable", (
                f"the container engine on worker {job.worker} was unavailable "
                f"{job.engine_retries} times (not a problem of your image; the organizers were "
                f"informed): {exc}"))
            return
        job.status = J.PENDING
        job.save(update_fields=["status", "engine_retries"])
        delay = min(300, 5 * 2 ** (job.engine_retries - 1))
        transaction.on_commit(lambda: run_job.apply_async((job_id,), countdown=delay))
    logger.warning("job %s: engine unavailable (%s); retry %s", job_id, exc, job.engine_retries)


def _stop_check(job: Job, attempt: int):
    """Callback for the backend: True once the submission was cancelled (or re-attempted) or
    the job moved to another attempt."""

    def should_stop() -> bool:
        beat(job.submission_id, job.submission_attempt)  # the container run is alive
        sub = Submission.objects.filter(pk=job.submission_id).values("status", "attempt").first()
        current = Job.objects.filter(pk=job.pk).values_list("attempt", flat=True).first()
        return (sub is None or sub["status"] == Submission.Status.CANCELLED
                or sub["attempt"] != job.submission_attempt or current != attempt)

    return should_stop


def _cancel(job_id: int, attempt: int) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.attempt != attempt or job.status in Job.TERMINAL:
            return
        job.status, job.finished = J.CANCELLED, timezone.now()
        job.error = "stopped: the submission was cancelled"
        job.save(update_fields=["status", "finished", "error"])


def workspace_for(job: Job) -> ws.Workspace:
    """Folder of this attempt: ``ARENA_WORK_ROOT/jobs/<job>/<attempt>``."""
    return ws.Workspace(Path(settings.ARENA_WORK_ROOT) / "jobs" / str(job.pk) / str(job.attempt))


def run_job(job_id: int) -> None:
    """Run one job attempt end to end (the body of the gpu-queue task); the submission's
    heartbeat is stamped while it runs (image load and provisioning included)."""
    job = _claim(job_id, current_task_id())
    if job is None:
        return
    with heartbeat(job.submission_id, job.submission_attempt):
        _run_attempt(job)


def _run_attempt(job: Job) -> None:
    job_id, attempt = job.pk, job.attempt
    workspace = workspace_for(job)
    loaded: list = []  # the backend, when this attempt loaded the image
    try:
        _execute(job, attempt, workspace, loaded)
    except EngineUnavailable as exc:
        _engine_retry(job_id, attempt, exc)
    except ImageInvalid as exc:
        _fail(job_id, attempt, "invalid_image", f"invalid image: {exc}")
    except GpuUnavailable as exc:
        _fail(job_id, attempt, "gpu_unavailable", f"GPU unavailable: {exc}")
    except ws.ProvisionError as exc:
        _fail(job_id, attempt, "provision_error", f"the test set could not be provisioned: {exc}")
    except Exception:
        logger.exception("job %s attempt %s crashed", job_id, attempt)
        _fail(job_id, attempt, "internal",
              "internal error while running the container; the organizers were informed")
    finally:
        ws.remove(workspace, keep_predictions=False)
        with contextlib.suppress(OSError):
            workspace.root.rmdir()
        for backend in loaded:
            try:
                _release_image(backend, job)
            except Exception:
                logger.warning("job %s: could not release its image", job_id, exc_info=True)


SWEEP_GRACE_S = 120


def sweep_orphans(backend) -> list[str]:
    """Remove Arena containers nobody supervises any more: their job is gone or finished,
    moved on to a newer attempt, or ran past its phase's time limit + grace (its worker died
    and the message is not redelivered yet). Returns the removed names."""
    now = time.time()
    removed = []
    for info in backend.labelled_containers("arena.job"):
        try:
            job_id, attempt = int(info.labels["arena.job"]), int(info.labels.get("arena.attempt", 0))
        except (KeyError, ValueError):
            continue
        job = Job.objects.filter(pk=job_id).select_related("submission__phase").first()
        orphan = (
            job is None or job.status in Job.TERMINAL or job.attempt != attempt
            or now - info.created > job.submission.phase.time_limit_s + SWEEP_GRACE_S
        )
        if orphan:
            removed += backend.remove_containers({"arena.job": str(job_id),
                                                  "arena.attempt": str(attempt)})
    if removed:
        logger.warning("removed orphaned containers: %s", ", ".join(removed))
    return removed


def _remove_lost_workspaces(job: Job, current: ws.Workspace) -> None:
    """Unmount and delete the folders of earlier attempts of ``job`` (a killed worker never
    ran its cleanup)."""
    for folder in current.root.parent.iterdir() if current.root.parent.is_dir() else ():
        if folder != current.root and folder.is_dir():
            ws.remove(ws.Workspace(folder), keep_predictions=False)
            with contextlib.suppress(OSError):
                folder.rmdir()


def _ensure_image(backend, job: Job, job_root: Path) -> bool:
    """Load the job's image from its stored archive (staged into ``job_root``, deleted after
    loading) unless the engine has it; True if loaded here."""
    image_id = job.image.image_id
    if backend.image_exists(image_id):
        return False
    from arena.execution.services import staged_archive

    try:
        with staged_archive(job.submission, job_root) as path, open_tar_stream(path) as stream:
            backend.load_image(stream, image_id)
    except FileNotFoundError:
        raise ImageInvalid("the uploaded image archive is no longer in storage") from None
    return True


def _release_image(backend, job: Job) -> None:
    """Remove an image this job loaded (disk of GPU nodes), unless configured to keep them or
    another active job of this worker host uses it; never forced (in-use images stay)."""
    if int(settings.ARENA_KEEP_LOADED_IMAGES):
        return
    busy = (
        Job.objects.filter(image__image_id=job.image.image_id, status__in=Job.ACTIVE,
                           worker=socket.gethostname())
        .exclude(pk=job.pk)
        .exists()
    )
    if not busy:
        backend.remove_image(job.image.image_id, force=False)


def _peak_rss_mb() -> float | None:
    """This process's peak resident size so far (``VmHWM``, MB), None where /proc lacks it."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _execute(job: Job, attempt: int, workspace: ws.Workspace, loaded: list) -> None:
    import evaluators
    from arena.challenges.datasets import DatasetError, stage
    from arena.challenges.services import phase_case_ids

    started = time.monotonic()
    phase = job.submission.phase
    backend = get_backend()
    Job.objects.filter(pk=job.pk).update(engine=backend.engine)
    backend.remove_containers({"arena.job": str(job.pk)})  # containers of lost attempts
    sweep_orphans(backend)
    _remove_lost_workspaces(job, workspace)
    if _ensure_image(backend, job, workspace.root):
        loaded.append(backend)
    logger.info("job %s: image ready, worker peak RSS so far %s MB", job.pk, _peak_rss_mb())
    task = evaluators.get_task(phase.task)
    try:
        inputs_dir = stage(phase, "inputs")
    except DatasetError as exc:
        raise ws.ProvisionError(str(exc)) from None
    document = ws.provision_inputs(
        workspace, inputs_dir, phase_case_ids(phase), task.input_channels, phase.task
    )
    user = str(settings.ARENA_RUN_UID)
    output_mb = int(settings.ARENA_OUTPUT_LIMIT_MB)
    ws.prepare_output(workspace, user, output_mb)
    if not _step(job.pk, attempt, J.PROVISIONING, J.RUNNING):
        return
    log_limit_mb = float(settings.ARENA_LOG_LIMIT_MB)
    spec = RunSpec(
        image=job.image.image_id, name=job.container_name, labels=job.labels,
        input_dir=workspace.input_dir, output_dir=workspace.output_dir,
        time_limit_s=phase.time_limit_s, memory_mb=phase.memory_mb, cpus=phase.cpus,
        pids_limit=int(settings.ARENA_PIDS_LIMIT), tmp_mb=int(settings.ARENA_TMP_MB),
        output_limit_mb=output_mb, log_limit_bytes=int(log_limit_mb * 2**20),
        log_keep_bytes=int(settings.ARENA_LOG_KEEP_KB) * 1024, user=user,
        gpu=phase.gpu, gpu_ids=gpu_ids(), should_stop=_stop_check(job, attempt),
    )
    before_run = time.monotonic() - started
    result = backend.run(spec)
    after_run = time.monotonic()
    recorded = _step(
        job.pk, attempt, J.RUNNING, J.COLLECTING, exit_code=result.exit_code,
        runtime_s=result.runtime_s, peak_memory_bytes=result.peak_memory_bytes,
        stdout=result.stdout, stderr=result.stderr, stdout_bytes=result.stdout_bytes,
        stderr_bytes=result.stderr_bytes,
    )
    if not recorded:
        return
    if result.stopped:
        _cancel(job.pk, attempt)
        return
    failure = run_failure(
        result, time_limit_s=phase.time_limit_s, memory_mb=phase.memory_mb,
        log_limit_mb=log_limit_mb, output_limit_mb=output_mb, hide_logs=phase.hide_logs,
    )
    if failure is not None:
        _fail(job.pk, attempt, *failure)
        return
    try:
        collect_outputs(workspace.output_dir, workspace.predictions_dir, document["cases"],
                        task.label_map, folders=phase.task.startswith("segrap"))
    except OutputProblem as problem:
        _fail(job.pk, attempt, problem.reason, str(problem))
        return
    _hand_over(job, attempt, workspace, before_run + time.monotonic() - after_run)


def _hand_over(job: Job, attempt: int, workspace: ws.Workspace, overhead: float) -> None:
    """Store the collected predictions (``predictions/<submission>/<attempt>`` in the
    "default" storage) and hand the submission over to scoring."""
    from arena import files

    started = time.monotonic()
    folder = f"predictions/{job.submission_id}/{job.submission_attempt}"
    files.delete_folder(folder)
    files.upload_folder(workspace.predictions_dir, folder)
    overhead += time.monotonic() - started
    with transaction.atomic():
        done = _step(
            job.pk, attempt, J.COLLECTING, J.SUCCEEDED,
            predictions_path=folder, overhead_s=overhead, finished=timezone.now(),
        )
        if done:
            hand_over_predictions(job.submission_id, folder,
                                  attempt=job.submission_attempt,
                                  reason="algorithm outputs collected; waiting for scoring")
