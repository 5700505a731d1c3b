"""API v1: the requester's team in a challenge (``/api/v1/challenges/<slug>/team/``).

GET → ``{"challenge", "team": {"name", "members"} | null}``. POST ``{"name", "members": [usernames]}``
creates a team of the requester and the named approved participants (the same rules as the web
form: everyone approved, nobody already in a team, names unique per challenge); refused requests
answer 400 ``{"error"}`` naming the field. A team shares one quota and one leaderboard entry."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from arena.api.views import _visible_challenge

_TEAM = inline_serializer(
    "TeamOut",
    {"challenge": serializers.CharField(),
     "team": inline_serializer("TeamBody", {"name": serializers.CharField(),
                                            "members": serializers.ListField(child=serializers.CharField())},
                               allow_null=True)},
)
_TEAM_IN = inline_serializer(
    "TeamIn",
    {"name": serializers.CharField(max_length=100),
     "members": serializers.ListField(child=serializers.CharField(), required=False)},
)


def _team_body(challenge, team) -> dict:
    if team is None:
        return {"challenge": challenge.slug, "team": None}
    members = sorted(team.members.values_list("username", flat=True))
    return {"challenge": challenge.slug, "team": {"name": team.name, "members": members}}


class TeamView(APIView):
    """The requester's team in the challenge (GET) or a new one (POST)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=_TEAM)
    def get(self, request, slug: str):
        from arena.participation.services import team_for

        challenge = _visible_challenge(request, slug)
        return Response(_team_body(challenge, team_for(request.user, challenge)))

    @extend_schema(request=_TEAM_IN, responses={201: _TEAM})
    def post(self, request, slug: str):
        from arena.participation.services import ParticipationError, create_team_for

        challenge = _visible_challenge(request, slug)
        name = request.data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
            return _error("field 'name': a team needs a name (1 to 100 characters)")
        raw = request.data.get("members", [])
        if hasattr(request.data, "getlist"):  # form-encoded: members=a&members=b
            raw = request.data.getlist("members")
        if not isinstance(raw, list) or not all(isinstance(m, str) for m in raw):
            return _error("field 'members': expected a list of usernames")
        try:
            team = create_team_for(challenge, request.user, name, raw)
        except ParticipationError as exc:
            return _error(str(exc))
        return Response(_team_body(challenge, team), status=status.HTTP_201_CREATED)


def _error(message: str) -> Response:
    return Response({"error": message}, status=status.HTTP_400_BAD_REQUEST)
