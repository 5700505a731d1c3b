"""Organizer pages about people: organizers and co-organizer invitations, registrations
(approve / reject), teams and their members; and the invitee's side of a co-organizer
invitation (accept / decline). Organizer pages answer 404 to everyone else; an invitation
answers 404 to anyone but its invitee."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from arena.challenges import organizers as roles
from arena.challenges import permissions as perms
from arena.web.access import organizer_challenge_or_404


@login_required
def manage_people(request: HttpRequest, slug: str) -> HttpResponse:
    """Organizers, pending co-organizer invitations, registrations and teams."""
    from arena.participation.models import Invitation, Registration

    challenge = organizer_challenge_or_404(request, slug)
    teams = list(challenge.teams.prefetch_related("memberships__user"))
    pending_team = Invitation.objects.filter(
        team__challenge=challenge, status=Invitation.Status.PENDING).select_related("team", "invitee")
    invited: dict[int, list[str]] = {}
    for invitation in pending_team:
        invited.setdefault(invitation.team_id, []).append(invitation.invitee.get_username())
    for team in teams:
        team.invited_names = sorted(invited.get(team.pk, []))
    context = {
        "challenge": challenge,
        "organizers": roles.organizer_list(challenge),
        "invited": roles.pending_for_challenge(challenge),
        "registrations": Registration.objects.filter(challenge=challenge)
        .select_related("user").order_by("status", "user__username"),
        "teams": teams,
    }
    return render(request, "web/manage_people.html", context)


def _back(slug: str) -> HttpResponse:
    return redirect("web:manage_people", slug=slug)


@login_required
@require_POST
def organizer_invite(request: HttpRequest, slug: str) -> HttpResponse:
    """Invite the user named in ``username`` to co-organize (they accept or decline)."""
    challenge = organizer_challenge_or_404(request, slug)
    try:
        invitation = roles.invite_organizer(challenge, request.user, request.POST.get("username", ""))
    except roles.OrganizerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{invitation.invitee.get_username()} is invited; they join "
                         "the organizers when they accept.")
    return _back(slug)


@login_required
@require_POST
def organizer_remove(request: HttpRequest, slug: str) -> HttpResponse:
    """Remove the organizer named in ``username`` (never the last one); ``invitation=<id>``
    withdraws a pending invitation instead."""
    challenge = organizer_challenge_or_404(request, slug)
    try:
        if request.POST.get("invitation"):
            try:
                invitation_id = int(request.POST["invitation"])
            except ValueError:
                raise roles.OrganizerError("Field 'invitation': expected an invitation id.") from None
            roles.cancel_organizer_invitation(challenge, invitation_id, request.user)
            messages.success(request, "Invitation withdrawn.")
        else:
            username = request.POST.get("username", "")
            roles.remove_organizer(challenge, username, request.user)
            messages.success(request, f"{username} no longer organizes {challenge.slug}.")
    except roles.OrganizerError as exc:
        messages.error(request, str(exc))
    if not perms.is_organizer(request.user, challenge):  # removed themselves
        return redirect("web:challenge_detail", slug=slug)
    return _back(slug)


@login_required
@require_POST
def registration_decision(request: HttpRequest, slug: str, registration_id: int) -> HttpResponse:
    """``decision=approve`` or ``reject`` a registration of the challenge (audited)."""
    from arena.participation.models import Registration
    from arena.participation.services import decide_registration

    challenge = organizer_challenge_or_404(request, slug)
    registration = Registration.objects.filter(pk=registration_id, challenge=challenge).first()
    if registration is None:
        raise Http404(f"No registration {registration_id}.")
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "reject"):
        messages.error(request, f"Field 'decision': expected 'approve' or 'reject', got '{decision[:40]}'.")
    else:
        decide_registration(registration, decision == "approve", by=request.user)
        messages.success(request, f"{registration.user.get_username()}: {decision}d.")
    return _back(slug)


@login_required
def organizer_invitations(request: HttpRequest) -> HttpResponse:
    """The signed-in user's pending co-organizer invitations."""
    return render(request, "web/organizer_invitations.html",
                  {"invitations": roles.pending_organizer_invitations(request.user)})


def _answer(request: HttpRequest, invitation_id: int, accept: bool) -> HttpResponse:
    from arena.challenges.models import OrganizerInvitation

    if not OrganizerInvitation.objects.filter(pk=invitation_id, invitee=request.user).exists():
        raise Http404(f"No invitation {invitation_id}.")
    try:
        invitation = roles.answer_organizer_invitation(invitation_id, request.user, accept)
    except roles.OrganizerError as exc:
        messages.error(request, str(exc))
        return redirect("web:organizer_invitations")
    if accept:
        messages.success(request, f"You now co-organize {invitation.challenge.title}.")
        return redirect("web:manage_dashboard", slug=invitation.challenge.slug)
    messages.success(request, "Invitation declined.")
    return redirect("web:organizer_invitations")


@login_required
@require_POST
def organizer_invitation_accept(request: HttpRequest, organizer_invitation_id: int) -> HttpResponse:
    """The invitee accepts: they join the challenge's organizers."""
    return _answer(request, organizer_invitation_id, True)


@login_required
@require_POST
def organizer_invitation_decline(request: HttpRequest, organizer_invitation_id: int) -> HttpResponse:
    """The invitee declines."""
    return _answer(request, organizer_invitation_id, False)
