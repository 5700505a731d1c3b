"""Teams over the API: found, invite, accept, decline, leave; nobody is drafted; one team per
participant and challenge; the service's rules as 400s naming the field; a member sees the team's
submissions only from the moment they joined and loses them when leaving."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_create_and_read_a_team(challenge, users):
    alice = _client(users["participant"])
    assert alice.get("/api/v1/challenges/kits/team/").json() == {"challenge": "kits", "team": None}
    created = alice.post("/api/v1/challenges/kits/team/", {"name": "Kidney Crew", "members": ["bob"]},
                         format="json")
    assert created.status_code == 201, created.content
    expected = {"challenge": "kits",
                "team": {"name": "Kidney Crew", "members": ["alice"], "invited": ["bob"]}}
    assert created.json() == expected
    # bob was invited, not drafted: no team until he accepts
    bob = _client(users["other"])
    assert bob.get("/api/v1/challenges/kits/team/").json() == {"challenge": "kits", "team": None}
    (invitation,) = bob.get("/api/v1/invitations/").json()
    assert (invitation["team"], invitation["invited_by"], invitation["status"]) == (
        "Kidney Crew", "alice", "pending")
    accepted = bob.post(f"/api/v1/invitations/{invitation['id']}/accept/")
    assert accepted.status_code == 200, accepted.content
    both = {"challenge": "kits",
            "team": {"name": "Kidney Crew", "members": ["alice", "bob"], "invited": []}}
    assert accepted.json() == both
    assert alice.get("/api/v1/challenges/kits/team/").json() == both
    assert bob.get("/api/v1/invitations/").json() == []


@pytest.mark.parametrize(
    "body, needle",
    [
        ({"members": ["bob"]}, "field 'name'"),
        ({"name": "   "}, "field 'name'"),
        ({"name": "x" * 101}, "field 'name'"),
        ({"name": "T", "members": "bob"}, "field 'members': expected a list"),
        ({"name": "T", "members": ["nobody"]}, "no user named 'nobody'"),
        ({"name": "T", "members": ["sam"]}, "sam is not an approved participant"),
    ],
)
def test_refused_team_requests_name_the_problem(challenge, users, body, needle):
    response = _client(users["participant"]).post("/api/v1/challenges/kits/team/", body, format="json")
    assert response.status_code == 400 and needle in response.json()["error"], response.content
    from arena.participation.models import Team

    assert not Team.objects.exists()  # nothing half-made


def test_one_team_per_participant_and_unique_names(challenge, users):
    alice, bob = _client(users["participant"]), _client(users["other"])
    assert alice.post("/api/v1/challenges/kits/team/", {"name": "A"}, format="json").status_code == 201
    again = bob.post("/api/v1/challenges/kits/team/", {"name": "A"}, format="json")
    assert again.status_code == 400 and "already exists" in again.json()["error"]
    drafted = bob.post("/api/v1/challenges/kits/team/", {"name": "B", "members": ["alice"]}, format="json")
    assert drafted.status_code == 400 and "alice is already in a team" in drafted.json()["error"]


def test_anonymous_and_invisible(challenge, users):
    assert _client().post("/api/v1/challenges/kits/team/", {"name": "A"}, format="json").status_code == 401
    response = _client(users["participant"]).get("/api/v1/challenges/nope/team/")
    assert response.status_code == 404
