"""Every page renders for the users who may see it, and stays private for the others."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def test_public_pages_render_for_anonymous(client_for, phase, scored):
    client = client_for(None)
    for url in (
        reverse("web:home"),
        reverse("web:challenge_list"),
        reverse("web:challenge_detail", args=["kits"]),
        reverse("web:leaderboard", args=[phase.pk]),
        reverse("web:login"),
        reverse("web:signup"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    home = client.get(reverse("web:home")).content.decode()
    assert "KiTS web test" in home
    leader = scored["participant"].phase.leaderboard_entries.get(rank=1).participant
    assert f"leader: {leader}" in home
    detail = client.get(reverse("web:challenge_detail", args=["kits"])).content.decode()
    assert "kits21" in detail and "Log in" in detail
    # references are never named on participant-facing pages
    assert phase.references_path not in detail


def test_login_required_pages_redirect_anonymous(client_for, phase, scored):
    client = client_for(None)
    for url in (
        reverse("web:my_submissions"),
        reverse("web:submit", args=[phase.pk]),
        reverse("web:notifications"),
        reverse("web:phase_manage", args=[phase.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    response = client.get(reverse("web:submission_detail", args=[scored["participant"].pk]))
    assert response.status_code == 404


def test_private_challenge_is_invisible_to_outsiders(client_for, challenge, phase):
    challenge.is_public = False
    challenge.save()
    for role in (None, "stranger"):
        client = client_for(role)
        assert client.get(reverse("web:challenge_detail", args=["kits"])).status_code == 404
        assert client.get(reverse("web:leaderboard", args=[phase.pk])).status_code == 404
        assert "KiTS web test" not in client.get(reverse("web:home")).content.decode()
    assert client_for("participant").get(reverse("web:challenge_detail", args=["kits"])).status_code == 200


def test_join_challenge(client_for, challenge, phase, users):
    client = client_for("stranger")
    page = client.get(reverse("web:challenge_detail", args=["kits"])).content.decode()
    assert "Join this challenge" in page
    response = client.post(reverse("web:challenge_join", args=["kits"]), follow=True)
    assert response.status_code == 200
    assert challenge.registrations.filter(user=users["stranger"], status="approved").exists()
    assert "You are registered" in response.content.decode()
    assert reverse("web:submit", args=[phase.pk]) in response.content.decode()


def test_signup_logs_in_and_redirects(client_for, db):
    client = client_for(None)
    response = client.post(
        reverse("web:signup"),
        {"username": "newbie", "email": "", "password1": "a-long-pass-9", "password2": "a-long-pass-9",
         "next": "/challenges/"},
    )
    assert response.status_code == 302 and response["Location"] == "/challenges/"
    assert client.get(reverse("web:my_submissions")).status_code == 200
    bad = client_for(None).post(
        reverse("web:signup"), {"username": "x2", "password1": "abc", "password2": "abd"}
    )
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


def test_leaderboard_rows_and_columns(client_for, phase, scored):
    import evaluators

    response = client_for("participant").get(reverse("web:leaderboard", args=[phase.pk]))
    html = response.content.decode()
    for column in evaluators.get_task("kits21").leaderboard_columns:
        assert column.title in html
    rows = response.context["rows"]
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    assert {r["participant"] for r in rows} == {"alice", "bob"}
    mine = [r for r in rows if r["mine"]]
    assert [r["participant"] for r in mine] == ["alice"]
    # the values shown are the evaluation's ranking scores
    evaluation = scored["participant"].latest_evaluation
    assert mine[0]["values"] == pytest.approx(evaluation.ranking_scores)
    # per-case results not released: aggregate box plot only, no per-case chart
    assert response.context["box_chart"] and response.context["case_chart"] is None
    assert "/static/web/vendor/plotly-cartesian" in html


def test_per_case_chart_when_released(client_for, phase, scored):
    phase.show_per_case = True
    phase.save()
    response = client_for(None).get(reverse("web:leaderboard", args=[phase.pk]))
    assert response.context["case_chart"] is not None
    assert 'data-chart="chart-cases"' in response.content.decode()


@pytest.mark.parametrize("visibility", ["hidden", "participants"])
def test_hidden_boards(client_for, phase, scored, visibility):
    phase.leaderboard_visibility = visibility
    phase.save()
    outsiders = ["stranger", None] + (["participant"] if visibility == "hidden" else [])
    for role in outsiders:
        client = client_for(role)
        response = client.get(reverse("web:leaderboard", args=[phase.pk]))
        assert response.status_code == 200
        assert "rows" not in response.context and "alice" not in response.content.decode().split("<main>")[1]
        assert client.get(reverse("web:leaderboard_csv", args=[phase.pk])).status_code == 404
        assert "leader:" not in client.get(reverse("web:home")).content.decode()
    organizer = client_for("organizer").get(reverse("web:leaderboard", args=[phase.pk]))
    assert len(organizer.context["rows"]) == 2


def test_submission_detail_permissions(client_for, phase, scored):
    own = scored["participant"]
    url = reverse("web:submission_detail", args=[own.pk])
    response = client_for("participant").get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="aggregates"' in html and 'id="per-case"' not in html
    assert "private until the organizers release them" in html
    assert client_for("other").get(url).status_code == 404
    assert client_for("stranger").get(url).status_code == 404
    organizer = client_for("organizer").get(url).content.decode()
    assert 'id="per-case"' in organizer and "Re-evaluate" in organizer
    phase.show_per_case = True
    phase.save()
    assert 'id="per-case"' in client_for("participant").get(url).content.decode()


def test_my_submissions_shows_failure_reason(client_for, phase, users):
    from arena.submissions.models import Submission

    Submission.objects.create(
        phase=phase, creator=users["participant"], status="failed",
        error="invalid predictions: case kits_0001 is missing", original_name="x.zip",
    )
    first = Submission.objects.create(phase=phase, creator=users["other"], status="pending")
    queued = Submission.objects.create(phase=phase, creator=users["participant"], status="queued")
    Submission.objects.filter(pk=first.pk).update(created=queued.created.replace(year=2020))
    detail = client_for("participant").get(reverse("web:submission_detail", args=[queued.pk]))
    assert "1 submission ahead in the queue" in detail.content.decode()
    response = client_for("participant").get(reverse("web:my_submissions"))
    html = response.content.decode()
    assert "case kits_0001 is missing" in html
    assert "data-autorefresh" in html  # a queued submission keeps the page refreshing
    assert "kits_0001 is missing" not in client_for("other").get(reverse("web:my_submissions")).content.decode()


def test_inputs_download(client_for, phase):
    assert client_for("stranger").get(reverse("web:inputs_download", args=[phase.pk])).status_code == 404
    assert client_for(None).get(reverse("web:inputs_download", args=[phase.pk])).status_code == 404
    response = client_for("participant").get(reverse("web:inputs_download", args=[phase.pk]))
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert names and all(n.startswith("inputs/") for n in names)
    assert not any("references" in n for n in names)


def test_notifications_page(client_for, phase, scored):
    client = client_for("participant")
    html = client.get(reverse("web:notifications")).content.decode()
    assert f"/submissions/{scored['participant'].pk}/" in html or "scored" in html.lower()
    client.post(reverse("web:notifications_read"))
    assert users_unread(scored["participant"].creator) == 0


def users_unread(user) -> int:
    from arena.notifications.services import unread_count

    return unread_count(user)


def test_plotly_bundle_is_served_locally(client_for, db):
    response = client_for(None).get(reverse("web:plotly_js"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert len(body) > 1_000_000 and b"plotly" in body[:2000].lower()
    assert response["Content-Type"].startswith("text/javascript")


def test_leaderboard_pages(client_for, phase, scored, monkeypatch):
    from arena.web.views import leaderboards

    monkeypatch.setattr(leaderboards, "ROWS_PER_PAGE", 1)
    client = client_for("other")
    first = client.get(reverse("web:leaderboard", args=[phase.pk]))
    second = client.get(reverse("web:leaderboard", args=[phase.pk]) + "?page=2")
    assert len(first.context["rows"]) == 1 and len(second.context["rows"]) == 1
    assert first.context["rows"][0]["rank"] < second.context["rows"][0]["rank"]
    html = first.content.decode()
    assert "Page 1 of 2" in html and "Your entries:" in html


def test_team_creation(client_for, challenge, phase, users):
    client = client_for("participant")
    page = client.get(reverse("web:challenge_detail", args=["kits"])).content.decode()
    assert "Create team" in page
    bad = client.post(reverse("web:team_create", args=["kits"]), {"name": "Kidneys", "members": "nobody"}, follow=True)
    assert "no user named &#x27;nobody&#x27;" in bad.content.decode()
    outsider = client.post(reverse("web:team_create", args=["kits"]), {"name": "Kidneys", "members": "sam"}, follow=True)
    assert "not an approved participant" in outsider.content.decode()
    ok = client.post(reverse("web:team_create", args=["kits"]), {"name": "Kidneys", "members": "bob"}, follow=True)
    html = ok.content.decode()
    assert "Team &#x27;Kidneys&#x27; created" in html and "Invited: bob" in html
    team = challenge.teams.get(name="Kidneys")
    assert list(team.members.values_list("username", flat=True)) == ["alice"]  # not drafted


def _own_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_team_invitation_accept_decline_leave_pages(challenge, phase, users):
    from arena.notifications.models import Notification

    alice, bob = _own_client(users["participant"]), _own_client(users["other"])
    alice.post(reverse("web:team_create", args=["kits"]), {"name": "Kidneys"})
    team = challenge.teams.get(name="Kidneys")
    sent = alice.post(reverse("web:team_invite", args=["kits"]), {"username": "bob"}, follow=True)
    assert "bob is invited to Kidneys" in sent.content.decode()
    assert Notification.objects.filter(user=users["other"], text__contains="invites you to join team Kidneys").exists()
    invitation = team.invitations.get()
    page = bob.get(reverse("web:challenge_detail", args=["kits"])).content.decode()
    assert "invites you to <strong>Kidneys</strong>" in page
    # only the invitee can answer: alice (or anyone else) gets 404
    assert alice.post(reverse("web:invitation_accept", args=[invitation.pk])).status_code == 404
    assert _own_client(users["stranger"]).post(reverse("web:invitation_accept", args=[invitation.pk])).status_code == 404
    joined = bob.post(reverse("web:invitation_accept", args=[invitation.pk]), follow=True).content.decode()
    assert "You joined Kidneys" in joined and "alice, bob" in joined
    again = bob.post(reverse("web:invitation_decline", args=[invitation.pk]), follow=True).content.decode()
    assert "already accepted" in again
    left = bob.post(reverse("web:team_leave", args=["kits"]), follow=True).content.decode()
    assert "You left Kidneys" in left and "Create team" in left
    assert list(team.members.values_list("username", flat=True)) == ["alice"]
    assert bob.post(reverse("web:team_leave", args=["kits"])).status_code == 404  # no team any more
    alice.post(reverse("web:team_invite", args=["kits"]), {"username": "bob"})
    declined = bob.post(reverse("web:invitation_decline", args=[team.invitations.get(status="pending").pk]), follow=True)
    assert "You declined the invitation to Kidneys" in declined.content.decode()
    assert list(team.members.values_list("username", flat=True)) == ["alice"]
    assert Notification.objects.filter(user=users["participant"], text__contains="bob declined").exists()


def test_cancel_pending_submission(client_for, phase, users, scored):
    from arena.submissions.models import Submission

    pending = Submission.objects.create(phase=phase, creator=users["participant"], status="queued")
    assert client_for("other").post(reverse("web:submission_cancel", args=[pending.pk])).status_code == 404
    client = client_for("participant")
    response = client.post(reverse("web:submission_cancel", args=[pending.pk]), follow=True)
    assert f"Submission {pending.pk} cancelled." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "cancelled"
    done = client.post(reverse("web:submission_cancel", args=[scored["participant"].pk]), follow=True)
    assert "has already finished" in done.content.decode()
