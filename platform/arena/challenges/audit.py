"""The organizers' audit log: :func:`record` appends one :class:`AuditEntry` per organizer
action (phase edits, visibility, freeze, re-evaluation, disqualification, release of per-case
results, dataset changes, registration decisions); :func:`audit_csv` exports a challenge's log.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from arena.challenges.models import AuditEntry, Challenge, Phase


def _plain(value: Any) -> Any:
    """JSON-safe form of a model field value (datetimes as ISO text, others as str)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def record(
    action: str,
    *,
    challenge: Challenge | None = None,
    phase: Phase | None = None,
    actor=None,
    summary: str = "",
    **detail: Any,
) -> AuditEntry:
    """Append an audit entry (``challenge`` defaults to the phase's); ``detail`` keyword values
    are stored as JSON (non-JSON values as text). Returns the saved entry."""
    if challenge is None:
        if phase is None:
            raise ValueError("audit.record needs a challenge or a phase")
        challenge = phase.challenge
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        challenge=challenge,
        phase=phase,
        actor=user,
        actor_name=user.get_username() if user is not None else "",
        action=action,
        summary=summary[:300],
        detail=json.loads(json.dumps(detail, default=_plain)),
    )


def field_changes(instance, old: dict[str, Any], fields: list[str]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value differs from ``old`` (a dict of the
    values before the edit)."""
    changes = {}
    for name in fields:
        new = getattr(instance, name)
        if old.get(name) != new:
            changes[name] = [_plain(old.get(name)), _plain(new)]
    return changes


def audit_csv(challenge: Challenge) -> str:
    """The challenge's log as CSV, oldest first: time (ISO 8601, UTC), actor, action, phase,
    summary, detail (canonical JSON)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["time", "actor", "action", "phase", "summary", "detail"])
    entries = challenge.audit_entries.select_related("phase").order_by("created", "id")
    for entry in entries:
        writer.writerow([
            entry.created.isoformat(),
            entry.actor_name or "system",
            entry.action,
            entry.phase.slug if entry.phase else "",
            entry.summary,
            json.dumps(entry.detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
        ])
    return buf.getvalue()
