"""What a submission page shows of a scored submission, filtered by the viewer's rights."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arena.challenges import permissions as perms
from arena.submissions.models import Submission
from arena.web import charts
from arena.web.presenters import task_or_none


@dataclass
class SubmissionResults:
    """Aggregates (region x metric), ranking scores, per-case rows (only when allowed).

    ``summary_rows``: the derived scores (means over regions etc.: ``{"key", "title",
    "value", "decimals"}``); ``board``: the submission's board row as the viewer may see it
    (``{"rank", "score", "title", "decimals", "higher_is_better"}``) or None;
    ``region_columns``: one ``{"key", "title", "decimals"}`` per metric; ``region_rows``: one
    ``{"region", "title", "cells": [{"value", "decimals"}]}`` per region, values = the stored
    aggregate means."""

    evaluation: Any | None = None
    metrics_visible: bool = False
    cases_visible: bool = False
    metrics: list[str] = field(default_factory=list)
    aggregate_rows: list[dict[str, Any]] = field(default_factory=list)
    score_rows: list[dict[str, Any]] = field(default_factory=list)
    summary_rows: list[dict[str, Any]] = field(default_factory=list)
    board: dict[str, Any] | None = None
    region_columns: list[dict[str, Any]] = field(default_factory=list)
    region_rows: list[dict[str, Any]] = field(default_factory=list)
    case_rows: list[dict[str, Any]] = field(default_factory=list)
    missing_cases: list[str] = field(default_factory=list)
    partial: str = ""
    extra_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    chart_json: str | None = None


def _metric_order(metrics_json: dict[str, Any], task: Any | None) -> list[str]:
    found: list[str] = []
    for per_metric in (metrics_json.get("aggregates") or {}).values():
        for metric in per_metric or {}:
            if metric not in found:
                found.append(metric)
    official = list(getattr(task, "metrics", []) or [])
    return [m for m in official if m in found] + [m for m in found if m not in official]


def submission_results(user: Any, submission: Submission) -> SubmissionResults:
    """Build the :class:`SubmissionResults` of ``submission`` as ``user`` may see them."""
    from arena.evaluation.services import latest_evaluation

    results = SubmissionResults()
    if submission.status != Submission.Status.SUCCEEDED:
        return results
    if not perms.can_view_metrics(user, submission):
        return results
    evaluation = latest_evaluation(submission)
    if evaluation is None:
        return results
    results.evaluation = evaluation
    results.metrics_visible = True
    metrics_json = evaluation.metrics_json or {}
    task = task_or_none(submission.phase.task)
    results.metrics = _metric_order(metrics_json, task)
    for region, per_metric in (metrics_json.get("aggregates") or {}).items():
        results.aggregate_rows.append(
            {"region": region, "cells": [(per_metric or {}).get(m) for m in results.metrics]}
        )
    columns = {c.key: c for c in (getattr(task, "leaderboard_columns", None) or [])}
    for key, value in (evaluation.ranking_scores or metrics_json.get("ranking_scores") or {}).items():
        column = columns.get(key)
        results.score_rows.append({"key": key, "title": column.title if column else key,
                                   "value": value, "decimals": column.decimals if column else 4})
    _region_table(results, metrics_json, task)
    results.board = _board_row(user, submission)
    results.missing_cases = list(metrics_json.get("missing_cases") or [])
    if results.missing_cases:
        from arena.leaderboards.services import partial_note

        n_cases = len(metrics_json.get("case") or {})
        results.partial = partial_note(len(results.missing_cases), n_cases)
    results.extra_files = list(metrics_json.get("extra_files") or [])
    results.notes = list(metrics_json.get("notes") or [])
    if perms.can_view_submission_cases(user, submission):
        results.cases_visible = True
        for case in sorted(metrics_json.get("case") or {}):
            for region, values in (metrics_json["case"][case] or {}).items():
                results.case_rows.append(
                    {
                        "case": case,
                        "region": region,
                        "values": [(values or {}).get(m) for m in results.metrics],
                    }
                )
        results.chart_json = charts.box_plots(
            [charts.Series(f"#{submission.pk}", metrics_json)], _metric_titles(task)
        )
    return results


def _metric_titles(task: Any | None) -> dict[str, str]:
    return {m: m.replace("_", " ") for m in (getattr(task, "metrics", None) or [])}


def _region_table(results: SubmissionResults, metrics_json: dict[str, Any], task: Any | None) -> None:
    """Fill the per-region table (one row per region in the task's order, one column per
    metric: the aggregate mean with the board's decimals for the metric's unit) and the
    summary of derived scores (every ranking score that is not one region's metric)."""
    from evaluators.tasks.base import metric_column

    aggregates = metrics_json.get("aggregates") or {}
    order = [r for r in (getattr(task, "regions", None) or ()) if r in aggregates]
    order += [r for r in aggregates if r not in order]
    metric_columns = [metric_column(m) for m in results.metrics]
    results.region_columns = [
        {"key": c.key, "title": c.title, "decimals": c.decimals} for c in metric_columns
    ]
    for region in order:
        per_metric = aggregates.get(region) or {}
        cells = []
        for c in metric_columns:
            agg = per_metric.get(c.key)
            cells.append({"value": agg.get("mean") if isinstance(agg, dict) else None,
                          "decimals": c.decimals})
        title = task.region_title(region) if hasattr(task, "region_title") else region
        results.region_rows.append({"region": region, "title": title, "cells": cells})
    per_region = {f"{r}/{m}" for r in aggregates for m in results.metrics}
    results.summary_rows = [r for r in results.score_rows if r["key"] not in per_region]


def _board_row(user: Any, submission: Submission) -> dict[str, Any] | None:
    """The submission's row on its phase's board (rank and ranking score with the rule's
    title and decimals), or None when it has none or ``user`` may not see the board."""
    from arena.leaderboards.models import LeaderboardEntry
    from arena.leaderboards.services import board_rule

    if not perms.can_view_leaderboard(user, submission.phase):
        return None
    entry = LeaderboardEntry.objects.filter(submission=submission).only("rank", "score").first()
    rule = board_rule(submission.phase) if entry is not None else None
    if entry is None or rule is None:
        return None
    return {"rank": entry.rank, "score": entry.score, "title": rule["score"]["title"],
            "decimals": rule["score"]["decimals"],
            "higher_is_better": rule["score"]["higher_is_better"]}
