"""Scoring task: ``queued → evaluating → succeeded`` with ``evaluators.score_folder`` — the
same function the CLI runs — and an Evaluation written once per attempt."""

from __future__ import annotations

import logging
import math
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from arena.celery import arena_task
from arena.evaluation.models import Evaluation
from arena.submissions.models import Submission
from arena.submissions.state import fail, transition

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
    from arena.notifications.services import notify

    metrics_json = json_safe(result.metrics_json)
    with transaction.atomic():
        locked = (
            Submission.objects.select_for_update()
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
        locked.status = S.SUCCEEDED
        locked.error = ""
        locked.finished = timezone.now()
        locked.save(update_fields=["status", "error", "finished"])
        notify(
            locked.creator,
            f"Submission {locked.pk} to {locked.phase} was scored.",
            link=f"/submissions/{locked.pk}/",
            email_subject=f"Arena: submission {locked.pk} scored",
        )
        from arena.leaderboards.tasks import recompute_leaderboard

        phase_id = locked.phase_id
        transaction.on_commit(lambda: recompute_leaderboard.delay(phase_id))
    return True


@arena_task(queue="cpu", time_limit=6 * 3600)
def score_submission(submission_id: int, attempt: int) -> None:
    """Score one submission attempt against its phase's reference set.

    Time budget: the phase's ``scoring_case_timeout_s`` per case and ``scoring_timeout_s`` per
    submission; each case is scored in a child process that is killed when over budget, and
    the submission fails with "scoring exceeded N s on case X" while this worker goes on.

    Idempotent: the Evaluation has a unique (submission, attempt) constraint and is created
    with get_or_create under the row lock, so a redelivered message cannot write twice."""
    import evaluators

    sub = transition(submission_id, attempt, (S.QUEUED, S.EVALUATING), S.EVALUATING)
    if sub is None:
        return
    phase = sub.phase
    ref = phase.references_dir
    if ref is None or not ref.is_dir():
        fail(submission_id, attempt, "the phase's reference set is not available; contact the organizers")
        return
    pred = Path(sub.predictions_path)
    if not pred.is_dir():
        fail(submission_id, attempt, "the submission's predictions are no longer available")
        return
    try:
        result = evaluators.score_folder(
            phase.task, pred, ref, jobs=settings.ARENA_SCORING_JOBS,
            case_timeout=phase.scoring_case_timeout_s, total_timeout=phase.scoring_timeout_s,
        )
    except evaluators.ScoringTimeoutError as exc:
        fail(submission_id, attempt, str(exc))
        return
    except evaluators.EvaluationInputError as exc:
        fail(submission_id, attempt, f"invalid predictions: {exc}")
        return
    except Exception:
        logger.exception("scoring of submission %s crashed", submission_id)
        fail(submission_id, attempt, "internal error while scoring; the organizers were informed")
        return
    _finish(sub, attempt, result, phase.reference_digest)
