"""Ranking robustness of a phase's board, computed off the request path and cached.

``schedule_robustness`` is called when a board has been recomputed; the Celery task
``compute_board_robustness`` runs ``evaluators.robustness.analyse`` on the board's
entries (the best-ranked ``ARENA_ROBUSTNESS_MAX_ENTRIES``, default 50) with
``ARENA_ROBUSTNESS_SAMPLES`` bootstrap samples (default 1,000; seed 0) and stores the result and
the page's figures in ``BoardRobustness``. Pages and the API only read that row.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from django.conf import settings
from django.db import transaction

from arena.challenges.models import Phase
from arena.leaderboards.models import BoardRobustness, LeaderboardEntry

SEED = 0


def samples_setting() -> int:
    """Bootstrap samples per analysis (``ARENA_ROBUSTNESS_SAMPLES``, default 1,000)."""
    return int(getattr(settings, "ARENA_ROBUSTNESS_SAMPLES", 1000))


def max_entries_setting() -> int:
    """Entries analysed, best-ranked first (``ARENA_ROBUSTNESS_MAX_ENTRIES``, default 50)."""
    return int(getattr(settings, "ARENA_ROBUSTNESS_MAX_ENTRIES", 50))


def _board(phase: Phase) -> list[dict[str, Any]]:
    """The analysed entries, best first: participant, submission, rank, current evaluation."""
    from arena.evaluation.models import Evaluation

    rows = list(
        LeaderboardEntry.objects.filter(phase=phase)
        .order_by("rank", "participant")
        .values("participant", "submission_id", "rank", "submission__attempt")[
            : max_entries_setting()
        ]
    )
    evaluations = {
        (sub, attempt): pk
        for pk, sub, attempt in Evaluation.objects.filter(
            submission_id__in=[r["submission_id"] for r in rows]
        ).values_list("pk", "submission_id", "attempt")
    }
    for row in rows:
        row["evaluation_id"] = evaluations.get((row["submission_id"], row["submission__attempt"]))
    return [r for r in rows if r["evaluation_id"] is not None]


def board_digest(phase: Phase, board: list[dict[str, Any]] | None = None) -> str:
    """sha256 over what the analysis depends on: entries, their evaluations and ranks, task,
    samples and seed."""
    board = _board(phase) if board is None else board
    source = json.dumps([
        phase.task, samples_setting(), SEED,
        [(r["participant"], r["submission_id"], r["evaluation_id"], r["rank"]) for r in board],
    ])
    return hashlib.sha256(source.encode()).hexdigest()


def _names(board: list[dict[str, Any]]) -> list[str]:
    """Participant labels, made unique with the submission id where two are equal."""
    counts: dict[str, int] = {}
    for row in board:
        counts[row["participant"]] = counts.get(row["participant"], 0) + 1
    return [
        row["participant"] if counts[row["participant"]] == 1
        else f"{row['participant']} (#{row['submission_id']})"
        for row in board
    ]


def schedule_robustness(phase: Phase) -> None:
    """Queue the analysis once the current transaction commits (the board is recomputed)."""
    from arena.leaderboards.tasks import compute_board_robustness

    phase_id = phase.pk
    transaction.on_commit(lambda: compute_board_robustness.delay(phase_id))


def compute_robustness(phase: Phase) -> BoardRobustness | None:
    """Analyse the board unless the cached analysis is of the same board; store and return it.
    Returns None when the board changed while the analysis ran (a newer task is queued)."""
    import evaluators
    from arena.evaluation.models import Evaluation
    from arena.leaderboards.figures import robustness_figures
    from evaluators.errors import EvaluationInputError
    from evaluators.robustness import analyse

    board = _board(phase)
    digest = board_digest(phase, board)
    cached = BoardRobustness.objects.filter(phase=phase).first()
    if cached is not None and cached.board_digest == digest:
        return cached
    fields: dict[str, Any] = {"board_digest": digest, "samples": samples_setting(), "seed": SEED,
                              "entries": len(board), "result": {}, "figures": {}, "message": ""}
    started = time.perf_counter()
    if len(board) < 2:
        fields.update(status=BoardRobustness.Status.SKIPPED,
                      message="The robustness analysis needs at least two entries on the board.")
    else:
        payloads = dict(
            Evaluation.objects.filter(pk__in=[r["evaluation_id"] for r in board])
            .values_list("pk", "metrics_json")
        )
        names = _names(board)
        metrics = {name: payloads[row["evaluation_id"]]
                   for name, row in zip(names, board, strict=True)}
        try:
            task = evaluators.get_task(phase.task)
            analysis = analyse(task, metrics, samples=samples_setting(), seed=SEED)
        except EvaluationInputError as error:
            fields.update(status=BoardRobustness.Status.FAILED, message=str(error))
        else:
            fields.update(
                status=BoardRobustness.Status.READY,
                result=analysis.to_json(),
                figures=robustness_figures(task, analysis),
            )
    fields["seconds"] = time.perf_counter() - started
    with transaction.atomic():
        Phase.objects.select_for_update().filter(pk=phase.pk).first()
        if board_digest(phase) != digest:
            return None
        row, _ = BoardRobustness.objects.update_or_create(phase=phase, defaults=fields)
    return row


def cached_summary(phase: Phase) -> dict[str, Any] | None:
    """What a page needs (status, message, figures, samples, computed); one query, no
    analysis. None when nothing has been computed yet."""
    return (
        BoardRobustness.objects.filter(phase=phase)
        .values("status", "message", "figures", "samples", "seed", "entries", "computed")
        .first()
    )


def cached_result(phase: Phase, include_values: bool) -> dict[str, Any] | None:
    """The cached analysis for the API: the CLI JSON schema plus status fields; per-case
    ``values`` of the significance block only when ``include_values`` (per-case visibility)."""
    row = (
        BoardRobustness.objects.filter(phase=phase)
        .values("status", "message", "samples", "seed", "entries", "computed", "result")
        .first()
    )
    if row is None:
        return None
    result = row.pop("result") or {}
    if not include_values:
        result = {**result, "significance": {
            key: {k: v for k, v in column.items() if k != "values"}
            for key, column in (result.get("significance") or {}).items()
        }} if result else result
    return {**row, **result}
