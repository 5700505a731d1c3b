"""Leaderboard recompute task (cpu queue)."""

from __future__ import annotations

from arena.celery import arena_task
from arena.challenges.models import Phase


@arena_task(queue="cpu", time_limit=600)
def recompute_leaderboard(phase_id: int) -> int:
    """Recompute the phase's board; idempotent (the entries are rebuilt from the Evaluations)."""
    from arena.leaderboards.services import recompute_leaderboard as recompute

    phase = Phase.objects.filter(pk=phase_id).first()
    return 0 if phase is None else recompute(phase)
