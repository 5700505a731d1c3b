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
    """Aggregates (region x metric), ranking scores, per-case rows (only when allowed)."""

    evaluation: Any | None = None
    metrics_visible: bool = False
    cases_visible: bool = False
    metrics: list[str] = field(default_factory=list)
    aggregate_rows: list[dict[str, Any]] = field(default_factory=list)
    score_rows: list[dict[str, Any]] = field(default_factory=list)
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
    titles = {c.key: c.title for c in (getattr(task, "leaderboard_columns", None) or [])}
    for key, value in (evaluation.ranking_scores or metrics_json.get("ranking_scores") or {}).items():
        results.score_rows.append({"key": key, "title": titles.get(key, key), "value": value})
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
