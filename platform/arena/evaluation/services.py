"""Evaluation services: hand-over from algorithm runs, re-evaluation, per-case tables."""

from __future__ import annotations

from django.db import transaction

from arena.challenges.models import Phase
from arena.evaluation.models import Evaluation
from arena.submissions.liveness import dispatch
from arena.submissions.models import Submission
from arena.submissions.services import hand_over_predictions
from arena.submissions.state import restart

S = Submission.Status


def enqueue_scoring(
    submission_id: int, predictions_dir: str, *, attempt: int | None = None
) -> bool:
    """Record the predictions' storage folder (``"default"`` storage), move the submission to ``queued`` and schedule scoring on
    commit (through ``predictions_ready``, whose receiver is :func:`schedule_scoring`).

    Accepts submissions in validating / queued / running; returns False (and does nothing)
    for other states or a stale ``attempt``. Same as
    ``arena.submissions.services.hand_over_predictions``, which the execution app calls."""
    return hand_over_predictions(submission_id, predictions_dir, attempt=attempt)


def schedule_scoring(sender=None, *, submission_id: int, attempt: int, **kwargs) -> None:
    """Receiver of ``arena.submissions.signals.predictions_ready``: queue the scoring task
    (a broker that cannot be reached is logged; the sweep sends it later)."""
    from arena.evaluation.tasks import score_submission

    dispatch(score_submission, submission_id, attempt)


def _has_predictions(sub: Submission) -> bool:
    from arena import files

    return bool(sub.predictions_path) and files.folder_exists(sub.predictions_path)


def reevaluate_submission(submission: Submission, by=None, *, log: bool = True) -> Submission:
    """Start a new attempt: re-score the stored predictions (algorithm outputs are not re-run),
    or re-validate the uploaded archive when no unpacked predictions remain. The previous
    attempt's Evaluation stays as history; the leaderboard uses the new attempt once scored
    (a frozen board keeps its rows). With ``log`` a started attempt goes to the audit log."""
    from arena.challenges import audit
    from arena.evaluation.tasks import score_submission
    from arena.submissions.tasks import validate_submission

    with transaction.atomic():
        sub = Submission.objects.select_for_update().get(pk=submission.pk)
        if sub.status == S.CANCELLED:
            return sub
        if _has_predictions(sub):
            target, task = S.QUEUED, score_submission
        elif sub.kind == Submission.Kind.ALGORITHM:
            return sub  # outputs are gone and the image is not re-run
        else:
            target, task = S.PENDING, validate_submission
        sub = restart(sub.pk, target, by=by)
        pk, attempt = sub.pk, sub.attempt
        if log:
            audit.record(audit.AuditEntry.Action.REEVALUATE_SUBMISSION, phase=sub.phase, actor=by,
                         summary=f"submission {pk} re-evaluated (attempt {attempt})",
                         submission=pk, attempt=attempt)
        transaction.on_commit(lambda: dispatch(task, pk, attempt))
    return sub


def reevaluate_phase(phase: Phase, by=None) -> int:
    """Re-evaluate every finished (succeeded or failed) submission of the phase, after an
    evaluator or reference change (a new reference set is imported with
    ``arena.challenges.services.configure_phase_dataset``, which records its digest)."""
    from arena.challenges import audit

    count = 0
    for sub in Submission.objects.filter(phase=phase, status__in=(S.SUCCEEDED, S.FAILED)):
        before = sub.attempt
        if reevaluate_submission(sub, by=by, log=False).attempt != before:
            count += 1
    audit.record(audit.AuditEntry.Action.REEVALUATE_PHASE, phase=phase, actor=by,
                 summary=f"{count} submission(s) of {phase.slug} queued for re-evaluation",
                 count=count, frozen=phase.frozen)
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


def per_case_csv(submissions: list[tuple[str, Submission]]) -> str:
    """Per-case results of the given (participant label, submission) pairs as CSV, one row per
    case x region x metric of each submission's current evaluation: ``participant,
    submission_id, case, region, metric, value, missing`` (``missing`` = 1 for a case without
    a prediction, scored by the task's rule; an undefined value is empty). Callers check the
    viewer's rights first."""
    import csv
    import io
    import math

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["participant", "submission_id", "case", "region", "metric", "value", "missing"])
    ids = {sub.pk: sub.attempt for _, sub in submissions}
    payloads = {
        sid: metrics
        for sid, attempt, metrics in Evaluation.objects.filter(submission_id__in=list(ids))
        .values_list("submission_id", "attempt", "metrics_json")
        if ids.get(sid) == attempt
    }
    for label, sub in submissions:
        metrics_json = payloads.get(sub.pk) or {}
        missing = set(metrics_json.get("missing_cases") or [])
        for case, regions in sorted((metrics_json.get("case") or {}).items()):
            for region, values in (regions or {}).items():
                for metric, value in (values or {}).items():
                    text = "" if value is None or (isinstance(value, float) and not math.isfinite(value)) else repr(float(value))
                    writer.writerow([label, sub.pk, case, region, metric, text, int(case in missing)])
    return buf.getvalue()
