"""Final boards: freeze a phase's board into a signed, immutable :class:`BoardSnapshot`.

The snapshot's ``board`` (see ``evaluators.signing`` for the document around it)::

    {"challenge", "phase", "phase_title", "task", "ranking_rule": {...board_rule...,
     "override": phase.ranking_rule}, "policy", "frozen_at" (ISO 8601 UTC),
     "evaluators_version", "reference_digest",
     "columns": [{"key", "title", "higher_is_better"}],
     "rows": [{"rank", "tie", "participant", "method", "baseline", "submission_id", "score", "values",
               "criterion_ranks", "evaluators_version", "reference_digest", "missing_cases"}],
     "cases": {"<submission id>": {case: {region: {metric: value}}}}}

``method`` is the entry's method name ("" when none was given) and ``baseline`` true for the
organizers' baseline entries, as on the live board. Non-finite numbers are written as null (canonical JSON refuses NaN). Freezing re-ranks the
board once (so it reflects every scored submission), then sets ``Phase.frozen``: from then on
:func:`arena.leaderboards.services.recompute_leaderboard` leaves the rows untouched.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from arena.challenges import audit
from arena.challenges.models import AuditEntry, Phase
from arena.evaluation.models import Evaluation
from arena.evaluation.tasks import json_safe
from arena.leaderboards.models import BoardSnapshot, LeaderboardEntry


def _board(phase: Phase, now) -> dict[str, Any]:
    import evaluators
    from arena.leaderboards.services import board_rule, leaderboard_columns

    entries = list(
        LeaderboardEntry.objects.filter(phase=phase)
        .select_related("submission")
        .order_by("rank", "participant", "submission_id")
    )
    attempts = {x.submission_id: x.submission.attempt for x in entries}
    evaluations = {
        e.submission_id: e
        for e in Evaluation.objects.filter(submission_id__in=list(attempts))
        if e.attempt == attempts[e.submission_id]
    }
    shared: dict[int, int] = {}
    for entry in entries:
        shared[entry.rank] = shared.get(entry.rank, 0) + 1
    rows, cases = [], {}
    for entry in entries:
        evaluation = evaluations.get(entry.submission_id)
        metrics = evaluation.metrics_json if evaluation is not None else {}
        rows.append({
            "rank": entry.rank,
            "tie": shared[entry.rank] > 1,
            "participant": entry.participant,
            "method": entry.submission.method,
            "baseline": entry.submission.is_baseline,
            "submission_id": entry.submission_id,
            "score": entry.score,
            "values": entry.values,
            "criterion_ranks": entry.criterion_ranks or {},
            "evaluators_version": evaluation.evaluators_version if evaluation else None,
            "reference_digest": evaluation.reference_digest if evaluation else None,
            "missing_cases": list(metrics.get("missing_cases", [])),
        })
        cases[str(entry.submission_id)] = metrics.get("case", {})
    rule = board_rule(phase) or {}
    rule = {**rule, "override": phase.ranking_rule or None}
    return json_safe({
        "challenge": phase.challenge.slug,
        "phase": phase.slug,
        "phase_title": phase.title,
        "task": phase.task,
        "ranking_rule": rule,
        "policy": phase.leaderboard_policy,
        "frozen_at": now.isoformat(),
        "evaluators_version": evaluators.__version__,
        "reference_digest": phase.reference_digest or None,
        "columns": [
            {"key": c.key, "title": c.title, "higher_is_better": c.higher_is_better}
            for c in leaderboard_columns(phase)
        ],
        "rows": rows,
        "cases": cases,
    })


def freeze_board(phase: Phase, by=None) -> BoardSnapshot:
    """Re-rank the board once, write its signed snapshot, mark the phase frozen and log it.
    A phase already frozen returns its latest snapshot unchanged (no new entry). Raises
    ``ImproperlyConfigured`` when no signing key is configured (production)."""
    from arena.leaderboards.services import recompute_leaderboard
    from arena.leaderboards.signing import private_key
    from evaluators.signing import sign_board

    key = private_key()  # refuse before touching anything when no key is configured
    if not Phase.objects.filter(pk=phase.pk, frozen=True).exists():
        recompute_leaderboard(phase)
    with transaction.atomic():
        locked = Phase.objects.select_for_update().select_related("challenge").get(pk=phase.pk)
        if locked.frozen:
            existing = latest_snapshot(locked)
            if existing is not None:
                return existing
        now = timezone.now().replace(microsecond=0)
        document = sign_board(_board(locked, now), key)
        snapshot = BoardSnapshot.objects.create(
            phase=locked,
            created=now,
            created_by=by.get_username() if getattr(by, "is_authenticated", False) else "",
            sha256=document["sha256"],
            signature=document["signature"],
            public_key=document["public_key"],
            document=document,
        )
        locked.frozen = True
        locked.save(update_fields=["frozen"])
        audit.record(
            AuditEntry.Action.FREEZE, phase=locked, actor=by,
            summary=f"final board of {locked.slug} frozen ({len(document['board']['rows'])} rows)",
            sha256=document["sha256"], snapshot=snapshot.pk,
        )
    phase.frozen = True
    return snapshot


def unfreeze_board(phase: Phase, by=None) -> None:
    """Let recompute change the board again (the snapshots stay as published history); the
    board is re-ranked and the action logged."""
    from arena.leaderboards.services import recompute_leaderboard

    with transaction.atomic():
        locked = Phase.objects.select_for_update().get(pk=phase.pk)
        if not locked.frozen:
            return
        locked.frozen = False
        locked.save(update_fields=["frozen"])
        audit.record(AuditEntry.Action.UNFREEZE, phase=locked, actor=by,
                     summary=f"board of {locked.slug} unfrozen")
    phase.frozen = False
    recompute_leaderboard(phase)


def latest_snapshot(phase: Phase) -> BoardSnapshot | None:
    """The phase's most recent snapshot, or None."""
    return BoardSnapshot.objects.filter(phase=phase).order_by("-created", "-id").first()
