"""Leaderboards: recompute a phase's ranking with ``evaluators.rank_submissions``, rows for the
page and the API, CSV export.

Selection policy (``Phase.leaderboard_policy``): per participant — the team when the submitter
is in one, else the user — the **best** succeeded submission (default; "best" by the task's
official ranking over all of the phase's succeeded submissions) or the **latest** succeeded one.
The selected submissions are then ranked together, because rank-based rules depend on the set.
"""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from arena.challenges.models import Phase
from arena.challenges.permissions import can_view_leaderboard
from arena.evaluation.models import Evaluation
from arena.evaluation.tasks import json_safe
from arena.leaderboards.models import LeaderboardEntry
from arena.submissions.models import Submission
from evaluators.report import spreadsheet_safe

logger = logging.getLogger(__name__)


def leaderboard_columns(phase: Phase) -> list:
    """The task's leaderboard columns (``Column(key, title, higher_is_better)``); [] when the
    task is unknown to the installed evaluators."""
    import evaluators

    try:
        return list(evaluators.get_task(phase.task).leaderboard_columns)
    except evaluators.EvaluationInputError as exc:
        logger.warning("phase %s: no leaderboard columns: %s", phase.pk, exc)
        return []


def board_rule(phase: Phase) -> dict[str, Any] | None:
    """How the board is ranked, for the page, the API and the CSV: ``{"sentence", "score":
    {"title", "higher_is_better"}, "rank_based", "criteria": [{"key", "title",
    "higher_is_better", "unit"}], "tiebreak": {...} | None, "ties", "groups"}``. ``groups``
    (rules with more than 8 criteria) are the compact board's columns: the mean criterion rank
    per metric, i.e. the rule's own aggregate over that group. None when the task is unknown."""
    import evaluators

    try:
        rule = evaluators.get_task(phase.task).ranking
    except Exception:
        return None

    def criterion(c) -> dict[str, Any]:
        return {"key": c.key, "title": c.title, "higher_is_better": c.higher_is_better,
                "unit": getattr(c, "unit", "")}

    tiebreak = getattr(rule, "tiebreak", None)
    if tiebreak is not None:
        ties = (f"Equal scores are broken by {tiebreak.title}; entries still equal share a "
                "rank (marked =).")
    elif rule.rank_based:
        ties = "Entries with equal scores share a rank (marked =); the rule has no tie-break."
    else:
        ties = "Entries equal on every criterion share a rank (marked =)."
    groups: list[dict[str, Any]] = []
    if rule.rank_based and len(rule.criteria) > 8:
        from evaluators.ranking import criterion_groups

        groups = [
            {"title": f"{title} mean rank ({len(members)})", "keys": [c.key for c in members]}
            for title, members in criterion_groups(rule.criteria)
        ]
    return {
        "sentence": rule.describe(),
        "score": {"title": rule.score_title, "higher_is_better": rule.score_higher_is_better,
                  "decimals": 3 if rule.rank_based else rule.criteria[0].decimals},
        "rank_based": rule.rank_based,
        "criteria": [criterion(c) for c in rule.criteria],
        "tiebreak": None if tiebreak is None else criterion(tiebreak),
        "ties": ties,
        "groups": groups,
    }


def _candidates(phase: Phase) -> list[dict[str, Any]]:
    rows = (
        Evaluation.objects.filter(
            submission__phase=phase,
            submission__status=Submission.Status.SUCCEEDED,
            submission__disqualification__isnull=True,  # organizers' disqualifications
            attempt=F("submission__attempt"),
        )
        .values(
            "submission_id",
            "ranking_scores",
            "submission__created",
            "submission__team_id",
            "submission__team__name",
            "submission__creator_id",
            "submission__creator__username",
        )
        .order_by("submission__created", "submission_id")
    )
    out = []
    for row in rows:
        team_id = row["submission__team_id"]
        out.append(
            {
                "submission_id": row["submission_id"],
                "ranking_scores": row["ranking_scores"],
                "created": row["submission__created"],
                "key": f"team:{team_id}" if team_id else f"user:{row['submission__creator_id']}",
                "label": row["submission__team__name"] or row["submission__creator__username"],
            }
        )
    return out


def _rank(task: str, candidates: list[dict[str, Any]]) -> list:
    import evaluators

    # The ranking rules read only ``metrics_json["ranking_scores"]`` (evaluators.ranking), so
    # the per-case payload is never loaded here: recompute stays fast with thousands of rows.
    return evaluators.rank_submissions(
        task, {str(c["submission_id"]): {"ranking_scores": c["ranking_scores"]} for c in candidates}
    )


def _select(phase: Phase, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    chosen: dict[str, dict[str, Any]] = {}
    if phase.leaderboard_policy == Phase.Policy.LATEST:
        for c in candidates:  # ordered by created: the last one wins
            chosen[c["key"]] = c
        return list(chosen.values())
    by_id = {str(c["submission_id"]): c for c in candidates}
    for entry in _rank(phase.task, candidates):  # best first
        c = by_id[entry.name]
        chosen.setdefault(c["key"], c)
    return list(chosen.values())


def recompute_leaderboard(phase: Phase) -> int:
    """Rebuild the phase's LeaderboardEntry rows (frozen phases are left untouched) and return
    the number of entries. Runs under a lock of the phase row, so recomputes serialise."""
    with transaction.atomic():
        locked = Phase.objects.select_for_update().get(pk=phase.pk)
        if locked.frozen:
            return LeaderboardEntry.objects.filter(phase=locked).count()
        candidates = _candidates(locked)
        selected = _select(locked, candidates) if candidates else []
        ranked = _rank(locked.task, selected) if selected else []
        by_id = {str(c["submission_id"]): c for c in selected}
        entries = []
        for entry in ranked:
            c = by_id[entry.name]
            values = dict(c["ranking_scores"] or {})
            values.update(getattr(entry, "values", None) or {})
            values = json_safe(values)
            score = json_safe(entry.score)
            entries.append(
                LeaderboardEntry(
                    phase=locked,
                    submission_id=c["submission_id"],
                    participant=c["label"][:150],
                    rank=entry.rank,
                    score=None if score is None else float(score),
                    values=values,
                    criterion_ranks=getattr(entry, "criterion_ranks", None) or {},
                )
            )
        LeaderboardEntry.objects.filter(phase=locked).delete()
        LeaderboardEntry.objects.bulk_create(entries)
        locked.leaderboard_updated = timezone.now()
        locked.save(update_fields=["leaderboard_updated"])
        from arena.leaderboards.robustness import schedule_robustness

        schedule_robustness(locked)  # on commit: the robustness analysis of the new board
    return len(entries)


def leaderboard_rows(phase: Phase, user) -> list[dict[str, Any]]:
    """Ranked rows the user may see ([] when the board is not visible to them):
    ``{"rank", "tie", "participant", "method", "baseline", "submission_id", "score", "values":
    {column key: value}, "criterion_ranks": {criterion key: rank}, "created"}``, best first;
    ``tie`` when another row shares the rank; ``method`` the entry's method name and
    ``baseline`` True for the organizers' baseline entries (both read from the submission)."""
    if not can_view_leaderboard(user, phase):
        return []
    rows = list(
        LeaderboardEntry.objects.filter(phase=phase)
        .order_by("rank", "participant")
        .values("rank", "participant", "submission_id", "score", "values", "criterion_ranks",
                "submission__created", "submission__method", "submission__is_baseline")
    )
    shared: dict[int, int] = {}
    for r in rows:
        shared[r["rank"]] = shared.get(r["rank"], 0) + 1
    return [
        {
            "rank": r["rank"],
            "tie": shared[r["rank"]] > 1,
            "participant": r["participant"],
            "method": r["submission__method"],
            "baseline": r["submission__is_baseline"],
            "submission_id": r["submission_id"],
            "score": r["score"],
            "values": r["values"],
            "criterion_ranks": r["criterion_ranks"] or {},
            "created": r["submission__created"],
        }
        for r in rows
    ]


def leaderboard_csv(phase: Phase, user) -> str:
    """The visible leaderboard as CSV: rank, participant, submission_id, submitted, score, then
    one column per leaderboard column key, then ``tie`` (1 when the rank is shared), for
    rank-based rules ``rank:<criterion key>`` per criterion (empty when not visible), then
    ``method`` (the entry's method name) and ``baseline`` (1 for baseline entries).
    Participant and team names that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
    ``@``) are neutralised with a leading apostrophe; numbers are written as numbers."""
    columns = leaderboard_columns(phase)
    rule = board_rule(phase) or {}
    criteria = [c["key"] for c in rule.get("criteria", [])] if rule.get("rank_based") else []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        ["rank", "participant", "submission_id", "submitted", "score", *[c.key for c in columns],
         "tie", *[f"rank:{key}" for key in criteria], "method", "baseline"]
    )
    for row in leaderboard_rows(phase, user):
        values = row["values"] or {}
        writer.writerow(
            [
                row["rank"],
                spreadsheet_safe(row["participant"]),
                row["submission_id"],
                row["created"].isoformat() if row["created"] else "",
                "" if row["score"] is None else repr(float(row["score"])),
                *["" if values.get(c.key) is None else repr(float(values[c.key])) for c in columns],
                int(row["tie"]),
                *[row["criterion_ranks"].get(key, "") for key in criteria],
                spreadsheet_safe(row["method"]),
                int(bool(row["baseline"])),
            ]
        )
    return buf.getvalue()


def missing_cases(submission_ids: list[int]) -> dict[int, list[str]]:
    """Submission id -> the cases its current evaluation found missing (only submissions with
    at least one). Reads just that key of the stored metrics (a JSON key lookup), not the
    per-case payload, so a board page stays fast."""
    rows = Evaluation.objects.filter(
        submission_id__in=submission_ids, attempt=F("submission__attempt")
    ).values_list("submission_id", "metrics_json__missing_cases")
    return {sid: list(missing) for sid, missing in rows if missing}


def partial_note(n_missing: int, n_cases: int) -> str:
    """The board's and submission page's flag of a partial submission: "48 of 50 cases; 2
    missing scored by the task's rule" (without the total when it is unknown)."""
    if n_cases > 0:
        return (f"{n_cases - n_missing} of {n_cases} cases; {n_missing} missing scored by the "
                "task's rule")
    return f"{n_missing} case{'s' if n_missing != 1 else ''} missing, scored by the task's rule"
