"""Read-only view models: what a page shows about a phase, computed once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from arena.challenges import permissions as perms
from arena.challenges.models import Phase


def task_or_none(name: str) -> Any | None:
    """The evaluators ``Task`` named ``name``, or None when the name is unknown."""
    import evaluators

    try:
        return evaluators.get_task(name)
    except Exception:  # unknown task names surface on the page as "unknown task"
        return None


def phase_state(phase: Phase) -> str:
    """"upcoming" before ``opens_at``, "closed" from ``closes_at`` on, else "open"."""
    now = timezone.now()
    if phase.opens_at and now < phase.opens_at:
        return "upcoming"
    if phase.closes_at and now >= phase.closes_at:
        return "closed"
    return "open"


@dataclass
class PhaseCard:
    """One phase as the challenge page shows it to ``user``."""

    phase: Phase
    task: Any | None
    state: str
    can_submit: bool
    submit_reason: str
    can_view_leaderboard: bool
    can_download_inputs: bool
    quota: Any | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def task_title(self) -> str:
        return getattr(self.task, "title", None) or f"unknown task '{self.phase.task}'"


def phase_card(user: Any, phase: Phase) -> PhaseCard:
    """Build the :class:`PhaseCard` of ``phase`` for ``user`` (anonymous users allowed)."""
    allowed, reason = perms.can_submit(user, phase)
    quota = None
    if getattr(user, "is_authenticated", False) and perms.is_participant(user, phase.challenge):
        from arena.submissions.services import quota_status

        quota = quota_status(user, phase)
    return PhaseCard(
        phase=phase,
        task=task_or_none(phase.task),
        state=phase_state(phase),
        can_submit=allowed,
        submit_reason=reason,
        can_view_leaderboard=perms.can_view_leaderboard(user, phase),
        can_download_inputs=perms.can_download_inputs(user, phase) and bool(phase.inputs_archive),
        quota=quota,
    )
