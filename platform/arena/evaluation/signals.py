"""Signals of the evaluation app for the apps above it (leaderboards), sent on commit."""

from __future__ import annotations

from django.dispatch import Signal

#: ``submission_id: int, attempt: int, phase_id: int`` — an attempt was scored (succeeded);
#: arena.leaderboards recomputes the phase's board.
submission_scored = Signal()
