"""Leaderboard tasks (cpu queue): recompute a board, analyse its robustness."""

from __future__ import annotations

from arena.celery import arena_task
from arena.challenges.models import Phase


def on_submission_scored(sender=None, *, phase_id: int, **kwargs) -> None:
    """Receiver of ``arena.evaluation.signals.submission_scored``: queue the board recompute."""
    recompute_leaderboard.delay(phase_id)


@arena_task(queue="cpu", time_limit=600)
def recompute_leaderboard(phase_id: int) -> int:
    """Recompute the phase's board; idempotent (the entries are rebuilt from the Evaluations)."""
    from arena.leaderboards.services import recompute_leaderboard as recompute

    phase = Phase.objects.filter(pk=phase_id).first()
    return 0 if phase is None else recompute(phase)


@arena_task(queue="cpu", time_limit=1800)
def compute_board_robustness(phase_id: int) -> str:
    """Bootstrap + significance of the phase's board, cached in BoardRobustness; idempotent
    (skipped when the cached analysis is of the same board). Returns the stored status."""
    from arena.leaderboards.robustness import compute_robustness

    phase = Phase.objects.filter(pk=phase_id).first()
    row = None if phase is None else compute_robustness(phase)
    return "" if row is None else row.status
