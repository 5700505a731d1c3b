"""API v1, organizers: people of a challenge (the organizer pages' actions).

- ``GET /api/v1/challenges/<slug>/organizers/`` → ``{"organizers", "invited"}``; ``POST``
  ``{"username"}`` invites a co-organizer → 201 the invitation (they join when they accept).
- ``DELETE /api/v1/challenges/<slug>/organizers/<username>/`` removes an organizer (400 for
  the last one).
- ``GET /api/v1/organizer-invitations/`` → the requester's pending invitations;
  ``POST /api/v1/organizer-invitations/<id>/accept/`` or ``.../decline/`` (the invitee only).
- ``GET /api/v1/challenges/<slug>/registrations/`` (``?status=pending``);
  ``POST /api/v1/challenges/<slug>/registrations/<id>/`` ``{"decision": "approve"|"reject"}``.
- ``GET /api/v1/challenges/<slug>/teams/`` → teams, members (with join time), invited names.
- ``POST /api/v1/challenges/<slug>/submissions/<id>/disqualification/`` ``{"reason"}`` → 201;
  ``DELETE`` the same → requalified.
- ``POST /api/v1/challenges/<slug>/submissions/<id>/baseline/`` ``{"baseline": true|false}``
  → ``{"submission", "baseline", "changed"}``: flag (or unflag) an organizers' baseline entry
  (badge on the board, ``"baseline"`` in its API and CSV); audited when it changes.
- ``GET /api/v1/challenges/<slug>/audit/`` → the audit log, newest first (``?limit=``).

Organizers only (403 for others who see the challenge, 404 for a challenge they cannot see or
an object of another challenge); refusals answer 400 ``{"error"}`` naming the field."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from arena.api.manage_phases import organized_challenge
from arena.challenges import organizers as roles
from arena.challenges.models import OrganizerInvitation

_DATE = serializers.DateTimeField()
_INVITATION = inline_serializer("OrganizerInvitationOut", {
    "id": serializers.IntegerField(), "challenge": serializers.CharField(),
    "invitee": serializers.CharField(), "invited_by": serializers.CharField(allow_null=True),
    "status": serializers.CharField(), "created": serializers.DateTimeField()})
_ORGANIZERS = inline_serializer("OrganizersOut", {
    "challenge": serializers.CharField(),
    "organizers": serializers.ListField(child=serializers.CharField()),
    "invited": inline_serializer("OrganizerInvitationItem", many=True, fields={
        "id": serializers.IntegerField(), "invitee": serializers.CharField(),
        "invited_by": serializers.CharField(allow_null=True)})})
_USERNAME_IN = inline_serializer("OrganizerInviteIn", {"username": serializers.CharField()})
_REGISTRATION = inline_serializer("ManagedRegistrationOut", {
    "id": serializers.IntegerField(), "user": serializers.CharField(),
    "status": serializers.CharField(), "created": serializers.DateTimeField(),
    "decided": serializers.DateTimeField(allow_null=True)})
_DECISION_IN = inline_serializer("RegistrationDecisionIn", {
    "decision": serializers.ChoiceField(choices=["approve", "reject"])})
_TEAMS = inline_serializer("ManagedTeamOut", many=True, fields={
    "name": serializers.CharField(),
    "members": inline_serializer("ManagedMemberOut", many=True, fields={
        "username": serializers.CharField(), "joined": serializers.DateTimeField()}),
    "invited": serializers.ListField(child=serializers.CharField())})
_DQ_IN = inline_serializer("DisqualifyIn", {"reason": serializers.CharField(max_length=300)})
_DQ = inline_serializer("DisqualificationOut", {
    "submission": serializers.IntegerField(), "disqualified": serializers.BooleanField(),
    "reason": serializers.CharField(allow_blank=True)})
_BASELINE_IN = inline_serializer("BaselineIn", {"baseline": serializers.BooleanField()})
_BASELINE = inline_serializer("BaselineOut", {
    "submission": serializers.IntegerField(), "baseline": serializers.BooleanField(),
    "changed": serializers.BooleanField()})
_AUDIT = inline_serializer("AuditEntryOut", many=True, fields={
    "time": serializers.DateTimeField(), "actor": serializers.CharField(),
    "action": serializers.CharField(), "phase": serializers.CharField(allow_null=True),
    "summary": serializers.CharField(), "detail": serializers.JSONField()})


def _error(message: str, field: str | None = None) -> Response:
    body = {"error": message}
    if field:
        body["fields"] = {field: message}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def _field(request, name: str):
    return request.data.get(name) if hasattr(request.data, "get") else None


def _invitation_body(invitation: OrganizerInvitation) -> dict:
    return {"id": invitation.pk, "challenge": invitation.challenge.slug,
            "invitee": invitation.invitee.get_username(),
            "invited_by": invitation.invited_by.get_username() if invitation.invited_by else None,
            "status": invitation.status, "created": _DATE.to_representation(invitation.created)}


def _organizers_body(challenge) -> dict:
    return {"challenge": challenge.slug,
            "organizers": [u.get_username() for u in roles.organizer_list(challenge)],
            "invited": [{"id": i.pk, "invitee": i.invitee.get_username(),
                         "invited_by": i.invited_by.get_username() if i.invited_by else None}
                        for i in roles.pending_for_challenge(challenge)]}


class OrganizersView(APIView):
    """Organizers: the challenge's organizers and pending invitations (GET); invite (POST)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=_ORGANIZERS)
    def get(self, request, slug: str):
        return Response(_organizers_body(organized_challenge(request, slug)))

    @extend_schema(request=_USERNAME_IN, responses={201: _INVITATION})
    def post(self, request, slug: str):
        challenge = organized_challenge(request, slug)
        try:
            invitation = roles.invite_organizer(challenge, request.user, _field(request, "username"))
        except roles.OrganizerError as exc:
            return _error(str(exc), "username")
        return Response(_invitation_body(invitation), status=status.HTTP_201_CREATED)


class OrganizerView(APIView):
    """Organizers: remove an organizer (never the last one)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=_ORGANIZERS)
    def delete(self, request, slug: str, username: str):
        challenge = organized_challenge(request, slug)
        try:
            roles.remove_organizer(challenge, username, request.user)
        except roles.OrganizerError as exc:
            return _error(str(exc), "username")
        return Response(_organizers_body(challenge))


class OrganizerInvitationListView(APIView):
    """The requester's pending co-organizer invitations, newest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=serializers.ListSerializer(child=_INVITATION))
    def get(self, request):
        return Response([_invitation_body(i) for i in roles.pending_organizer_invitations(request.user)])


class _Answer(APIView):
    permission_classes = [IsAuthenticated]
    accept = True

    @extend_schema(request=None, responses=_INVITATION)
    def post(self, request, organizer_invitation_id: int):
        if not OrganizerInvitation.objects.filter(pk=organizer_invitation_id,
                                                  invitee=request.user).exists():
            raise NotFound(f"invitation {organizer_invitation_id} does not exist")
        try:
            invitation = roles.answer_organizer_invitation(
                organizer_invitation_id, request.user, self.accept)
        except roles.OrganizerError as exc:
            return _error(str(exc))
        return Response(_invitation_body(invitation))


class OrganizerInvitationAcceptView(_Answer):
    """The invitee accepts: they organize the challenge from now on."""

    accept = True


class OrganizerInvitationDeclineView(_Answer):
    """The invitee declines."""

    accept = False


def _registration_body(r) -> dict:
    return {"id": r.pk, "user": r.user.get_username(), "status": r.status,
            "created": _DATE.to_representation(r.created),
            "decided": _DATE.to_representation(r.decided) if r.decided else None}


class RegistrationListView(APIView):
    """Organizers: the challenge's registrations (``?status=pending|approved|rejected``)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=["pending", "approved", "rejected"])],
                   responses=serializers.ListSerializer(child=_REGISTRATION))
    def get(self, request, slug: str):
        from arena.participation.models import Registration

        challenge = organized_challenge(request, slug)
        qs = Registration.objects.filter(challenge=challenge).select_related("user")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in Registration.Status.values:
                return _error(f"parameter 'status': expected one of "
                              f"{', '.join(Registration.Status.values)}", "status")
            qs = qs.filter(status=wanted)
        return Response([_registration_body(r) for r in qs.order_by("created", "id")])


class RegistrationDecisionView(APIView):
    """Organizers: approve or reject a registration of the challenge (audited; the user is
    notified)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=_DECISION_IN, responses=_REGISTRATION)
    def post(self, request, slug: str, registration_id: int):
        from arena.participation.models import Registration
        from arena.participation.services import decide_registration

        challenge = organized_challenge(request, slug)
        registration = Registration.objects.filter(pk=registration_id, challenge=challenge).first()
        if registration is None:
            raise NotFound(f"registration {registration_id} of '{slug}' does not exist")
        decision = _field(request, "decision")
        if decision not in ("approve", "reject"):
            return _error("field 'decision': expected 'approve' or 'reject'", "decision")
        registration = decide_registration(registration, decision == "approve", by=request.user)
        return Response(_registration_body(registration))


class TeamListView(APIView):
    """Organizers: every team of the challenge with its members and pending invitations."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=_TEAMS)
    def get(self, request, slug: str):
        from arena.participation.models import Invitation

        challenge = organized_challenge(request, slug)
        body = []
        for team in challenge.teams.prefetch_related("memberships__user"):
            invited = team.invitations.filter(status=Invitation.Status.PENDING)
            body.append({
                "name": team.name,
                "members": [{"username": m.user.get_username(),
                             "joined": _DATE.to_representation(m.joined)}
                            for m in team.memberships.all()],
                "invited": sorted(invited.values_list("invitee__username", flat=True)),
            })
        return Response(body)


class DisqualificationView(APIView):
    """Organizers: disqualify a submission of the challenge (POST ``{"reason"}``; its board
    drops it unless frozen) or withdraw that (DELETE). Audited."""

    permission_classes = [IsAuthenticated]

    def _submission(self, request, slug: str, submission_id: int):
        return _challenge_submission(request, slug, submission_id)

    @extend_schema(request=_DQ_IN, responses={201: _DQ})
    def post(self, request, slug: str, submission_id: int):
        from arena.leaderboards.disqualify import disqualify

        sub = self._submission(request, slug, submission_id)
        try:
            decision = disqualify(sub, _field(request, "reason") or "", by=request.user)
        except ValueError as exc:
            return _error(str(exc), "reason")
        return Response({"submission": sub.pk, "disqualified": True, "reason": decision.reason},
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=_DQ)
    def delete(self, request, slug: str, submission_id: int):
        from arena.leaderboards.disqualify import requalify

        sub = self._submission(request, slug, submission_id)
        requalify(sub, by=request.user)
        return Response({"submission": sub.pk, "disqualified": False, "reason": ""})


def _challenge_submission(request, slug: str, submission_id: int):
    """A submission of the organized challenge ``slug`` (404 for another challenge's)."""
    from arena.submissions.models import Submission

    challenge = organized_challenge(request, slug)
    sub = Submission.objects.filter(pk=submission_id, phase__challenge=challenge).select_related(
        "phase", "phase__challenge").first()
    if sub is None:
        raise NotFound(f"submission {submission_id} of '{slug}' does not exist")
    return sub


class BaselineView(APIView):
    """Organizers: ``{"baseline": true}`` marks a submission of the challenge as a baseline
    entry, ``false`` clears the flag (audited when it changes)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=_BASELINE_IN, responses=_BASELINE)
    def post(self, request, slug: str, submission_id: int):
        from arena.submissions.baselines import mark_baseline

        sub = _challenge_submission(request, slug, submission_id)
        flag = request.data.get("baseline") if hasattr(request.data, "get") else None
        if isinstance(flag, str) and flag.lower() in ("true", "false"):
            flag = flag.lower() == "true"
        if not isinstance(flag, bool):
            return _error("field 'baseline': expected true or false", "baseline")
        changed = mark_baseline(sub, flag, by=request.user)
        return Response({"submission": sub.pk, "baseline": flag, "changed": changed})


class AuditLogView(APIView):
    """Organizers: the challenge's audit log, newest first (``?limit=``, default 200)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("limit", int)], responses=_AUDIT)
    def get(self, request, slug: str):
        challenge = organized_challenge(request, slug)
        try:
            limit = max(1, min(int(request.query_params.get("limit", 200)), 5000))
        except ValueError:
            return _error("parameter 'limit': expected a whole number", "limit")
        entries = challenge.audit_entries.select_related("phase")[:limit]
        return Response([
            {"time": _DATE.to_representation(e.created), "actor": e.actor_name or "system",
             "action": e.action, "phase": e.phase.slug if e.phase else None,
             "summary": e.summary, "detail": e.detail}
            for e in entries
        ])
