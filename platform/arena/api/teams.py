"""API v1: teams by invitation. Every action calls ``arena.participation.services`` (the web
pages call the same functions).

- ``GET /api/v1/challenges/<slug>/team/`` → ``{"challenge", "team": {"name", "members",
  "invited"} | null}`` (the requester's team; ``invited``: pending invitations' usernames).
- ``POST`` the same with ``{"name", "members": [usernames]}`` founds a team of the requester and
  *invites* the named approved participants (they join only when they accept) → 201.
- ``POST /api/v1/challenges/<slug>/team/invitations/`` ``{"username"}`` → 201 the invitation.
- ``POST /api/v1/challenges/<slug>/team/leave/`` → 200 ``{"challenge", "team": null}``.
- ``GET /api/v1/invitations/`` → the requester's pending invitations.
- ``POST /api/v1/invitations/<id>/accept/`` → 200 the team; ``.../decline/`` → 200 the invitation.

Refused requests answer 400 ``{"error"}`` naming the field; somebody else's invitation, or a
challenge the requester cannot see, answers 404. A team shares one quota and one board row; a
member sees the team's submissions made since they joined."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from arena.api.views import _visible_challenge
from arena.participation import services
from arena.participation.models import Invitation

_TEAM = inline_serializer(
    "TeamOut",
    {"challenge": serializers.CharField(),
     "team": inline_serializer("TeamBody", {"name": serializers.CharField(),
                                            "members": serializers.ListField(child=serializers.CharField()),
                                            "invited": serializers.ListField(child=serializers.CharField())},
                               allow_null=True)},
)
_TEAM_IN = inline_serializer(
    "TeamIn",
    {"name": serializers.CharField(max_length=100),
     "members": serializers.ListField(child=serializers.CharField(), required=False,
                                      help_text="usernames to invite")},
)
_INVITATION = inline_serializer(
    "InvitationOut",
    {"id": serializers.IntegerField(), "challenge": serializers.CharField(),
     "team": serializers.CharField(), "invitee": serializers.CharField(),
     "invited_by": serializers.CharField(allow_null=True), "status": serializers.CharField(),
     "created": serializers.DateTimeField()},
)
_INVITE_IN = inline_serializer("InviteIn", {"username": serializers.CharField()})


def _team_body(challenge, team) -> dict:
    if team is None:
        return {"challenge": challenge.slug, "team": None}
    members = sorted(team.members.values_list("username", flat=True))
    invited = sorted(
        team.invitations.filter(status=Invitation.Status.PENDING).values_list(
            "invitee__username", flat=True
        )
    )
    return {"challenge": challenge.slug,
            "team": {"name": team.name, "members": members, "invited": invited}}


def _invitation_body(invitation: Invitation) -> dict:
    return {
        "id": invitation.pk,
        "challenge": invitation.team.challenge.slug,
        "team": invitation.team.name,
        "invitee": invitation.invitee.get_username(),
        "invited_by": invitation.invited_by.get_username() if invitation.invited_by else None,
        "status": invitation.status,
        "created": serializers.DateTimeField().to_representation(invitation.created),
    }


def _error(message: str) -> Response:
    return Response({"error": message}, status=status.HTTP_400_BAD_REQUEST)


class TeamView(APIView):
    """The requester's team in the challenge (GET) or a new one (POST)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=_TEAM)
    def get(self, request, slug: str):
        challenge = _visible_challenge(request, slug)
        return Response(_team_body(challenge, services.team_for(request.user, challenge)))

    @extend_schema(request=_TEAM_IN, responses={201: _TEAM})
    def post(self, request, slug: str):
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
            team = services.create_team_for(challenge, request.user, name, raw)
        except services.ParticipationError as exc:
            return _error(str(exc))
        return Response(_team_body(challenge, team), status=status.HTTP_201_CREATED)


class TeamInviteView(APIView):
    """POST ``{"username"}``: invite an approved participant into the requester's team."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=_INVITE_IN, responses={201: _INVITATION})
    def post(self, request, slug: str):
        challenge = _visible_challenge(request, slug)
        team = services.team_for(request.user, challenge)
        if team is None:
            raise NotFound(f"you are not in a team in '{slug}'")
        username = request.data.get("username")
        try:
            invitation = services.invite_by_name(team, request.user, username)
        except services.ParticipationError as exc:
            return _error(str(exc))
        return Response(_invitation_body(invitation), status=status.HTTP_201_CREATED)


class TeamLeaveView(APIView):
    """POST: the requester leaves their team in the challenge."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=_TEAM)
    def post(self, request, slug: str):
        challenge = _visible_challenge(request, slug)
        try:
            services.leave_team(request.user, challenge)
        except services.ParticipationError as exc:
            raise NotFound(str(exc))
        return Response(_team_body(challenge, None))


class InvitationListView(APIView):
    """GET: the requester's pending invitations, newest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=serializers.ListSerializer(child=_INVITATION))
    def get(self, request):
        return Response([_invitation_body(i) for i in services.pending_invitations(request.user)])


def _own_invitation(request, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_related("team__challenge", "invitee", "invited_by")
        .filter(pk=invitation_id, invitee=request.user)
        .first()
    )
    if invitation is None:
        raise NotFound(f"invitation {invitation_id} does not exist")
    return invitation


class InvitationAcceptView(APIView):
    """POST: the invitee accepts and joins the team from now on."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=_TEAM)
    def post(self, request, invitation_id: int):
        invitation = _own_invitation(request, invitation_id)
        try:
            membership = services.accept_invitation(invitation.pk, request.user)
        except services.ParticipationError as exc:
            return _error(str(exc))
        return Response(_team_body(invitation.team.challenge, membership.team))


class InvitationDeclineView(APIView):
    """POST: the invitee declines."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=_INVITATION)
    def post(self, request, invitation_id: int):
        invitation = _own_invitation(request, invitation_id)
        try:
            invitation = services.decline_invitation(invitation.pk, request.user)
        except services.ParticipationError as exc:
            return _error(str(exc))
        return Response(_invitation_body(invitation))
