"""THE access-control table: every URL pattern of the site × every role → the HTTP status.

``tests/platform/test_platform_permissions.py`` walks ``django.urls.get_resolver()`` and fails
when a URL pattern has no row here (or a row names a pattern that no longer exists), then runs
every probe below as every role against a world where each object belongs to the participant
(alice) or to a challenge the other roles do not organize — so each object id in a URL is probed
by users it does not belong to (IDOR).

Adding a row: the key is the pattern exactly as the failing test prints it (the route strings
of the ``path()`` calls joined, e.g. ``"api/v1/phases/<int:phase_id>/leaderboard/"``); the value
is a list of probes ``P(method, E(default, role=status, ...), query=..., data=..., objects=...,
changes=...)``:

- ``E(404, participant=200, organizer=200, staff=200)``: ``default`` for every role not named.
- ``objects={"phase_id": "hidden_phase"}``: which world object fills a URL parameter (default:
  :data:`OBJECTS`); world objects are built by the ``world`` fixture of the test module.
- ``data={"token": "@token"}``: a body value ``"@name"`` is replaced by the world object
  ``name`` (an id that only the fixture knows, e.g. alice's API token).
- ``encoding="multipart"``: API bodies sent as a form (uploads); JSON otherwise.
- ``changes``: roles whose request may legitimately change the world (cancel, leave, …); for
  every other role the test checks that nothing changed (submission status and attempt, board
  visibility, frozen boards and their snapshots, per-case release, disqualifications, audit
  entries, API tokens, team members, invitations, registrations, teams).

The Django admin (``admin/``) is one staff-only block: :data:`ADMIN_PROBES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: anonymous; signed in but not registered; the participant owning the probed objects (alice,
#: founder of Team Zebra); an approved participant in another team (bob, Team Yak); the
#: organizer of another challenge (otto); the organizer of this challenge (olga); staff (root,
#: a superuser).
ROLES = (
    "anonymous",
    "stranger",
    "participant",
    "other_team",
    "other_organizer",
    "organizer",
    "staff",
)

#: URL parameter → the world object probed by default (owned by the participant, or part of
#: the challenge "kits" that only olga organizes).
OBJECTS = {
    "slug": "kits",
    "phase_id": "phase",
    "submission_id": "submission",
    "invitation_id": "invitation",
    "registration_id": "registration",
    "organizer_invitation_id": "organizer_invitation",  # olga's invitation of alice to co-organize
    "username": "organizer_name",  # olga, kits' only organizer
    "page": "overview",
}

#: URL parameters that name objects of one user (not of a whole challenge): roles other than
#: their owner and the organizers must never get a 2xx for them (checked for every row).
PRIVATE_PARAMETERS = {"submission_id", "invitation_id", "registration_id", "organizer_invitation_id"}
OWNER_ROLES = {"participant", "organizer", "staff"}


def E(default: int, **over: int) -> dict[str, int]:  # noqa: N802 - reads as a table cell
    """Expected status per role: ``default`` for every role not named in ``over``."""
    unknown = set(over) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)}; roles are {ROLES}")
    return {role: over.get(role, default) for role in ROLES}


@dataclass(frozen=True)
class P:
    """One probe of a URL pattern: method, expected status per role, query string, body,
    world objects for the URL parameters, and the roles allowed to change the world."""

    method: str
    expect: dict[str, int]
    query: str = ""
    data: dict = field(default_factory=dict)
    objects: dict[str, str] = field(default_factory=dict)
    changes: frozenset[str] = frozenset()
    encoding: str = "json"  # API bodies: "json" or "multipart"


ALL = E(200)
ORG = dict(organizer=200, staff=200)
SIGNED_IN = E(200, anonymous=401)
WEB_SIGNED_IN = E(200, anonymous=302)
ORG_REDIRECT = E(404, anonymous=302, organizer=302, staff=302)  # organizer POSTs go back to a page
ORGS = frozenset({"organizer", "staff"})
SIGNED_IN_ROLES = frozenset(ROLES) - {"anonymous"}
#: organizer API actions: 401 anonymous, 403 for whoever sees the challenge but does not organize it
ORG_API = E(403, anonymous=401, **ORG)
#: an object of kits reached through otto's challenge "other": nobody but otto and staff get past
#: the challenge, and they find no such object there
IDOR_API = E(403, anonymous=401, other_organizer=404, staff=404)
#: a phase of otto's challenge reached through kits: kits' organizers find no such phase
IDOR_PHASE_API = E(403, anonymous=401, organizer=404, staff=404)
WEB_ORG = E(404, anonymous=302, **ORG)
NEW_PHASE = {"slug": "brand-new", "title": "Brand new", "task": "kits21", "kind": "predictions",
             "quota_count": 5, "quota_period_days": 1, "max_upload_mb": 100,
             "leaderboard_visibility": "public", "leaderboard_policy": "best", "time_limit_s": 60,
             "memory_mb": 1024, "cpus": 1, "scoring_case_timeout_s": 10, "scoring_timeout_s": 100}
#: a board seen only by kits' approved participants (alice, bob) and its organizers
MEMBERS = E(200, anonymous=404, stranger=404, other_organizer=404)

TABLE: dict[str, list[P]] = {
    # ---------------------------------------------------------------- API (/api/v1/)
    "api/v1/schema/": [P("GET", ALL)],
    # bundle upload: users with challenges.add_challenge (staff) or organizers of a challenge
    # (new versions); without a file every allowed role gets 400 and nothing is created
    "api/v1/challenges/": [
        P("GET", ALL),
        P("POST", E(403, anonymous=401, other_organizer=400, organizer=400, staff=400),
          encoding="multipart"),
    ],
    "api/v1/challenges/<slug:slug>/bundle/confirm/": [  # nothing waits: 400 for organizers
        P("POST", E(403, anonymous=401, organizer=400, staff=400)),
        P("POST", E(404, anonymous=401, organizer=400, staff=400), objects={"slug": "secret"}),
    ],
    "api/v1/challenges/<slug:slug>/pages/<slug:page>/": [
        P("GET", ALL),
        P("GET", E(404), objects={"slug": "secret"}),  # no such page there
        P("PUT", E(403, anonymous=401, **ORG), data={"body": "# Overview v2"}, changes=ORGS),
    ],
    "api/v1/challenges/<slug:slug>/": [
        P("GET", ALL),
        P("GET", E(404, **ORG), objects={"slug": "secret"}),
    ],
    "api/v1/challenges/<slug:slug>/join/": [
        P("POST", E(201, anonymous=401, participant=200, other_team=200),
          changes=frozenset({"stranger", "other_organizer", "organizer", "staff"})),
        P("POST", E(404, anonymous=401, organizer=201, staff=201), objects={"slug": "secret"},
          changes=ORGS),
    ],
    "api/v1/challenges/<slug:slug>/team/": [
        P("GET", SIGNED_IN),
        P("GET", E(404, anonymous=401, **ORG), objects={"slug": "secret"}),
        # founding a second team, or without an approved registration, is refused for everyone
        P("POST", E(400, anonymous=401), data={"name": "Brand New"}),
        P("POST", E(404, anonymous=401, organizer=400, staff=400), data={"name": "Brand New"},
          objects={"slug": "secret"}),
    ],
    "api/v1/challenges/<slug:slug>/team/invitations/": [
        P("POST", E(404, anonymous=401, participant=201, other_team=201), data={"username": "carol"},
          changes=frozenset({"participant", "other_team"})),
    ],
    "api/v1/challenges/<slug:slug>/team/leave/": [
        P("POST", E(404, anonymous=401, participant=200, other_team=200),
          changes=frozenset({"participant", "other_team"})),
    ],
    "api/v1/invitations/": [P("GET", SIGNED_IN)],
    # the invitation is bob's (Team Yak) to alice, who is in a team already: she may only decline
    "api/v1/invitations/<int:invitation_id>/accept/": [
        P("POST", E(404, anonymous=401, participant=400)),
    ],
    "api/v1/invitations/<int:invitation_id>/decline/": [
        P("POST", E(404, anonymous=401, participant=200), changes=frozenset({"participant"})),
    ],
    "api/v1/phases/<int:phase_id>/": [
        P("GET", ALL),
        P("GET", E(404, **ORG), objects={"phase_id": "private_phase"}),
    ],
    "api/v1/phases/<int:phase_id>/submissions/": [
        P("GET", SIGNED_IN),
        P("GET", E(404, anonymous=401, **ORG), objects={"phase_id": "private_phase"}),
        P("GET", E(403, anonymous=401, **ORG), query="all=1"),
        P("POST", E(400, anonymous=401), encoding="multipart"),  # no file: refused, nothing stored
    ],
    "api/v1/phases/<int:phase_id>/leaderboard/": [
        P("GET", ALL),
        P("GET", ALL, query="format=csv"),
        P("GET", E(403, **ORG), objects={"phase_id": "hidden_phase"}),
        P("GET", E(403, **ORG), query="format=csv", objects={"phase_id": "hidden_phase"}),
        P("GET", E(200, anonymous=403, stranger=403, other_organizer=403),
          objects={"phase_id": "members_phase"}),
        P("GET", E(404, **ORG), objects={"phase_id": "private_phase"}),
    ],
    "api/v1/phases/<int:phase_id>/leaderboard/robustness/": [
        P("GET", ALL),
        P("GET", E(403, **ORG), objects={"phase_id": "hidden_phase"}),
        P("GET", E(200, anonymous=403, stranger=403, other_organizer=403),
          objects={"phase_id": "members_phase"}),
        P("GET", E(404), objects={"phase_id": "private_phase"}),  # nothing computed there
    ],
    "api/v1/phases/<int:phase_id>/inputs/": [
        P("GET", E(200, anonymous=401, stranger=403, other_organizer=403)),
        P("GET", E(404), objects={"phase_id": "private_phase"}),  # no test images there at all
    ],
    "api/v1/phases/<int:phase_id>/reevaluate/": [
        P("POST", E(403, anonymous=401, **ORG), changes=ORGS),
        P("POST", E(404, anonymous=401, **ORG), objects={"phase_id": "private_phase"}, changes=ORGS),
    ],
    "api/v1/submissions/<int:submission_id>/": [
        P("GET", E(404, participant=200, **ORG)),
        P("GET", E(404, participant=403, **ORG), query="cases=1"),  # per-case not released
    ],
    "api/v1/submissions/<int:submission_id>/reevaluate/": [
        P("POST", E(404, anonymous=401, participant=403, **ORG), changes=ORGS),
    ],
    "api/v1/submissions/<int:submission_id>/cancel/": [
        P("POST", E(404, anonymous=401, participant=200, **ORG)),  # succeeded: nothing to cancel
    ],
    # a prediction submission has no container job: 404 for everyone, never a leak
    "api/v1/submissions/<int:submission_id>/job/": [P("GET", E(404))],
    # the site's public board-signing key: everyone
    "api/v1/keys/": [P("GET", ALL)],
    # a frozen board's signed snapshot holds every entry's per-case table: organizers, or whoever
    # sees the board once per-case results are released; 404 when never frozen / not visible
    "api/v1/phases/<int:phase_id>/leaderboard/snapshot/": [
        P("GET", ALL, objects={"phase_id": "released_phase"}),
        P("GET", E(404, **ORG), objects={"phase_id": "sealed_phase"}),  # per-case not released
        P("GET", MEMBERS, objects={"phase_id": "members_released_phase"}),
        P("GET", E(404, **ORG), objects={"phase_id": "hidden_released_phase"}),  # board hidden
        P("GET", E(404)),  # never frozen
        P("GET", E(404), objects={"phase_id": "private_phase"}),
    ],
    # ------------------------------------------------ API, organizers (h11org): 403 for others
    "api/v1/challenges/<slug:slug>/phases/": [
        P("GET", ORG_API),
        P("GET", E(404, anonymous=401, **ORG), objects={"slug": "secret"}),
        P("POST", E(403, anonymous=401, organizer=400, staff=400), data={"slug": "x"}),  # no title
        P("POST", E(403, anonymous=401, organizer=201, staff=201), data=NEW_PHASE, changes=ORGS),
        P("POST", E(404, anonymous=401, organizer=201, staff=201), data=NEW_PHASE,
          objects={"slug": "secret"}, changes=ORGS),
    ],
    "api/v1/challenges/<slug:slug>/phases/<int:phase_id>/": [
        P("GET", ORG_API),
        P("GET", IDOR_PHASE_API, objects={"phase_id": "other_phase"}),
        P("PATCH", ORG_API, data={"title": "Renamed"}, changes=ORGS),
        P("PATCH", E(403, anonymous=401, organizer=400, staff=400), data={"quota_period_days": 0}),
        P("PATCH", IDOR_PHASE_API, data={"title": "Renamed"}, objects={"phase_id": "other_phase"}),
    ],
    "api/v1/challenges/<slug:slug>/phases/<int:phase_id>/dataset/": [
        P("GET", ORG_API),
        P("GET", IDOR_PHASE_API, objects={"phase_id": "other_phase"}),
        P("POST", E(403, anonymous=401, organizer=400, staff=400), encoding="multipart"),  # no file
        P("POST", IDOR_PHASE_API, encoding="multipart", objects={"phase_id": "other_phase"}),
    ],
    "api/v1/challenges/<slug:slug>/phases/<int:phase_id>/per-case/": [
        P("POST", ORG_API, data={"release": True}, changes=ORGS),
        P("POST", IDOR_PHASE_API, data={"release": True}, objects={"phase_id": "other_phase"}),
    ],
    "api/v1/challenges/<slug:slug>/organizers/": [
        P("GET", ORG_API),
        P("GET", E(404, anonymous=401, **ORG), objects={"slug": "secret"}),
        P("POST", E(403, anonymous=401, organizer=201, staff=201), data={"username": "carol"},
          changes=ORGS),
    ],
    # olga is kits' only organizer: removing her is refused for everyone, nothing changes
    "api/v1/challenges/<slug:slug>/organizers/<str:username>/": [
        P("DELETE", E(403, anonymous=401, organizer=400, staff=400)),
    ],
    "api/v1/challenges/<slug:slug>/registrations/": [
        P("GET", ORG_API),
        P("GET", E(403, anonymous=401, organizer=400, staff=400), query="status=bogus"),
    ],
    "api/v1/challenges/<slug:slug>/registrations/<int:registration_id>/": [
        P("POST", ORG_API, data={"decision": "approve"}, changes=ORGS),
        P("POST", E(403, anonymous=401, organizer=400, staff=400), data={"decision": "maybe"}),
        P("POST", IDOR_API, data={"decision": "approve"}, objects={"slug": "other"}),
    ],
    "api/v1/challenges/<slug:slug>/teams/": [
        P("GET", ORG_API),
        P("GET", E(404, anonymous=401, **ORG), objects={"slug": "secret"}),
    ],
    "api/v1/challenges/<slug:slug>/submissions/<int:submission_id>/disqualification/": [
        P("POST", E(403, anonymous=401, organizer=201, staff=201), data={"reason": "rule breach"},
          changes=ORGS),
        P("POST", E(403, anonymous=401, organizer=400, staff=400), data={"reason": ""}),
        P("POST", IDOR_API, data={"reason": "rule breach"}, objects={"slug": "other"}),
        P("DELETE", ORG_API, objects={"submission_id": "disqualified_submission"}, changes=ORGS),
        P("DELETE", IDOR_API, objects={"slug": "other", "submission_id": "disqualified_submission"}),
    ],
    "api/v1/challenges/<slug:slug>/submissions/<int:submission_id>/baseline/": [
        P("POST", E(403, anonymous=401, organizer=200, staff=200), data={"baseline": True},
          changes=ORGS),
        P("POST", E(403, anonymous=401, organizer=400, staff=400), data={"baseline": "maybe"}),
        P("POST", IDOR_API, data={"baseline": True}, objects={"slug": "other"}),
    ],
    "api/v1/challenges/<slug:slug>/audit/": [
        P("GET", ORG_API),
        P("GET", E(403, anonymous=401, other_organizer=200, staff=200), objects={"slug": "other"}),
    ],
    "api/v1/organizer-invitations/": [P("GET", SIGNED_IN)],
    # olga's invitation of alice to co-organize kits: only alice answers it
    "api/v1/organizer-invitations/<int:organizer_invitation_id>/accept/": [
        P("POST", E(404, anonymous=401, participant=200), changes=frozenset({"participant"})),
    ],
    "api/v1/organizer-invitations/<int:organizer_invitation_id>/decline/": [
        P("POST", E(404, anonymous=401, participant=200), changes=frozenset({"participant"})),
    ],
    # ---------------------------------------------------------------- API pages (HTML)
    "api/docs/": [P("GET", ALL)],
    # one's own API tokens: signed-in users; alice's token can be revoked by alice only
    "account/tokens/": [
        P("GET", WEB_SIGNED_IN),
        P("POST", WEB_SIGNED_IN, data={"action": "create", "name": "laptop"}, changes=SIGNED_IN_ROLES),
        P("POST", E(302), data={"action": "revoke", "token": "@token"},
          changes=frozenset({"participant"})),
    ],
    # ---------------------------------------------------------------- web UI
    "": [P("GET", ALL)],
    "challenges/": [P("GET", ALL)],
    "challenges/<slug:slug>/": [
        P("GET", ALL),
        P("GET", E(404, **ORG), objects={"slug": "secret"}),
    ],
    # hosting: the upload page needs challenges.add_challenge (staff here); the bundle page and
    # page editing are the challenge's organizers'
    "challenges/new/": [
        P("GET", E(403, anonymous=302, staff=200)),
        P("POST", E(403, anonymous=302, staff=400)),  # no file: the form again, nothing made
    ],
    "challenges/<slug:slug>/bundle/": [
        P("GET", E(404, anonymous=302, **ORG)),
        P("POST", E(404, anonymous=302, organizer=400, staff=400)),
    ],
    "challenges/<slug:slug>/bundle/confirm/": [  # nothing waits: back to the bundle page
        P("POST", ORG_REDIRECT),
        P("GET", E(405, anonymous=302)),
    ],
    "challenges/<slug:slug>/pages/<slug:page>/": [
        P("GET", ALL),
        P("GET", E(404), objects={"slug": "secret"}),
    ],
    "challenges/<slug:slug>/pages/<slug:page>/edit/": [
        P("GET", E(404, anonymous=302, **ORG)),
        P("POST", ORG_REDIRECT, data={"title": "Overview", "body": "# v2"}, changes=ORGS),
    ],
    "challenges/<slug:slug>/join/": [
        P("POST", E(302), changes=frozenset({"stranger", "other_organizer", "organizer", "staff"})),
        P("POST", E(404, anonymous=302, organizer=302, staff=302), objects={"slug": "secret"},
          changes=ORGS),
        P("GET", E(405, anonymous=302)),
    ],
    "challenges/<slug:slug>/team/": [
        P("POST", E(302), data={"name": "Brand New"}),  # refused with a message: nothing made
        P("POST", E(404, anonymous=302, organizer=302, staff=302), data={"name": "Brand New"},
          objects={"slug": "secret"}),
    ],
    "challenges/<slug:slug>/team/invite/": [
        P("POST", E(404, anonymous=302, participant=302, other_team=302), data={"username": "carol"},
          changes=frozenset({"participant", "other_team"})),
    ],
    "challenges/<slug:slug>/team/leave/": [
        P("POST", E(404, anonymous=302, participant=302, other_team=302),
          changes=frozenset({"participant", "other_team"})),
    ],
    "invitations/<int:invitation_id>/accept/": [
        P("POST", E(404, anonymous=302, participant=302)),  # alice is in a team: refused, message
    ],
    "invitations/<int:invitation_id>/decline/": [
        P("POST", E(404, anonymous=302, participant=302), changes=frozenset({"participant"})),
    ],
    "phases/<int:phase_id>/leaderboard/": [
        P("GET", ALL),
        P("GET", ALL, objects={"phase_id": "hidden_phase"}),  # the page says it is hidden
        P("GET", ALL, objects={"phase_id": "members_phase"}),
        P("GET", E(404, **ORG), objects={"phase_id": "private_phase"}),
    ],
    "phases/<int:phase_id>/leaderboard.csv": [
        P("GET", ALL),
        P("GET", E(404, **ORG), objects={"phase_id": "hidden_phase"}),
        P("GET", E(200, anonymous=404, stranger=404, other_organizer=404),
          objects={"phase_id": "members_phase"}),
    ],
    # every board entry's per-case results: organizers, and everyone who sees the board once
    # per-case results are released
    "phases/<int:phase_id>/cases.csv": [
        P("GET", E(404, **ORG)),  # not released
        P("GET", ALL, objects={"phase_id": "released_phase"}),
        P("GET", MEMBERS, objects={"phase_id": "members_released_phase"}),
        P("GET", E(404, **ORG), objects={"phase_id": "hidden_released_phase"}),
        P("GET", E(404, **ORG), objects={"phase_id": "private_phase"}),
    ],
    # the signed snapshot of a frozen board, as the API's snapshot row
    "phases/<int:phase_id>/final-board.json": [
        P("GET", ALL, objects={"phase_id": "released_phase"}),
        P("GET", E(404, **ORG), objects={"phase_id": "sealed_phase"}),
        P("GET", MEMBERS, objects={"phase_id": "members_released_phase"}),
        P("GET", E(404, **ORG), objects={"phase_id": "hidden_released_phase"}),
        P("GET", E(404)),  # never frozen
        P("GET", E(404), objects={"phase_id": "private_phase"}),
    ],
    "about/keys/": [P("GET", ALL)],
    "phases/<int:phase_id>/inputs.zip": [
        P("GET", E(200, anonymous=404, stranger=404, other_organizer=404)),
        P("GET", E(404), objects={"phase_id": "private_phase"}),  # no test images there at all
    ],
    "phases/<int:phase_id>/submit/": [
        P("GET", WEB_SIGNED_IN),
        P("GET", E(404, anonymous=302, **ORG), objects={"phase_id": "private_phase"}),
        P("POST", E(400, anonymous=302)),  # the form again, naming the missing file; nothing stored
    ],
    "submissions/": [P("GET", WEB_SIGNED_IN)],
    "submissions/<int:submission_id>/": [P("GET", E(404, participant=200, **ORG))],
    # per-case results of one submission: organizers; its owner once per-case results are
    # released on a board the owner sees (never to anybody else)
    "submissions/<int:submission_id>/cases.csv": [
        P("GET", E(404, **ORG)),  # not released: not even alice
        P("GET", E(404, participant=200, **ORG), objects={"submission_id": "released_submission"}),
        P("GET", E(404, **ORG), objects={"submission_id": "hidden_released_submission"}),
    ],
    "submissions/<int:submission_id>/cancel/": [
        P("POST", E(404, anonymous=302, participant=302, organizer=302, staff=302)),
    ],
    "notifications/": [P("GET", WEB_SIGNED_IN)],
    "notifications/read/": [P("POST", E(302))],
    "manage/phases/<int:phase_id>/": [P("GET", E(404, anonymous=302, **ORG))],
    "manage/phases/<int:phase_id>/reevaluate/": [P("POST", ORG_REDIRECT, changes=ORGS)],
    "manage/phases/<int:phase_id>/visibility/": [
        P("POST", ORG_REDIRECT, data={"visibility": "hidden"}, changes=ORGS),
        # otto's challenge: he (and staff) may, olga may not
        P("POST", E(404, anonymous=302, other_organizer=302, staff=302), data={"visibility": "hidden"},
          objects={"phase_id": "other_phase"}, changes=frozenset({"other_organizer", "staff"})),
    ],
    "manage/phases/<int:phase_id>/registrations/<int:registration_id>/": [
        P("POST", ORG_REDIRECT, data={"decision": "approve"}, changes=ORGS),
        # a registration of kits through a phase of another challenge: never
        P("POST", E(404, anonymous=302), data={"decision": "approve"},
          objects={"phase_id": "other_phase"}),
    ],
    # freezing / unfreezing a board: organizers of its challenge and staff, POST only
    "manage/phases/<int:phase_id>/freeze/": [
        P("POST", ORG_REDIRECT, data={"action": "freeze"}, changes=ORGS),
        P("POST", ORG_REDIRECT, data={"action": "unfreeze"}, objects={"phase_id": "released_phase"},
          changes=ORGS),
        P("POST", E(404, anonymous=302, other_organizer=302, staff=302), data={"action": "freeze"},
          objects={"phase_id": "other_phase"}, changes=frozenset({"other_organizer", "staff"})),
        P("POST", E(404, anonymous=302, organizer=302, staff=302), data={"action": "freeze"},
          objects={"phase_id": "private_phase"}, changes=ORGS),
        P("GET", E(405, anonymous=302)),
    ],
    # disqualifying / requalifying a submission: organizers of its challenge and staff, POST only
    "manage/submissions/<int:submission_id>/disqualify/": [
        P("POST", ORG_REDIRECT, data={"action": "disqualify", "reason": "rule breach"}, changes=ORGS),
        P("POST", ORG_REDIRECT, data={"action": "requalify"},
          objects={"submission_id": "disqualified_submission"}, changes=ORGS),
        P("GET", E(405, anonymous=302)),
    ],
    # the audit log (page and CSV): organizers of the challenge and staff only
    "challenges/<slug:slug>/audit/": [
        P("GET", E(404, anonymous=302, **ORG)),
        P("GET", E(404, anonymous=302, other_organizer=200, staff=200), objects={"slug": "other"}),
        P("GET", E(404, anonymous=302, **ORG), objects={"slug": "secret"}),
    ],
    "challenges/<slug:slug>/audit.csv": [
        P("GET", E(404, anonymous=302, **ORG)),
        P("GET", E(404, anonymous=302, other_organizer=200, staff=200), objects={"slug": "other"}),
        P("GET", E(404, anonymous=302, **ORG), objects={"slug": "secret"}),
    ],
    # the baseline flag of a submission: organizers of its challenge and staff, POST only
    "manage/submissions/<int:submission_id>/baseline/": [
        P("POST", ORG_REDIRECT, data={"action": "mark"}, changes=ORGS),
        P("GET", E(405, anonymous=302)),
    ],
    "manage/submissions/<int:submission_id>/reevaluate/": [
        P("POST", ORG_REDIRECT, changes=ORGS),
    ],
    # ------------------------------------------------ organizer dashboard and pages (h11org)
    "challenges/<slug:slug>/manage/": [
        P("GET", WEB_ORG),
        P("GET", E(404, anonymous=302, other_organizer=200, staff=200), objects={"slug": "other"}),
        P("GET", WEB_ORG, objects={"slug": "secret"}),
    ],
    "challenges/<slug:slug>/manage/phases/new/": [
        P("GET", WEB_ORG),
        P("POST", E(404, anonymous=302, organizer=400, staff=400), data={"slug": "x"}),
        P("POST", ORG_REDIRECT, data=NEW_PHASE, changes=ORGS),
        P("POST", E(404, anonymous=302, other_organizer=302, staff=302), data=NEW_PHASE,
          objects={"slug": "other"}, changes=frozenset({"other_organizer", "staff"})),
    ],
    "manage/phases/<int:phase_id>/per-case/": [
        P("POST", ORG_REDIRECT, data={"action": "release"}, changes=ORGS),
        P("POST", E(404, anonymous=302, other_organizer=302, staff=302), data={"action": "release"},
          objects={"phase_id": "other_phase"}, changes=frozenset({"other_organizer", "staff"})),
        P("GET", E(405, anonymous=302)),
    ],
    "manage/phases/<int:phase_id>/dataset/": [
        P("GET", WEB_ORG),
        P("GET", E(404, anonymous=302, other_organizer=200, staff=200), objects={"phase_id": "other_phase"}),
        P("POST", E(404, anonymous=302, organizer=400, staff=400)),  # no archive: refused
    ],
    "challenges/<slug:slug>/manage/people/": [
        P("GET", WEB_ORG),
        P("GET", WEB_ORG, objects={"slug": "secret"}),
    ],
    "challenges/<slug:slug>/manage/organizers/invite/": [
        P("POST", ORG_REDIRECT, data={"username": "carol"}, changes=ORGS),
    ],
    # olga is the last organizer: refused with a message, nothing changes
    "challenges/<slug:slug>/manage/organizers/remove/": [
        P("POST", ORG_REDIRECT, data={"username": "olga"}),
    ],
    "challenges/<slug:slug>/manage/registrations/<int:registration_id>/": [
        P("POST", ORG_REDIRECT, data={"decision": "approve"}, changes=ORGS),
        P("POST", E(404, anonymous=302), data={"decision": "approve"}, objects={"slug": "other"}),
    ],
    "organizer-invitations/": [P("GET", WEB_SIGNED_IN)],
    "organizer-invitations/<int:organizer_invitation_id>/accept/": [
        P("POST", E(404, anonymous=302, participant=302), changes=frozenset({"participant"})),
        P("GET", E(405, anonymous=302)),
    ],
    "organizer-invitations/<int:organizer_invitation_id>/decline/": [
        P("POST", E(404, anonymous=302, participant=302), changes=frozenset({"participant"})),
    ],
    "accounts/login/": [P("GET", E(302, anonymous=200))],
    "accounts/logout/": [P("POST", E(302))],
    "accounts/signup/": [P("GET", E(302, anonymous=200))],
    "vendor/plotly.min.js": [P("GET", ALL)],
}

#: The Django admin, one staff-only block: a few pages, each 200 for staff and a redirect to the
#: admin login for everyone else.
ADMIN_PREFIX = "admin/"
ADMIN_PROBES = [
    "/admin/",
    "/admin/submissions/submission/",
    "/admin/participation/team/",
    "/admin/participation/invitation/",
    "/admin/auth/user/",
]
