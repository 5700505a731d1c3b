"""Execution services: accept an algorithm submission's image and queue its container job.

``start_algorithm_run(submission)`` is called by the submissions validation task (cpu queue,
through the ``algorithm_submitted`` signal)
for algorithm phases. It validates the stored ``docker save`` archive (staged into local scratch, streamed), records the
image (the same image id is refused twice in a phase), creates the Job for the submission's
attempt and queues ``arena.execution.tasks.run_job`` on the gpu queue on commit.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from arena.execution.imagearchive import ImageArchiveError, inspect_archive
from arena.execution.models import AlgorithmImage, Job
from arena.submissions.liveness import dispatch
from arena.submissions.models import Submission
from arena.submissions.state import fail, transition

logger = logging.getLogger(__name__)
S = Submission.Status


@contextlib.contextmanager
def staged_archive(submission: Submission, scratch: Path) -> Iterator[Path]:
    """The stored image archive of ``submission`` copied into the local folder ``scratch``
    (streamed from storage); the copy is deleted when the block ends. Raises
    FileNotFoundError when it is no longer in storage."""
    from arena import files

    local = scratch / "image-archive"
    try:
        yield files.download_file(submission.file.name, local)
    finally:
        local.unlink(missing_ok=True)


def _duplicate_of(submission: Submission, image_id: str) -> AlgorithmImage | None:
    return (
        AlgorithmImage.objects.filter(phase_id=submission.phase_id, image_id=image_id)
        .exclude(submission_id=submission.pk)
        .first()
    )


def start_algorithm_run(submission: Submission) -> Job | None:
    """Validate the image of ``submission`` (status ``validating``) and queue its Job.

    On a bad image the submission fails with a message naming the problem and None is
    returned. Idempotent for a redelivered validation message (same Job returned)."""
    max_bytes = int(settings.ARENA_MAX_IMAGE_MB) * 2**20
    scratch = Path(settings.ARENA_WORK_ROOT) / "images" / f"{submission.pk}-{uuid.uuid4().hex[:8]}"
    try:
        with staged_archive(submission, scratch) as path:
            info = inspect_archive(path, max_bytes)
    except FileNotFoundError:
        fail(submission.pk, submission.attempt, "invalid image: the uploaded archive is no longer in storage")
        return None
    except ImageArchiveError as exc:
        fail(submission.pk, submission.attempt, f"invalid image: {exc}")
        return None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    duplicate = _duplicate_of(submission, info.image_id)
    if duplicate is not None:
        fail(
            submission.pk, submission.attempt,
            f"invalid image: this image ({info.image_id[:19]}) was already submitted to this "
            f"phase as submission {duplicate.submission_id}; the same image is accepted once",
        )
        return None
    try:
        with transaction.atomic():
            image, _ = AlgorithmImage.objects.get_or_create(
                submission=submission,
                defaults={
                    "phase_id": submission.phase_id, "image_id": info.image_id,
                    "archive_sha256": submission.sha256, "compressed": info.compressed,
                    "size_bytes": info.size_bytes, "architecture": info.architecture,
                    "user": info.user, "tags": info.tags, "entrypoint": info.entrypoint,
                },
            )
            job, _ = Job.objects.get_or_create(
                submission=submission, submission_attempt=submission.attempt,
                defaults={"image": image, "gpu": submission.phase.gpu},
            )
            queued = transition(submission.pk, submission.attempt, (S.VALIDATING,), S.QUEUED,
                                reason="image accepted; waiting for a GPU worker")
            if queued is not None and job.status == Job.Status.PENDING:
                from arena.execution.tasks import run_job

                # Stamps ``dispatched``; a broker that is down is the sweep's to retry.
                transaction.on_commit(lambda: dispatch(
                    run_job, submission.pk, submission.attempt, args=(job.pk,)))
    except IntegrityError:
        fail(submission.pk, submission.attempt,
             f"invalid image: this image ({info.image_id[:19]}) was already submitted to this phase")
        return None
    return job


def on_algorithm_submitted(sender=None, *, submission: Submission, **kwargs) -> Job | None:
    """Receiver of ``arena.submissions.signals.algorithm_submitted``: :func:`start_algorithm_run`."""
    return start_algorithm_run(submission)


def latest_job(submission: Submission) -> Job | None:
    """The Job of the submission's current attempt, or None."""
    return submission.jobs.filter(submission_attempt=submission.attempt).first()


def visible_logs(job: Job, user) -> dict[str, str] | None:
    """``{"stdout", "stderr"}`` tails for ``user``, or None when the phase hides logs from
    participants (organizers always see them)."""
    from arena.challenges.permissions import is_organizer

    phase = job.submission.phase
    if phase.hide_logs and not is_organizer(user, phase.challenge):
        return None
    keep = 4000
    return {"stdout": job.stdout[-keep:], "stderr": job.stderr[-keep:]}
