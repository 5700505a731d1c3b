"""Team invitations end to end (API, services, database): the invitee decides, one team per
participant and challenge, leaving works, and team submissions are visible to a member only
from the moment they joined (list, detail, per-case, web pages, job API)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from arena.notifications.models import Notification
from arena.participation.models import Invitation, Membership
from arena.participation.services import ParticipationError, accept_invitation, create_team, invite
from arena.submissions.models import Submission
from tests.support.django_setup import team_of

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def carol(django_user_model, challenge):
    from arena.participation.models import Registration

    user = django_user_model.objects.create_user("carol", "carol@example.org", "pw-carol-123")
    Registration.objects.create(user=user, challenge=challenge, status="approved")
    return user


def test_invite_notifies_and_only_the_invitee_answers(challenge, users):
    alice, bob = users["participant"], users["other"]
    assert _api(alice).post("/api/v1/challenges/kits/team/", {"name": "T"}, format="json").status_code == 201
    sent = _api(alice).post("/api/v1/challenges/kits/team/invitations/", {"username": "bob"}, format="json")
    assert sent.status_code == 201, sent.content
    note = Notification.objects.get(user=bob)
    assert "alice invites you to join team T" in note.text and note.link == "/challenges/kits/#team"
    again = _api(alice).post("/api/v1/challenges/kits/team/invitations/", {"username": "bob"}, format="json")
    assert again.status_code == 400 and "already invited" in again.json()["error"]
    pk = sent.json()["id"]
    for role in ("participant", "stranger", "organizer", "admin"):  # nobody but bob: 404
        assert _api(users[role]).post(f"/api/v1/invitations/{pk}/accept/").status_code == 404, role
        assert _api(users[role]).post(f"/api/v1/invitations/{pk}/decline/").status_code == 404, role
    assert APIClient().post(f"/api/v1/invitations/{pk}/accept/").status_code == 401
    declined = _api(bob).post(f"/api/v1/invitations/{pk}/decline/")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    late = _api(bob).post(f"/api/v1/invitations/{pk}/accept/")
    assert late.status_code == 400 and "already declined" in late.json()["error"]
    assert Membership.objects.filter(user=bob).count() == 0
    assert Notification.objects.filter(user=alice, text__contains="bob declined").exists()


@pytest.mark.parametrize(
    "body, needle",
    [
        ({}, "Field 'username'"),
        ({"username": "nobody"}, "Field 'username': no user named 'nobody'"),
        ({"username": "sam"}, "sam is not an approved participant"),
        ({"username": "alice"}, "already in this team"),
    ],
)
def test_refused_invitations_name_the_problem(challenge, users, body, needle):
    create_team(challenge, "T", users["participant"])
    response = _api(users["participant"]).post(
        "/api/v1/challenges/kits/team/invitations/", body, format="json"
    )
    assert response.status_code == 400 and needle in response.json()["error"], response.content
    assert not Invitation.objects.exists()


def test_only_members_invite_and_leave(challenge, users):
    create_team(challenge, "T", users["participant"])
    bob = _api(users["other"])
    assert bob.post("/api/v1/challenges/kits/team/invitations/", {"username": "alice"},
                    format="json").status_code == 404  # bob has no team
    assert bob.post("/api/v1/challenges/kits/team/leave/").status_code == 404
    assert _api(users["stranger"]).post("/api/v1/challenges/kits/team/leave/").status_code == 404


def test_cannot_join_two_teams_in_a_challenge(challenge, users, carol):
    alice, bob = users["participant"], users["other"]
    team_a = create_team(challenge, "A", alice)
    team_c = create_team(challenge, "C", carol)
    to_a, to_c = invite(team_a, alice, bob), invite(team_c, carol, bob)
    accept_invitation(to_a.pk, bob)
    to_c.refresh_from_db()
    assert to_c.status == "cancelled"  # accepting one cancels the others in the challenge
    with pytest.raises(ParticipationError, match="already accepted|already cancelled|no longer"):
        accept_invitation(to_c.pk, bob)
    with pytest.raises(ParticipationError, match="bob is already in a team"):
        invite(team_c, carol, bob)
    # the database refuses a second team in the challenge even when the services are bypassed
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(team=team_c, user=bob, challenge=challenge, joined=timezone.now())
    # founding a team while in one is refused too
    response = _api(bob).post("/api/v1/challenges/kits/team/", {"name": "B"}, format="json")
    assert response.status_code == 400 and "bob is already in a team" in response.json()["error"]


def _submission(phase, user, team, created) -> Submission:
    sub = Submission.objects.create(phase=phase, creator=user, team=team, status="queued",
                                    comment=f"by {user.username}")
    Submission.objects.filter(pk=sub.pk).update(created=created)
    return Submission.objects.get(pk=sub.pk)


def _listed(user, phase) -> set[int]:
    body = _api(user).get(f"/api/v1/phases/{phase.pk}/submissions/").json()
    return {s["id"] for s in body}


def test_member_sees_team_submissions_only_since_joining_and_until_leaving(challenge, phase, users):
    alice, bob = users["participant"], users["other"]
    team = create_team(challenge, "T", alice)
    before = _submission(phase, alice, team, timezone.now() - dt.timedelta(hours=1))
    accept_invitation(invite(team, alice, bob).pk, bob)
    after = _submission(phase, alice, team, timezone.now() + dt.timedelta(seconds=1))
    bobs = _submission(phase, bob, team, timezone.now() + dt.timedelta(seconds=2))

    assert _listed(bob, phase) == {after.pk, bobs.pk}
    assert _listed(alice, phase) == {before.pk, after.pk, bobs.pk}
    assert _api(bob).get(f"/api/v1/submissions/{before.pk}/").status_code == 404
    assert _api(bob).get(f"/api/v1/submissions/{before.pk}/?cases=1").status_code == 404
    assert _api(bob).get(f"/api/v1/submissions/{before.pk}/job/").status_code == 404
    assert _api(bob).get(f"/api/v1/submissions/{after.pk}/").status_code == 200
    assert _web(bob).get(f"/submissions/{before.pk}/").status_code == 404
    assert _web(bob).get(f"/submissions/{after.pk}/").status_code == 200
    page = _web(bob).get("/submissions/").content.decode()
    assert "by alice" in page  # the later team submission's comment
    assert f"/submissions/{before.pk}/" not in page

    # bob leaves: the team's submissions are gone for him, his own stay his
    assert _api(bob).post("/api/v1/challenges/kits/team/leave/").status_code == 200
    assert _listed(bob, phase) == {bobs.pk}
    assert _api(bob).get(f"/api/v1/submissions/{after.pk}/").status_code == 404
    assert _web(bob).get(f"/submissions/{after.pk}/").status_code == 404
    assert _api(bob).get("/api/v1/challenges/kits/team/").json()["team"] is None
    assert _listed(alice, phase) == {before.pk, after.pk, bobs.pk}
    assert Notification.objects.filter(user=alice, text="bob left team T.").exists()


def test_one_board_row_per_team(challenge, phase, users):
    from arena.evaluation.models import Evaluation
    from arena.leaderboards.models import LeaderboardEntry
    from arena.leaderboards.services import recompute_leaderboard

    alice, bob = users["participant"], users["other"]
    team = team_of(challenge, "T", alice, bob)
    for user, score in ((alice, 0.5), (bob, 0.7)):
        sub = Submission.objects.create(phase=phase, creator=user, team=team, status="succeeded")
        scores = {"mean_dice": score, "mean_sd": score}
        Evaluation.objects.create(submission=sub, attempt=1, evaluators_version="0", reference_digest="0" * 64,
                                  metrics_json={"ranking_scores": scores}, aggregates={},
                                  ranking_scores=scores)
    recompute_leaderboard(phase)
    rows = list(LeaderboardEntry.objects.filter(phase=phase).values_list("participant", flat=True))
    assert rows == ["T"]
