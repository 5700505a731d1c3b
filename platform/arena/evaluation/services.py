"""Evaluation services: hand-over from algorithm runs, re-evaluation, per-case tables."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from arena.challenges.models import Phase
from arena.evaluation.models import Evaluation
from arena.submissions.models import Submission

S = Submission.Status


def enqueue_scoring(
    submission_id: int, predictions_dir: str, *, attempt: int | None = None
) -> bool:
    """Called by arena.execution when an algorithm run's outputs are collected and stored:
    record the predictions' storage folder (``"default"`` storage), move the submission to ``queued`` and schedule scoring on commit.

    Accepts submissions in validating / queued / running; returns False (and does nothing)
    for other states or a stale ``attempt``."""
    from arena.evaluation.tasks import score_submission

    with transaction.atomic():
        sub = Submission.objects.select_for_update().filter(pk=submission_id).first()
        if sub is None or (attempt is not None and sub.attempt != attempt):
            return False
        if sub.status not in (S.VALIDATING, S.QUEUED, S.RUNNING):
            return False
        sub.status = S.QUEUED
        sub.predictions_path = str(predictions_dir)
        sub.save(update_fields=["status", "predictions_path"])
        current = sub.attempt
        transaction.on_commit(lambda: score_submission.delay(submission_id, current))
    return True


def _has_predictions(sub: Submission) -> bool:
    from arena import files

    return bool(sub.predictions_path) and files.folder_exists(sub.predictions_path)


def reevaluate_submission(submission: Submission, by=None) -> Submission:
    """Start a new attempt: re-score the stored predictions (algorithm outputs are not re-run),
    or re-validate the uploaded archive when no unpacked predictions remain. The previous
    attempt's Evaluation stays as history; the leaderboard uses the new attempt once scored."""
    from arena.evaluation.tasks import score_submission
    from arena.submissions.tasks import validate_submission

    with transaction.atomic():
        sub = Submission.objects.select_for_update().get(pk=submission.pk)
        if sub.status == S.CANCELLED:
            return sub
        sub.attempt += 1
        sub.error = ""
        sub.finished = None
        sub.started = timezone.now()
        if _has_predictions(sub):
            sub.status = S.QUEUED
            task = score_submission
        else:
            if sub.kind == Submission.Kind.ALGORITHM:
                sub.attempt -= 1
                return sub
            sub.status = S.PENDING
            task = validate_submission
        sub.save(update_fields=["attempt", "error", "finished", "started", "status"])
        attempt = sub.attempt
        transaction.on_commit(lambda: task.delay(sub.pk, attempt))
    return sub


def reevaluate_phase(phase: Phase, by=None) -> int:
    """Re-evaluate every finished (succeeded or failed) submission of the phase, after an
    evaluator or reference change (a new reference set is imported with
    ``arena.challenges.services.configure_phase_dataset``, which records its digest)."""
    count = 0
    for sub in Submission.objects.filter(phase=phase, status__in=(S.SUCCEEDED, S.FAILED)):
        before = sub.attempt
        if reevaluate_submission(sub, by=by).attempt != before:
            count += 1
    return count


def stale_submissions(phase: Phase) -> list[Submission]:
    """Succeeded submissions whose current Evaluation was made by another evaluators version
    or against another reference digest than the phase's current one."""
    import evaluators

    digest = phase.reference_digest
    stale = []
    subs = Submission.objects.filter(phase=phase, status=S.SUCCEEDED)
    for sub in subs:
        evaluation = latest_evaluation(sub)
        if (
            evaluation is None
            or evaluation.evaluators_version != evaluators.__version__
            or (digest and evaluation.reference_digest != digest)
        ):
            stale.append(sub)
    return stale


def latest_evaluation(submission: Submission) -> Evaluation | None:
    """The Evaluation of the submission's current attempt, or None."""
    return Evaluation.objects.filter(submission=submission, attempt=submission.attempt).first()


def case_table(submission: Submission) -> list[dict]:
    """Per-case rows ``{"case", "region", "metric", "value"}`` of the current attempt (callers
    check ``can_view_submission_cases`` first)."""
    evaluation = latest_evaluation(submission)
    if evaluation is None:
        return []
    rows = []
    for case, regions in sorted(evaluation.metrics_json.get("case", {}).items()):
        for region, metrics in regions.items():
            for metric, value in metrics.items():
                rows.append({"case": case, "region": region, "metric": metric, "value": value})
    return rows
