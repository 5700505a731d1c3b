"""Team pages: found a team, invite, accept or decline an invitation, leave. Every action is a
POST that calls ``arena.participation.services`` (the API calls the same functions) and returns
to the challenge page's Team panel with a message naming the outcome."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from arena.participation import services
from arena.participation.models import Invitation
from arena.web.access import challenge_or_404
from arena.web.forms import InviteForm, TeamForm


def _back(challenge) -> HttpResponse:
    return redirect(reverse("web:challenge_detail", args=[challenge.slug]) + "#team")


@login_required
@require_POST
def team_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Found a team of the user and invite the named approved participants."""
    challenge = challenge_or_404(request, slug)
    form = TeamForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Field 'name': a team needs a name (at most 100 characters).")
        return _back(challenge)
    try:
        team = services.create_team_for(
            challenge, request.user, form.cleaned_data["name"], form.member_names()
        )
    except services.ParticipationError as exc:
        messages.error(request, str(exc))
    else:
        invited = ", ".join(team.invitations.values_list("invitee__username", flat=True))
        messages.success(
            request,
            f"Team '{team.name}' created: your submissions now count for the team."
            + (f" Invited: {invited} (they join when they accept)." if invited else ""),
        )
    return _back(challenge)


@login_required
@require_POST
def team_invite(request: HttpRequest, slug: str) -> HttpResponse:
    """Invite one approved participant into the user's team."""
    challenge = challenge_or_404(request, slug)
    team = services.team_for(request.user, challenge)
    if team is None:
        raise Http404("You are not in a team in this challenge.")
    form = InviteForm(request.POST)
    username = form.cleaned_data["username"] if form.is_valid() else ""
    try:
        invitation = services.invite_by_name(team, request.user, username)
    except services.ParticipationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{invitation.invitee.get_username()} is invited to {team.name}.")
    return _back(challenge)


@login_required
@require_POST
def team_leave(request: HttpRequest, slug: str) -> HttpResponse:
    """Leave the user's team in the challenge."""
    challenge = challenge_or_404(request, slug)
    try:
        team = services.leave_team(request.user, challenge)
    except services.ParticipationError as exc:
        raise Http404(str(exc))
    messages.success(request, f"You left {team.name}; your new submissions count for you alone.")
    return _back(challenge)


def _invitation_or_404(request: HttpRequest, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_related("team__challenge")
        .filter(pk=invitation_id, invitee=request.user)
        .first()
    )
    if invitation is None:  # somebody else's invitation: it does not exist for this user
        raise Http404(f"No invitation {invitation_id}.")
    return invitation


def _answer(request: HttpRequest, invitation_id: int, answer, done) -> HttpResponse:
    """Apply the invitee's ``answer`` (a participation service) and report ``done(team)`` or
    the service's refusal on the challenge page."""
    invitation = _invitation_or_404(request, invitation_id)
    try:
        answer(invitation.pk, request.user)
    except services.ParticipationError as exc:
        messages.error(request, str(exc))
    else:
        done(invitation.team.name)
    return _back(invitation.team.challenge)


@login_required
@require_POST
def invitation_accept(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """The invitee accepts and joins the team from now on."""
    return _answer(request, invitation_id, services.accept_invitation,
                   lambda team: messages.success(request, f"You joined {team}."))


@login_required
@require_POST
def invitation_decline(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """The invitee declines."""
    return _answer(request, invitation_id, services.decline_invitation,
                   lambda team: messages.info(request, f"You declined the invitation to {team}."))
