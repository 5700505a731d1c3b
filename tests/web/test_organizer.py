"""Organizer pages are organizer-only (404 for everyone else) and do what they say."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def _organizer_urls(phase, submission):
    return [
        ("get", reverse("web:phase_manage", args=[phase.pk])),
        ("post", reverse("web:phase_reevaluate", args=[phase.pk])),
        ("post", reverse("web:phase_visibility", args=[phase.pk])),
        ("post", reverse("web:submission_reevaluate", args=[submission.pk])),
    ]


@pytest.mark.parametrize("role", ["participant", "other", "stranger"])
def test_organizer_pages_refuse_others(client_for, phase, scored, role):
    client = client_for(role)
    for method, url in _organizer_urls(phase, scored["participant"]):
        response = getattr(client, method)(url, {"visibility": "hidden"})
        assert response.status_code == 404, (role, url)
    phase.refresh_from_db()
    assert phase.leaderboard_visibility == "public"


@pytest.mark.parametrize("role", ["organizer", "admin"])
def test_manage_page_renders(client_for, phase, scored, role):
    response = client_for(role).get(reverse("web:phase_manage", args=[phase.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="phase-settings"' in html and "Re-evaluate the whole phase" in html
    assert reverse("web:leaderboard_csv", args=[phase.pk]) in html


def test_settings_form_saves_and_validates(client_for, phase):
    client = client_for("organizer")
    url = reverse("web:phase_manage", args=[phase.pk])
    data = {
        "title": "Renamed phase", "description": "", "opens_at": "2030-01-02T10:00",
        "closes_at": "2030-01-01T10:00", "quota_count": 3, "quota_period_days": 1,
        "max_upload_mb": 100, "leaderboard_visibility": "participants", "leaderboard_policy": "best",
    }
    bad = client.post(url, data)
    assert bad.status_code == 400 and "Must be after the opening time" in bad.content.decode()
    data["closes_at"] = "2030-02-01T10:00"
    assert client.post(url, data).status_code == 302
    phase.refresh_from_db()
    assert phase.title == "Renamed phase" and phase.leaderboard_visibility == "participants"
    assert phase.quota_count == 3 and not phase.is_open()


def test_publish_hide_and_csv(client_for, phase, scored):
    client = client_for("organizer")
    client.post(reverse("web:phase_visibility", args=[phase.pk]), {"visibility": "hidden"})
    phase.refresh_from_db()
    assert phase.leaderboard_visibility == "hidden"
    response = client.post(reverse("web:phase_visibility", args=[phase.pk]), {"visibility": "bogus"}, follow=True)
    assert "expected one of" in response.content.decode()
    client.post(reverse("web:phase_visibility", args=[phase.pk]), {"visibility": "public"})
    csv = client.get(reverse("web:leaderboard_csv", args=[phase.pk]))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode()
    assert "alice" in text and "bob" in text


def test_reevaluate_submission_and_phase(client_for, phase, scored):
    client = client_for("organizer")
    sub = scored["participant"]
    client.post(reverse("web:submission_reevaluate", args=[sub.pk]))
    sub.refresh_from_db()
    assert sub.attempt == 2 and sub.status == "succeeded"
    response = client.post(reverse("web:phase_reevaluate", args=[phase.pk]), follow=True)
    assert "queued for re-evaluation" in response.content.decode()
    sub.refresh_from_db()
    assert sub.attempt == 3 and sub.status == "succeeded"


def test_registration_approval(client_for, challenge, phase, users):
    from arena.participation.models import Registration

    challenge.requires_approval = True
    challenge.save()
    client_for("stranger").post(reverse("web:challenge_join", args=["kits"]))
    registration = Registration.objects.get(user=users["stranger"], challenge=challenge)
    assert registration.status == "pending"
    client = client_for("organizer")
    assert "sam" in client.get(reverse("web:phase_manage", args=[phase.pk])).content.decode()
    client.post(
        reverse("web:registration_decide", args=[phase.pk, registration.pk]), {"decision": "approve"}
    )
    registration.refresh_from_db()
    assert registration.status == "approved"
