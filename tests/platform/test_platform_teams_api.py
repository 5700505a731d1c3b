"""Teams over the API: create, read, the service's rules as 400s naming the field, and a team's
submissions counted against one shared quota."""

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
    expected = {"challenge": "kits", "team": {"name": "Kidney Crew", "members": ["alice", "bob"]}}
    assert created.json() == expected
    assert _client(users["other"]).get("/api/v1/challenges/kits/team/").json() == expected


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
    joined = bob.post("/api/v1/challenges/kits/team/", {"name": "B", "members": ["alice"]}, format="json")
    assert joined.status_code == 400 and "alice is already in a team" in joined.json()["error"]


def test_anonymous_and_invisible(challenge, users):
    assert _client().post("/api/v1/challenges/kits/team/", {"name": "A"}, format="json").status_code == 401
    response = _client(users["participant"]).get("/api/v1/challenges/nope/team/")
    assert response.status_code == 404
