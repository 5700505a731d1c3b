"""Validation task: unpack a prediction archive safely and check it with
``evaluators.validate_folder``; for algorithm phases hand over to ``arena.execution``."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError

from arena.celery import arena_task
from arena.submissions import archives
from arena.submissions.liveness import current_task_id, heartbeat, heartbeat_timeout
from arena.submissions.models import Submission
from arena.submissions.state import claim, fail

logger = logging.getLogger(__name__)

S = Submission.Status


def work_dir(submission: Submission) -> Path:
    """Local scratch folder of one submission attempt on this worker:
    ``ARENA_WORK_ROOT/submissions/<id>/<attempt>`` (removed when the task ends)."""
    return Path(settings.ARENA_WORK_ROOT) / "submissions" / str(submission.pk) / str(
        submission.attempt
    )


def predictions_folder(submission: Submission) -> str:
    """Storage folder ("default" storage) of the unpacked predictions of the current attempt."""
    return f"predictions/{submission.pk}/{submission.attempt}"


def _format_problems(problems: list[str]) -> str:
    shown = "; ".join(problems[:10])
    more = f" (and {len(problems) - 10} more problems)" if len(problems) > 10 else ""
    return f"invalid predictions: {shown}{more}"


def _validate_predictions(sub: Submission) -> None:
    """Stage the archive and the references into scratch, unpack + validate, store the
    unpacked predictions, clean up."""
    scratch = work_dir(sub)
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        _validate_in(sub, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _validate_in(sub: Submission, scratch: Path) -> None:
    import evaluators
    from arena import files
    from arena.challenges.datasets import DatasetError, stage
    from arena.submissions.services import (
        SubmissionRejected,
        archive_limits,
        inspect_prediction_archive,
    )

    phase = sub.phase
    dest = scratch / "predictions"
    try:
        archive = files.download_file(sub.file.name, scratch / "upload" / "archive")
    except FileNotFoundError:
        fail(sub.pk, sub.attempt, "the uploaded archive is no longer in storage")
        return
    try:
        kind, prefix, by_case = inspect_prediction_archive(archive, phase)
        names = {name for members in by_case.values() for name in members}
        archives.extract_members(archive, kind, dest, names, prefix, archive_limits())
    except (SubmissionRejected, archives.ArchiveError) as exc:
        fail(sub.pk, sub.attempt, str(exc))
        return
    archive.unlink()
    try:
        references = stage(phase, "references")
    except DatasetError as exc:
        logger.error("phase %s: %s", phase.pk, exc)
        fail(sub.pk, sub.attempt, "the phase's reference set is not available; contact the organizers")
        return
    try:
        problems = evaluators.validate_folder(phase.task, dest, references)
    except evaluators.EvaluationInputError as exc:
        problems = [str(exc)]
    if problems:
        fail(sub.pk, sub.attempt, _format_problems(problems))
        return
    folder = predictions_folder(sub)
    files.delete_folder(folder)
    files.upload_folder(dest, folder)
    from arena.submissions.services import hand_over_predictions

    hand_over_predictions(
        sub.pk, folder, attempt=sub.attempt, reason="predictions valid; waiting for scoring"
    )


def _start_algorithm(sub: Submission) -> None:
    """Hand the image to the execution app (its receiver of ``algorithm_submitted``)."""
    from arena.submissions.signals import algorithm_submitted

    if not algorithm_submitted.send(sender=Submission, submission=sub):
        fail(sub.pk, sub.attempt, "algorithm phases need the execution app, not installed here")


@arena_task(queue="cpu", time_limit=settings.ARENA_VALIDATION_TIME_LIMIT)
def validate_submission(submission_id: int, attempt: int) -> None:
    """Validate one submission attempt (``pending``/``validating`` → ``queued`` or ``failed``).

    Idempotent: a redelivered or re-dispatched message re-runs the (side-effect free)
    validation only when no other task is alive on the attempt (``state.claim``); stale attempts
    and rows in other states are skipped. A database error is retried (arena_task), not turned
    into a failed submission."""
    sub = claim(
        submission_id, attempt, (S.PENDING, S.VALIDATING), S.VALIDATING,
        task_id=current_task_id(), stale_after=heartbeat_timeout(),
    )
    if sub is None:
        return
    if sub.started is None:
        from django.utils import timezone

        Submission.objects.filter(pk=sub.pk).update(started=timezone.now())
    try:
        with heartbeat(submission_id, attempt):
            if sub.kind == Submission.Kind.ALGORITHM:
                _start_algorithm(sub)
            else:
                _validate_predictions(sub)
    except (OperationalError, InterfaceError):
        raise  # the database went away: arena_task retries the task
    except Exception:
        logger.exception("validation of submission %s crashed", submission_id)
        fail(
            submission_id,
            attempt,
            "internal error while validating the submission; the organizers were informed",
        )
