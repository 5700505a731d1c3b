"""Scoring task: ``queued → evaluating → succeeded`` with ``evaluators.score_folder`` — the
same function the CLI runs — and an Evaluation written once per attempt."""

from __future__ import annotations

import logging
import math
import shutil
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from arena.celery import arena_task
from arena.evaluation.models import Evaluation
from arena.evaluation.signals import submission_scored
from arena.notifications.services import notify
from arena.submissions.liveness import current_task_id, heartbeat, heartbeat_timeout
from arena.submissions.models import Submission
from arena.submissions.state import apply, claim, fail

logger = logging.getLogger(__name__)

S = Submission.Status


def json_safe(value):
    """``value`` with NaN/inf floats replaced by None: PostgreSQL's jsonb and strict JSON
    renderers refuse them, and an undefined value must read as missing, not as a number."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def _finish(sub: Submission, attempt: int, result, digest: str) -> bool:
    """Write the Evaluation (once), mark succeeded, notify; returns True when this call did it."""
    import evaluators

    metrics_json = json_safe(result.metrics_json)
    with transaction.atomic():
        locked = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("phase", "phase__challenge", "creator")
            .get(pk=sub.pk)
        )
        if locked.attempt != attempt or locked.status != S.EVALUATING:
            return False
        Evaluation.objects.get_or_create(
            submission=locked,
            attempt=attempt,
            defaults={
                "evaluators_version": metrics_json.get("evaluators_version", evaluators.__version__),
                "reference_digest": metrics_json.get("reference_digest") or digest,
                "metrics_json": metrics_json,
                "aggregates": metrics_json.get("aggregates", {}),
                "ranking_scores": metrics_json.get("ranking_scores", {}),
            },
        )
        apply(locked, S.SUCCEEDED, reason="scored", error="", finished=timezone.now())
        notify(
            locked.creator,
            f"Submission {locked.pk} to {locked.phase} was scored.",
            link=f"/submissions/{locked.pk}/",
            email_subject=f"Arena: submission {locked.pk} scored",
        )
        phase_id = locked.phase_id
        transaction.on_commit(
            lambda: submission_scored.send(
                sender=Submission, submission_id=locked.pk, attempt=attempt, phase_id=phase_id
            )
        )
    return True


@arena_task(queue="cpu", time_limit=settings.ARENA_SCORING_TIME_LIMIT)
def score_submission(submission_id: int, attempt: int) -> None:
    """Score one submission attempt against its phase's reference set.

    Time budget: the phase's ``scoring_case_timeout_s`` per case and ``scoring_timeout_s`` per
    submission; each case is scored in a child process that is killed when over budget, and
    the submission fails with "scoring exceeded N s on case X" while this worker goes on.

    Idempotent: the Evaluation has a unique (submission, attempt) constraint and is created
    with get_or_create under the row lock, so a redelivered message cannot write twice; a second
    task meets the first one's live heartbeat (``state.claim``) and stops. A database error is
    retried (arena_task), not turned into a failed submission."""
    sub = claim(
        submission_id, attempt, (S.QUEUED, S.EVALUATING), S.EVALUATING,
        task_id=current_task_id(), stale_after=heartbeat_timeout(),
    )
    if sub is None:
        return
    scratch = Path(settings.ARENA_WORK_ROOT) / "scoring" / str(submission_id) / str(attempt)
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        with heartbeat(submission_id, attempt):
            _score_in(sub, attempt, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _score_in(sub: Submission, attempt: int, scratch: Path) -> None:
    """Stage the references (worker cache) and the stored predictions into ``scratch``,
    score, record."""
    import evaluators
    from arena import files
    from arena.challenges.datasets import DatasetError, stage

    phase = sub.phase
    try:
        ref = stage(phase, "references")
    except DatasetError as exc:
        logger.error("phase %s: %s", phase.pk, exc)
        fail(sub.pk, attempt, "the phase's reference set is not available; contact the organizers")
        return
    pred = scratch / "predictions"
    try:
        files.download_folder(sub.predictions_path, pred)
    except (FileNotFoundError, ValueError):
        fail(sub.pk, attempt, "the submission's predictions are no longer available")
        return
    try:
        result = evaluators.score_folder(
            phase.task, pred, ref, jobs=settings.ARENA_SCORING_JOBS,
            case_timeout=phase.scoring_case_timeout_s, total_timeout=phase.scoring_timeout_s,
        )
    except evaluators.ScoringTimeoutError as exc:
        fail(sub.pk, attempt, str(exc))
        return
    except evaluators.EvaluationInputError as exc:
        fail(sub.pk, attempt, f"invalid predictions: {exc}")
        return
    except (OperationalError, InterfaceError):
        raise  # the database went away: arena_task retries the task
    except Exception:
        logger.exception("scoring of submission %s crashed", sub.pk)
        fail(sub.pk, attempt, "internal error while scoring; the organizers were informed")
        return
    _finish(sub, attempt, result, phase.reference_digest)
