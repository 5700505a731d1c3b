"""Permissions matrix: anonymous / participant (owner) / other participant / stranger (logged
in, not registered) / organizer / admin against every API endpoint and every web view.

Sentinel values make leaks detectable: the hidden board's score, the per-case value of a phase
whose per-case results are not released, the reference folder's path and a private comment."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from arena.challenges.models import Challenge, Phase
from arena.evaluation.models import Evaluation
from arena.leaderboards.services import recompute_leaderboard
from arena.participation.models import Registration
from arena.participation.services import create_team, team_for
from arena.submissions.models import Submission

ROLES = ("anonymous", "participant", "other", "stranger", "organizer", "admin")
HIDDEN_SCORE = 0.3131313131  # shown as 0.3131...
PER_CASE = 0.4242424242  # per-case value, not released on phase "A"
COMMENT = "private-comment-xyzzy"


def _metrics(score: float) -> dict:
    return {
        "task": "kits21",
        "evaluators_version": "0.1.0",
        "reference_digest": "0" * 64,
        "case": {"case_00000": {"tumor": {"dice": PER_CASE}}},
        "aggregates": {"tumor": {"dice": {"mean": score, "count": 1}}},
        "ranking_scores": {"mean_dice": score, "mean_sd": score, "tumor/dice": score},
        "missing_cases": [],
        "extra_files": [],
        "notes": [],
    }


def _scored(phase: Phase, user, score: float) -> Submission:
    sub = Submission.objects.create(
        phase=phase,
        creator=user,
        team=team_for(user, phase.challenge),
        status="succeeded",
        comment=COMMENT,
        predictions_path="",
    )
    metrics = _metrics(score)
    Evaluation.objects.create(
        submission=sub,
        attempt=1,
        evaluators_version="0.1.0",
        reference_digest="0" * 64,
        metrics_json=metrics,
        aggregates=metrics["aggregates"],
        ranking_scores=metrics["ranking_scores"],
    )
    recompute_leaderboard(phase)
    return sub


@pytest.fixture
def world(challenge, phase, users, dataset_dir):
    create_team(challenge, "Team Zebra", users["participant"])
    common = dict(
        challenge=challenge,
        task="kits21",
        inputs_path=str(dataset_dir / "inputs"),
        references_path=str(dataset_dir / "references"),
    )
    hidden = Phase.objects.create(slug="final", title="Final", leaderboard_visibility="hidden", **common)
    members = Phase.objects.create(
        slug="members", title="Members", leaderboard_visibility="participants", **common
    )
    private = Challenge.objects.create(slug="secret", title="Secret", is_public=False)
    private.organizers.add(users["organizer"])
    private_phase = Phase.objects.create(
        challenge=private, slug="p", title="P", task="kits21", references_path="x"
    )
    return {
        "A": phase,
        "H": hidden,
        "M": members,
        "X": private_phase,
        "sub": _scored(phase, users["participant"], 0.75),
        "hidden_sub": _scored(hidden, users["participant"], HIDDEN_SCORE),
        "members_sub": _scored(members, users["participant"], 0.5),
        "refs": str(dataset_dir / "references"),
    }


def _api(role, users) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(users[role])
    return client


ALL = dict.fromkeys(ROLES, 200)
ORG = {"organizer", "admin"}


def _expect(default: int, **over) -> dict:
    out = dict.fromkeys(ROLES, default)
    out.update(over)
    return out


API_MATRIX = {
    "challenge list": ("get", "/api/v1/challenges/", ALL),
    "challenge detail": ("get", "/api/v1/challenges/kits/", ALL),
    "private challenge": (
        "get",
        "/api/v1/challenges/secret/",
        _expect(404, organizer=200, admin=200),
    ),
    "private phase": ("get", "/api/v1/phases/{X}/", _expect(404, organizer=200, admin=200)),
    "phase detail": ("get", "/api/v1/phases/{A}/", ALL),
    "public board": ("get", "/api/v1/phases/{A}/leaderboard/", ALL),
    "public board csv": ("get", "/api/v1/phases/{A}/leaderboard/?format=csv", ALL),
    "hidden board": ("get", "/api/v1/phases/{H}/leaderboard/", _expect(403, organizer=200, admin=200)),
    "hidden board csv": (
        "get",
        "/api/v1/phases/{H}/leaderboard/?format=csv",
        _expect(403, organizer=200, admin=200),
    ),
    "members board": (
        "get",
        "/api/v1/phases/{M}/leaderboard/",
        _expect(200, anonymous=403, stranger=403),
    ),
    "own submission": (
        "get",
        "/api/v1/submissions/{sub}/",
        _expect(404, participant=200, organizer=200, admin=200),
    ),
    "per-case not released": (
        "get",
        "/api/v1/submissions/{sub}/?cases=1",
        _expect(404, participant=403, organizer=200, admin=200),
    ),
    "my submissions": ("get", "/api/v1/phases/{A}/submissions/", _expect(200, anonymous=401)),
    "all submissions": (
        "get",
        "/api/v1/phases/{A}/submissions/?all=1",
        _expect(403, anonymous=401, organizer=200, admin=200),
    ),
    "inputs": (
        "get",
        "/api/v1/phases/{A}/inputs/",
        _expect(200, anonymous=401, stranger=403),
    ),
    "reevaluate submission": (
        "post",
        "/api/v1/submissions/{sub}/reevaluate/",
        _expect(404, anonymous=401, participant=403, organizer=200, admin=200),
    ),
    "reevaluate phase": (
        "post",
        "/api/v1/phases/{A}/reevaluate/",
        _expect(403, anonymous=401, organizer=200, admin=200),
    ),
    "cancel submission": (
        "post",
        "/api/v1/submissions/{sub}/cancel/",
        _expect(404, anonymous=401, participant=200, organizer=200, admin=200),
    ),
    "join": (
        "post",
        "/api/v1/challenges/kits/join/",
        _expect(201, anonymous=401, participant=200, other=200),
    ),
    "schema": ("get", "/api/v1/schema/", ALL),
    "my team": ("get", "/api/v1/challenges/kits/team/", _expect(200, anonymous=401)),
    "private challenge team": (
        "get",
        "/api/v1/challenges/secret/team/",
        _expect(404, anonymous=401, organizer=200, admin=200),
    ),
    # a prediction submission has no container job: 404 for everyone, never a leak
    "container job": ("get", "/api/v1/submissions/{sub}/job/", _expect(404)),
}


def _fill(template: str, world) -> str:
    return template.format(
        A=world["A"].pk, H=world["H"].pk, M=world["M"].pk, X=world["X"].pk, sub=world["sub"].pk
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(API_MATRIX))
def test_api_matrix(name, role, world, users):
    method, template, expected = API_MATRIX[name]
    response = getattr(_api(role, users), method)(_fill(template, world))
    assert response.status_code == expected[role], (name, role, response.content[:300])
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert world["refs"].encode() not in body
    assert Path(world["refs"]).name.encode() + b"/" not in body
    if role not in ORG:
        assert b"0.3131" not in body, "hidden board score leaked"
        assert b"0.4242" not in body, "unreleased per-case value leaked"
    if role not in ("participant", *ORG):
        assert COMMENT.encode() not in body, "another participant's submission leaked"


def test_owner_metrics_hidden_while_board_hidden(world, users):
    data = _api("participant", users).get(f"/api/v1/submissions/{world['hidden_sub'].pk}/").json()
    assert data["status"] == "succeeded" and data["metrics"] is None
    data = _api("participant", users).get(f"/api/v1/submissions/{world['sub'].pk}/").json()
    assert data["metrics"]["ranking_scores"]["mean_dice"] == 0.75
    assert data["participant"] == "Team Zebra"


def test_submission_lists(world, users):
    mine = _api("participant", users).get(f"/api/v1/phases/{world['A'].pk}/submissions/").json()
    assert [s["id"] for s in mine] == [world["sub"].pk]
    assert _api("other", users).get(f"/api/v1/phases/{world['A'].pk}/submissions/").json() == []
    every = _api("organizer", users).get(f"/api/v1/phases/{world['A'].pk}/submissions/?all=1")
    assert [s["id"] for s in every.json()] == [world["sub"].pk]


def test_per_case_released(world, users):
    world["A"].show_per_case = True
    world["A"].save()
    response = _api("participant", users).get(f"/api/v1/submissions/{world['sub'].pk}/?cases=1")
    assert response.status_code == 200
    assert response.json()["cases"] == [
        {"case": "case_00000", "region": "tumor", "metric": "dice", "value": PER_CASE}
    ]


# ---- web views (platform-web's UI): same rules, checked through the Django test client ----

WEB_GET = {
    # name: (url kwargs builder, roles that get 200; the others must not see a 200 with data)
    "web:home": (lambda w: {}, set(ROLES)),
    "web:challenge_list": (lambda w: {}, set(ROLES)),
    "web:challenge_detail": (lambda w: {"slug": "kits"}, set(ROLES)),
    "web:leaderboard": (lambda w: {"phase_id": w["A"].pk}, set(ROLES)),
    "web:leaderboard_csv": (lambda w: {"phase_id": w["A"].pk}, set(ROLES)),
    "web:submit": (lambda w: {"phase_id": w["A"].pk}, set(ROLES) - {"anonymous"}),
    "web:my_submissions": (lambda w: {}, set(ROLES) - {"anonymous"}),
    "web:notifications": (lambda w: {}, set(ROLES) - {"anonymous"}),
    "web:submission_detail": (lambda w: {"submission_id": w["sub"].pk}, {"participant", *ORG}),
    "web:inputs_download": (
        lambda w: {"phase_id": w["A"].pk},
        {"participant", "other", *ORG},
    ),
    "web:phase_manage": (lambda w: {"phase_id": w["A"].pk}, ORG),
    "web:hidden_board": (lambda w: {"phase_id": w["H"].pk}, set(ROLES)),
    "web:hidden_csv": (lambda w: {"phase_id": w["H"].pk}, ORG),
    "web:private_challenge": (lambda w: {"slug": "secret"}, ORG),
}
_ALIASES = {
    "web:hidden_board": "web:leaderboard",
    "web:hidden_csv": "web:leaderboard_csv",
    "web:private_challenge": "web:challenge_detail",
}


def _web(role, users) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(WEB_GET))
def test_web_matrix(name, role, world, users):
    kwargs, allowed = WEB_GET[name]
    try:
        url = reverse(_ALIASES.get(name, name), kwargs=kwargs(world))
    except NoReverseMatch:
        pytest.skip(f"{name} is not part of the web UI")
    response = _web(role, users).get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if role in allowed:
        assert response.status_code == 200, (name, role, response.status_code)
    else:
        assert response.status_code in (302, 403, 404), (name, role, response.status_code)
    if role not in ORG:  # organizer pages may show where the references live, never content
        assert b"0.3131" not in body, "hidden board score leaked"
        assert b"0.4242" not in body, "unreleased per-case value leaked"
    if role not in ("participant", *ORG):
        assert COMMENT.encode() not in body


WEB_POST = {
    "web:phase_reevaluate": lambda w: {"phase_id": w["A"].pk},
    "web:submission_reevaluate": lambda w: {"submission_id": w["sub"].pk},
    "web:submission_cancel": lambda w: {"submission_id": w["sub"].pk},
    "web:phase_visibility": lambda w: {"phase_id": w["A"].pk},
}


@pytest.mark.parametrize("role", ["anonymous", "other", "stranger"])
@pytest.mark.parametrize("name", sorted(WEB_POST))
def test_web_actions_refused(name, role, world, users):
    try:
        url = reverse(name, kwargs=WEB_POST[name](world))
    except NoReverseMatch:
        pytest.skip(f"{name} is not part of the web UI")
    sub, phase = world["sub"], world["A"]
    response = _web(role, users).post(url, {"visibility": "hidden", "leaderboard_visibility": "hidden"})
    assert response.status_code in (302, 403, 404)
    sub.refresh_from_db()
    phase.refresh_from_db()
    assert sub.attempt == 1 and sub.status == "succeeded"
    assert phase.leaderboard_visibility == "public"


def test_admin_only_for_staff(world, users):
    for role in ROLES:
        response = _web(role, users).get("/admin/submissions/submission/")
        assert response.status_code == (200 if role == "admin" else 302), role


def test_registration_roles(world, users):
    assert Registration.objects.filter(user=users["stranger"]).count() == 0
