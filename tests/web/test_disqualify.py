"""Organizers disqualify a submission (with a reason): it leaves the board, the decision is
audited and can be withdrawn; a frozen board keeps its published rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def _participants(client, phase) -> list[str]:
    return [r["participant"] for r in client.get(f"/api/v1/phases/{phase.pk}/leaderboard/").json()["rows"]]


def test_disqualify_and_requalify(client_for, phase, scored, challenge):
    from arena.challenges.models import AuditEntry

    client = client_for("organizer")
    bob = scored["other"]
    url = reverse("web:submission_disqualify", args=[bob.pk])
    assert sorted(_participants(client, phase)) == ["alice", "bob"]
    assert client_for("participant").post(url, {"reason": "x"}).status_code == 404
    client = client_for("organizer")  # the same test client, logged in again
    client.post(url, {"reason": "  "})  # a reason is required
    assert sorted(_participants(client, phase)) == ["alice", "bob"]
    assert client.post(url, {"reason": "used the test labels"}).status_code == 302
    assert _participants(client, phase) == ["alice"]
    entry = AuditEntry.objects.get(challenge=challenge, action="disqualify")
    assert entry.detail == {"submission": bob.pk, "reason": "used the test labels"}
    assert entry.actor is not None and entry.actor.is_authenticated
    manage = client.get(reverse("web:phase_manage", args=[phase.pk])).content.decode()
    assert "used the test labels" in manage
    page = client_for("other").get(reverse("web:submission_detail", args=[bob.pk])).content.decode()
    assert 'id="disqualified"' in page and "used the test labels" in page
    client = client_for("organizer")
    client.post(url, {"action": "requalify"})
    assert sorted(_participants(client, phase)) == ["alice", "bob"]
    assert AuditEntry.objects.filter(challenge=challenge, action="requalify").count() == 1


def test_frozen_board_keeps_a_later_disqualified_entry(client_for, phase, scored):
    client = client_for("organizer")
    client.post(reverse("web:phase_freeze", args=[phase.pk]), {"action": "freeze"})
    before = _participants(client, phase)
    client.post(reverse("web:submission_disqualify", args=[scored["other"].pk]), {"reason": "late finding"})
    assert _participants(client, phase) == before
