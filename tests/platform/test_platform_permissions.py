"""Access control proven: the URL configuration × every role, against the one table in
``tests/platform/permission_table.py``.

- ``test_every_url_pattern_has_a_row`` walks ``django.urls.get_resolver()``: a pattern without a
  row (or a row without a pattern, or a URL parameter without a world object) fails, naming it.
- ``test_access`` runs every probe of the table as every role; every object id in a URL is one
  that belongs to somebody else for most roles (alice's submission, bob's invitation to alice,
  a pending registration, phases of challenges the role does not organize): no IDOR.
- Sentinels make leaks detectable in every answer: the hidden board's score, the per-case value
  of a phase whose per-case results are not released, the reference folder's path and alice's
  private comment, the organizers' audit note and alice's API token name. A refused request
  changes nothing (world snapshot before/after: also frozen boards and their snapshots,
  disqualifications, audit entries and API tokens).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from rest_framework.test import APIClient

from arena.api.models import ApiToken
from arena.api.tokens import issue_token
from arena.challenges import audit
from arena.challenges.models import (
    AuditEntry,
    BundleVersion,
    Challenge,
    ChallengePage,
    OrganizerInvitation,
    Phase,
)
from arena.challenges.services import configure_phase_dataset
from arena.evaluation.models import Evaluation
from arena.leaderboards.disqualify import disqualify
from arena.leaderboards.models import BoardRobustness, BoardSnapshot, Disqualification
from arena.leaderboards.services import recompute_leaderboard
from arena.leaderboards.snapshots import freeze_board
from arena.participation.models import Invitation, Membership, Registration, Team
from arena.participation.services import create_team, invite, team_for
from arena.submissions.models import Submission
from tests.platform.permission_table import (
    ADMIN_PREFIX,
    ADMIN_PROBES,
    OBJECTS,
    OWNER_ROLES,
    PRIVATE_PARAMETERS,
    ROLES,
    TABLE,
)

TABLE_FILE = "tests/platform/permission_table.py"
#: table role → the user of ``tests.support.django_setup.ROLE_ACCOUNTS`` (or "otto" below)
ROLE_USER = {
    "stranger": "stranger",
    "participant": "participant",
    "other_team": "other",
    "other_organizer": "otto",
    "organizer": "organizer",
    "staff": "admin",
}
HIDDEN_SCORE = 0.3131313131
PER_CASE = 0.4242424242  # per-case value, not released on the default phase
RELEASED_CASE = 0.1717171717  # per-case value of the phases whose per-case results are released
COMMENT = "private-comment-xyzzy"
AUDIT_NOTE = "audit-note-plugh"  # an entry of kits' audit log: organizers of kits and staff only
TOKEN_NAME = "token-name-quux"  # alice's API token: hers alone
PRIVILEGED = {"participant", "organizer", "staff"}  # may see alice's submission


# ---------------------------------------------------------------- the URL configuration


def url_patterns() -> dict[str, str]:
    """Every URL pattern of the site outside the admin: route string → a description (name
    and view) for messages."""
    found: dict[str, str] = {}

    def walk(resolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith(ADMIN_PREFIX):
                    continue  # one staff-only block: ADMIN_PROBES
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern, route, inner)
            else:
                view = getattr(pattern.callback, "view_class", pattern.callback)
                name = f"{namespace}{pattern.name}" if pattern.name else "(unnamed)"
                found[route] = f"name {name!r}, view {view.__module__}.{view.__qualname__}"

    walk(get_resolver(), "", "")
    return found


def _parameters(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route)


def test_every_url_pattern_has_a_row():
    patterns = url_patterns()
    problems = []
    for route, description in sorted(patterns.items()):
        if route not in TABLE:
            problems.append(
                f"URL pattern {route!r} ({description}) has no row in {TABLE_FILE}; add\n"
                f"    {route!r}: [P(\"GET\", E(404, participant=200, organizer=200, staff=200))],\n"
                "  with the status each role must get (one P per method / variant)."
            )
        for parameter in _parameters(route):
            if parameter not in OBJECTS:
                problems.append(
                    f"URL parameter {parameter!r} of {route!r} has no world object: add "
                    f"OBJECTS[{parameter!r}] in {TABLE_FILE} and build that object, owned by the "
                    "participant, in the world fixture of tests/platform/test_platform_permissions.py."
                )
    for route in sorted(set(TABLE) - set(patterns)):
        problems.append(f"row {route!r} of {TABLE_FILE} matches no URL pattern: remove or rename it.")
    assert not problems, "\n".join(problems)


def test_private_objects_never_served_to_others():
    """A table that grants another user's submission, invitation or registration to a role
    other than its owner and the organizers is itself wrong."""
    for route, probes in TABLE.items():
        private = set(_parameters(route)) & PRIVATE_PARAMETERS
        for probe in probes:
            if not private or probe.method != "GET":
                continue
            granted = {r for r, code in probe.expect.items() if 200 <= code < 300}
            assert granted <= OWNER_ROLES, (route, probe, granted - OWNER_ROLES)


# ---------------------------------------------------------------- the world


def _metrics(score: float, case: float = PER_CASE) -> dict:
    return {
        "task": "kits21",
        "evaluators_version": "0.1.0",
        "reference_digest": "0" * 64,
        "case": {"case_00000": {"tumor": {"dice": case}}},
        "aggregates": {"tumor": {"dice": {"mean": score, "count": 1}}},
        "ranking_scores": {"mean_dice": score, "mean_sd": score, "tumor/dice": score},
        "missing_cases": [],
        "extra_files": [],
        "notes": [],
    }


def _scored(phase: Phase, user, score: float, case: float = PER_CASE) -> Submission:
    sub = Submission.objects.create(
        phase=phase,
        creator=user,
        team=team_for(user, phase.challenge),
        status="succeeded",
        comment=COMMENT if user.username == "alice" else "",
        predictions_path="",
    )
    metrics = _metrics(score, case)
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
def world(challenge, phase, users, dataset_dir, django_user_model):
    """Challenge "kits" (olga organizes): alice founded Team Zebra, bob founded Team Yak and
    invited alice before she founded hers (the invitation is still pending); carol is an approved
    participant without a team, pat waits for approval. "secret" is a private challenge of olga's;
    "other" is otto's public challenge. Phases: public, hidden, participants-only; and four
    final (frozen, with a signed snapshot) boards: public with per-case results released
    ("released"), public without ("sealed"), participants-only released, hidden released.
    alice holds an API token; kits' audit log holds a note; alice's "sealed" submission is
    disqualified (the frozen board keeps it)."""
    users["otto"] = django_user_model.objects.create_user("otto", "otto@example.org", "pw-otto-123")
    for name in ("carol", "pat"):
        users[name] = django_user_model.objects.create_user(name, f"{name}@example.org", f"pw-{name}-123")
    Registration.objects.create(user=users["carol"], challenge=challenge, status="approved")
    pending = Registration.objects.create(user=users["pat"], challenge=challenge, status="pending")
    yak = create_team(challenge, "Team Yak", users["other"])
    invitation = invite(yak, users["other"], users["participant"])
    create_team(challenge, "Team Zebra", users["participant"])
    common = dict(challenge=challenge, task="kits21")
    hidden = Phase.objects.create(slug="final", title="Final", leaderboard_visibility="hidden", **common)
    members = Phase.objects.create(
        slug="members", title="Members", leaderboard_visibility="participants", **common
    )
    configure_phase_dataset(hidden, dataset_dir)
    configure_phase_dataset(members, dataset_dir)
    secret = Challenge.objects.create(slug="secret", title="Secret", is_public=False)
    secret.organizers.add(users["organizer"])
    private_phase = Phase.objects.create(
        challenge=secret, slug="p", title="P", task="kits21", references_path="x"
    )
    other = Challenge.objects.create(slug="other", title="Other", is_public=True)
    other.organizers.add(users["otto"])
    other_phase = Phase.objects.create(challenge=other, slug="o", title="O", task="kits21")
    configure_phase_dataset(other_phase, dataset_dir)
    submission = _scored(phase, users["participant"], 0.75)
    _scored(hidden, users["participant"], HIDDEN_SCORE)
    _scored(members, users["participant"], 0.5)
    _scored(phase, users["other"], 0.6)
    for board, score in ((phase, 0.75), (hidden, HIDDEN_SCORE), (members, 0.5)):
        # the cached analysis the robustness API serves (its Celery task is not run here)
        BoardRobustness.objects.create(
            phase=board, board_digest="x", status="ready", samples=10, entries=1,
            result={"task": "kits21", "ranking": [{"name": "alice", "rank": 1, "score": score}],
                    "significance": {}, "bootstrap": {}},
        )
    finals = {}
    for name, visibility, released, score in (
        ("released", "public", True, 0.8),
        ("sealed", "public", False, 0.8),
        ("members_released", "participants", True, 0.8),
        ("hidden_released", "hidden", True, HIDDEN_SCORE),
    ):
        # no dataset imported (the scores are given): the snapshot does not need one
        board = Phase.objects.create(slug=name.replace("_", "-"), title=name, show_per_case=released,
                                     leaderboard_visibility=visibility, **common)
        # the per-case value a role may see on a released board that it sees; the sentinel else
        case = RELEASED_CASE if released and visibility != "hidden" else PER_CASE
        finals[name] = board, _scored(board, users["participant"], score, case)
        if name == "released":  # a board of two: everyone's per-case results, once released
            _scored(board, users["other"], 0.6, case)
        freeze_board(board, by=users["organizer"])
    disqualify(finals["sealed"][1], "late", by=users["organizer"])
    audit.record(AuditEntry.Action.PHASE_EDIT, phase=phase, actor=users["organizer"], summary=AUDIT_NOTE)
    audit.record(AuditEntry.Action.PHASE_EDIT, phase=other_phase, actor=users["otto"], summary="otto's")
    token, _ = issue_token(users["participant"], TOKEN_NAME)
    organizer_invitation = OrganizerInvitation.objects.create(
        challenge=challenge, invitee=users["participant"], invited_by=users["organizer"])
    ChallengePage.objects.create(challenge=challenge, slug="overview", title="Overview", body="# Hi")
    return {
        "objects": {
            "overview": "overview",
            "kits": "kits",
            "secret": "secret",
            "other": "other",
            "released_phase": finals["released"][0].pk,
            "sealed_phase": finals["sealed"][0].pk,
            "members_released_phase": finals["members_released"][0].pk,
            "hidden_released_phase": finals["hidden_released"][0].pk,
            "released_submission": finals["released"][1].pk,
            "hidden_released_submission": finals["hidden_released"][1].pk,
            "disqualified_submission": finals["sealed"][1].pk,
            "token": token.pk,
            "phase": phase.pk,
            "hidden_phase": hidden.pk,
            "members_phase": members.pk,
            "private_phase": private_phase.pk,
            "other_phase": other_phase.pk,
            "submission": submission.pk,
            "invitation": invitation.pk,
            "registration": pending.pk,
            "organizer_invitation": organizer_invitation.pk,
            "organizer_name": users["organizer"].username,
        },
        "refs": str(dataset_dir / "references"),
    }


def _snapshot() -> dict:
    """Everything a refused request must leave as it was."""
    return {
        "submissions": sorted(Submission.objects.values_list("pk", "status", "attempt", "is_baseline")),
        "phases": sorted(Phase.objects.values_list("pk", "leaderboard_visibility", "frozen", "show_per_case")),
        "snapshots": sorted(BoardSnapshot.objects.values_list("pk", "phase_id")),
        "disqualifications": sorted(Disqualification.objects.values_list("submission_id", flat=True)),
        "audit": sorted(AuditEntry.objects.values_list("pk", flat=True)),
        "tokens": sorted(ApiToken.objects.values_list("pk", "user_id", "revoked")),
        "teams": sorted(Team.objects.values_list("pk", "name")),
        "members": sorted(Membership.objects.values_list("team_id", "user_id")),
        "invitations": sorted(Invitation.objects.values_list("pk", "team_id", "invitee_id", "status")),
        "registrations": sorted(Registration.objects.values_list("pk", "user_id", "challenge_id", "status")),
        "organizers": sorted(Challenge.organizers.through.objects.values_list("challenge_id", "user_id")),
        "organizer_invitations": sorted(OrganizerInvitation.objects.values_list("pk", "invitee_id", "status")),
        "phase_settings": sorted(Phase.objects.values_list("pk", "title", "quota_period_days")),
        "challenges": sorted(Challenge.objects.values_list("pk", "slug", "title")),
        "pages": sorted(ChallengePage.objects.values_list("pk", "title", "body")),
        "bundle_versions": sorted(BundleVersion.objects.values_list("pk", "references")),
    }


def _client(role: str, users, api: bool):
    if role == "anonymous":
        return APIClient() if api else Client()
    user = users[ROLE_USER[role]]
    if api:
        client = APIClient()
        client.force_authenticate(user)
    else:
        client = Client()
        client.force_login(user)
    return client


def _data(probe, objects: dict) -> dict:
    """The probe's body, each ``"@name"`` value replaced by the world object ``name``."""
    return {
        key: objects[value[1:]] if isinstance(value, str) and value.startswith("@") else value
        for key, value in probe.data.items()
    }


def _url(route: str, probe, objects: dict) -> str:
    def fill(match: re.Match) -> str:
        parameter = match.group(1)
        return str(objects[probe.objects.get(parameter, OBJECTS[parameter])])

    url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, route)
    return f"{url}?{probe.query}" if probe.query else url


_CASES = [
    pytest.param(route, index, role, id=f"{route or '/'}#{index}-{probe.method}-{role}")
    for route, probes in TABLE.items()
    for index, probe in enumerate(probes)
    for role in ROLES
]


@pytest.mark.parametrize("route, index, role", _CASES)
def test_access(route, index, role, world, users):
    probe = TABLE[route][index]
    api = route.startswith("api/")
    url = _url(route, probe, world["objects"])
    before = _snapshot()
    client = _client(role, users, api)
    send = getattr(client, probe.method.lower())
    data = _data(probe, world["objects"])
    if api and probe.method != "GET":
        response = send(url, data, format=probe.encoding)
    else:
        response = send(url, data)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    expected = probe.expect[role]
    assert response.status_code == expected, (
        f"{probe.method} {url} as {role}: got {response.status_code}, the table ({TABLE_FILE}, "
        f"row {route!r}, probe {index}) says {expected}; body: {body[:300]!r}"
    )
    if api or role not in ("organizer", "staff"):  # organizer pages may show where they live
        assert world["refs"].encode() not in body, "the reference folder leaked"
        assert Path(world["refs"]).name.encode() + b"/" not in body, "the reference folder leaked"
    if role not in ("organizer", "staff"):
        assert b"0.3131" not in body, "hidden board score leaked"
        assert b"0.4242" not in body, "unreleased per-case value leaked"
        assert AUDIT_NOTE.encode() not in body, "kits' audit log leaked"
    if role != "participant":
        assert TOKEN_NAME.encode() not in body, "alice's API token leaked"
    if role not in PRIVILEGED:
        assert COMMENT.encode() not in body, "alice's submission leaked"
    if role not in probe.changes:
        assert _snapshot() == before, f"{probe.method} {url} as {role} changed the world"


@pytest.mark.parametrize("role", ROLES)
def test_admin_is_staff_only(role, world, users):
    for url in ADMIN_PROBES:
        response = _client(role, users, api=False).get(url)
        if role == "staff":
            assert response.status_code == 200, url
        else:
            assert response.status_code == 302 and "/admin/login/" in response["Location"], (url, role)


# ---------------------------------------------------------------- what the matrix cannot say


def _api(role, users) -> APIClient:
    return _client(role, users, api=True)


def test_owner_metrics_hidden_while_board_hidden(world, users):
    hidden_sub = Submission.objects.get(phase_id=world["objects"]["hidden_phase"])
    data = _api("participant", users).get(f"/api/v1/submissions/{hidden_sub.pk}/").json()
    assert data["status"] == "succeeded" and data["metrics"] is None
    data = _api("participant", users).get(f"/api/v1/submissions/{world['objects']['submission']}/").json()
    assert data["metrics"]["ranking_scores"]["mean_dice"] == 0.75
    assert data["participant"] == "Team Zebra"


def test_submission_lists(world, users):
    phase_id, mine = world["objects"]["phase"], world["objects"]["submission"]
    listed = _api("participant", users).get(f"/api/v1/phases/{phase_id}/submissions/").json()
    assert [s["id"] for s in listed] == [mine]
    bobs = _api("other_team", users).get(f"/api/v1/phases/{phase_id}/submissions/").json()
    assert mine not in [s["id"] for s in bobs] and len(bobs) == 1
    assert _api("stranger", users).get(f"/api/v1/phases/{phase_id}/submissions/").json() == []
    every = _api("organizer", users).get(f"/api/v1/phases/{phase_id}/submissions/?all=1").json()
    assert mine in [s["id"] for s in every] and len(every) == 2


def test_per_case_released(world, users):
    Phase.objects.filter(pk=world["objects"]["phase"]).update(show_per_case=True)
    url = f"/api/v1/submissions/{world['objects']['submission']}/?cases=1"
    response = _api("participant", users).get(url)
    assert response.status_code == 200
    assert response.json()["cases"] == [
        {"case": "case_00000", "region": "tumor", "metric": "dice", "value": PER_CASE}
    ]
    assert _api("other_team", users).get(url).status_code == 404  # released, still not bob's


def test_stranger_has_no_registration(world, users):
    assert Registration.objects.filter(user=users["stranger"]).count() == 0


def test_sentinels_reach_those_who_may_see_them(world, users):
    """The leak checks of ``test_access`` are meaningful: each sentinel is in the answers of the
    roles allowed to see it, and the probes that may change the world do change it."""
    o = world["objects"]

    def web(role):
        return _client(role, users, api=False)

    assert AUDIT_NOTE.encode() in web("organizer").get("/challenges/kits/audit/").content
    assert AUDIT_NOTE.encode() in web("staff").get("/challenges/kits/audit.csv").content
    assert TOKEN_NAME.encode() in web("participant").get("/account/tokens/").content
    released = _api("anonymous", users).get(f"/api/v1/phases/{o['released_phase']}/leaderboard/snapshot/")
    assert str(RELEASED_CASE) in str(released.json()["board"]["cases"])
    sealed = web("organizer").get(f"/phases/{o['sealed_phase']}/final-board.json")
    assert b"0.4242" in sealed.content
    mine = web("participant").get(f"/submissions/{o['released_submission']}/cases.csv")
    assert mine.status_code == 200 and b"0.1717" in mine.content
    board = web("anonymous").get(f"/phases/{o['released_phase']}/cases.csv").content.decode()
    assert "Team Zebra" in board and "Team Yak" in board
    from arena.leaderboards.signing import key_file, public_key_text

    private = key_file().read_text(encoding="ascii").strip()  # the development signing key
    for body in (web("anonymous").get("/about/keys/").content, _api("anonymous", users).get(
            "/api/v1/keys/").content, released.content):
        assert public_key_text().encode() in body and private.encode() not in body

    web("other_team").post("/account/tokens/", {"action": "revoke", "token": o["token"]})
    assert ApiToken.objects.get(pk=o["token"]).revoked is None
    web("participant").post("/account/tokens/", {"action": "revoke", "token": o["token"]})
    assert ApiToken.objects.get(pk=o["token"]).revoked is not None

    web("organizer").post(f"/manage/phases/{o['phase']}/freeze/", {"action": "freeze"})
    assert Phase.objects.get(pk=o["phase"]).frozen
    assert BoardSnapshot.objects.filter(phase_id=o["phase"]).count() == 1
    web("organizer").post(f"/manage/submissions/{o['submission']}/disqualify/",
                          {"action": "disqualify", "reason": "rule breach"})
    assert Disqualification.objects.filter(submission_id=o["submission"]).exists()
    web("staff").post(f"/manage/submissions/{o['disqualified_submission']}/disqualify/",
                      {"action": "requalify"})
    assert not Disqualification.objects.filter(submission_id=o["disqualified_submission"]).exists()
