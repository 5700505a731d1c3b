"""Registration and team services: the one place where people join, are invited into and leave
teams (the web pages and the API both call these).

Team rules: a team is founded by one approved participant; everyone else joins only by
accepting an invitation addressed to them (nobody is drafted); a user is in at most one team per
challenge (enforced by the database); a member may leave at any time. A member sees the team's
submissions created from the moment they joined (``Membership.joined``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from arena.challenges.models import Challenge
from arena.invitations import pending_invitation
from arena.notifications.services import notify
from arena.participation.models import Invitation, Membership, Registration, Team


class ParticipationError(Exception):
    """A registration/team request that cannot be honoured; ``str(exc)`` is user-facing."""


def join_challenge(user, challenge: Challenge) -> Registration:
    """Register ``user`` (idempotent). Approved at once unless the challenge requires
    approval; then ``pending`` and the organizers are notified."""
    if not getattr(user, "is_authenticated", False):
        raise ParticipationError("Log in to join a challenge.")
    from arena.challenges.permissions import can_view_challenge

    if not can_view_challenge(user, challenge):
        raise ParticipationError(f"Challenge '{challenge.slug}' does not exist.")
    status = (
        Registration.Status.PENDING
        if challenge.requires_approval
        else Registration.Status.APPROVED
    )
    with transaction.atomic():
        registration, created = Registration.objects.get_or_create(
            user=user,
            challenge=challenge,
            defaults={"status": status, "decided": None if status == "pending" else timezone.now()},
        )
        if created and status == Registration.Status.PENDING:
            from arena.notifications.services import notify

            for organizer in challenge.organizers.all():
                notify(
                    organizer,
                    f"{user.get_username()} asks to join {challenge.title}.",
                    link=f"/challenges/{challenge.slug}/",
                )
    return registration


def decide_registration(registration: Registration, approve: bool, by=None) -> Registration:
    """Approve or reject a registration and notify the user."""
    from arena.notifications.services import notify

    registration.status = (
        Registration.Status.APPROVED if approve else Registration.Status.REJECTED
    )
    registration.decided = timezone.now()
    with transaction.atomic():
        registration.save(update_fields=["status", "decided"])
        verdict = "approved" if approve else "rejected"
        if by is not None:
            from arena.challenges import audit

            audit.record(audit.AuditEntry.Action.REGISTRATION, challenge=registration.challenge,
                         actor=by, summary=f"registration of {registration.user.get_username()} "
                         f"{verdict}", user=registration.user.get_username(), decision=verdict)
        notify(
            registration.user,
            f"Your registration for {registration.challenge.title} was {verdict}.",
            link=f"/challenges/{registration.challenge.slug}/",
            email_subject=f"Arena: registration {verdict}",
        )
    return registration


def team_for(user, challenge: Challenge) -> Team | None:
    """The user's team in the challenge, or None (always None for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Team.objects.filter(challenge=challenge, memberships__user=user).first()


def _require_approved(user, challenge: Challenge) -> None:
    if not Registration.objects.filter(
        user=user, challenge=challenge, status=Registration.Status.APPROVED
    ).exists():
        raise ParticipationError(
            f"{user.get_username()} is not an approved participant of {challenge.slug}."
        )


def _require_teamless(user, challenge: Challenge) -> None:
    if Membership.objects.filter(user=user, challenge=challenge).exists():
        raise ParticipationError(f"{user.get_username()} is already in a team.")


def _team_link(challenge: Challenge) -> str:
    return f"/challenges/{challenge.slug}/#team"


def create_team(challenge: Challenge, name: str, founder) -> Team:
    """Found a team whose only member is ``founder`` (an approved participant without a team).
    Anyone else joins by accepting an invitation (:func:`invite`)."""
    name = (name or "").strip()
    if not name:
        raise ParticipationError("A team needs a name.")
    _require_approved(founder, challenge)
    _require_teamless(founder, challenge)
    try:
        with transaction.atomic():
            team = Team.objects.create(challenge=challenge, name=name)
            Membership.objects.create(
                team=team, user=founder, challenge=challenge, joined=team.created
            )
    except IntegrityError:
        if Team.objects.filter(challenge=challenge, name=name).exists():
            raise ParticipationError(f"A team named '{name}' already exists in {challenge.slug}.")
        raise ParticipationError(f"{founder.get_username()} is already in a team.")
    return team


def _users_named(names: Iterable[str], field: str = "members") -> list:
    names = sorted({n.strip() for n in names if n and n.strip()})
    found = {u.get_username(): u for u in get_user_model().objects.filter(username__in=names)}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ParticipationError(
            f"Field '{field}': no user named {', '.join(repr(n) for n in unknown)}."
        )
    return [found[n] for n in names]


def _check_invitable(team: Team, invitee) -> None:
    challenge = team.challenge
    _require_approved(invitee, challenge)
    _require_teamless(invitee, challenge)
    if team.invitations.filter(invitee=invitee, status=Invitation.Status.PENDING).exists():
        raise ParticipationError(f"{invitee.get_username()} is already invited to {team.name}.")


def invite(team: Team, inviter, invitee) -> Invitation:
    """Invite ``invitee`` (an approved participant of the team's challenge without a team) into
    ``team``; ``inviter`` must be a member. The invitee is notified and decides."""
    if not team.memberships.filter(user=inviter).exists():
        raise ParticipationError("Only members of a team can invite people to it.")
    if invitee.pk == inviter.pk:
        raise ParticipationError("Field 'username': you are already in this team.")
    _check_invitable(team, invitee)
    with transaction.atomic():
        invitation = Invitation.objects.create(team=team, invitee=invitee, invited_by=inviter)
        notify(
            invitee,
            f"{inviter.get_username()} invites you to join team {team.name} in "
            f"{team.challenge.title}. Accept or decline on the challenge page.",
            link=_team_link(team.challenge),
            email_subject=f"Arena: invitation to team {team.name}",
        )
    return invitation


def invite_by_name(team: Team, inviter, username: str) -> Invitation:
    """:func:`invite` the user called ``username``; an unknown name is refused naming the field."""
    if not isinstance(username, str) or not username.strip():
        raise ParticipationError("Field 'username': name the user to invite.")
    (invitee,) = _users_named([username], field="username")
    return invite(team, inviter, invitee)


def create_team_for(challenge: Challenge, creator, name: str, member_names: Iterable[str]) -> Team:
    """Found a team of ``creator`` and invite the users named in ``member_names`` (the
    creator's own name may be among them). Every name is checked before anything is made; an
    unknown name or someone who cannot be invited is refused naming the field. Invited people
    become members only when they accept."""
    others = [u for u in _users_named(member_names) if u.pk != creator.pk]
    for user in others:
        _require_approved(user, challenge)
        _require_teamless(user, challenge)
    with transaction.atomic():
        team = create_team(challenge, name, creator)
        for user in others:
            invite(team, creator, user)
    return team


def _pending_for(invitation_id: int, user) -> Invitation:
    return pending_invitation(Invitation.objects.select_related("team__challenge"), invitation_id, user,
                              ParticipationError)


def _tell_members(team: Team, text: str, *, skip=None) -> None:
    for member in team.members.all():
        if skip is None or member.pk != skip.pk:
            notify(member, text, link=_team_link(team.challenge))


def accept_invitation(invitation_id: int, user) -> Membership:
    """The invitee accepts: they become a member from now on (they see the team's submissions
    made from this moment), and their other pending invitations in the challenge are
    cancelled. Refused when it is not their invitation, no longer pending, or they are in a
    team already."""
    with transaction.atomic():
        invitation = _pending_for(invitation_id, user)
        team = invitation.team
        _require_approved(user, team.challenge)
        _require_teamless(user, team.challenge)
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    team=team, user=user, challenge=team.challenge, joined=timezone.now()
                )
        except IntegrityError:
            raise ParticipationError(f"{user.get_username()} is already in a team.")
        now = timezone.now()
        Invitation.objects.filter(pk=invitation.pk).update(
            status=Invitation.Status.ACCEPTED, decided=now
        )
        Invitation.objects.filter(
            invitee=user, team__challenge=team.challenge, status=Invitation.Status.PENDING
        ).update(status=Invitation.Status.CANCELLED, decided=now)
        _tell_members(team, f"{user.get_username()} joined team {team.name}.", skip=user)
    return membership


def decline_invitation(invitation_id: int, user) -> Invitation:
    """The invitee declines; the member who invited them is notified."""
    with transaction.atomic():
        invitation = _pending_for(invitation_id, user)
        invitation.status = Invitation.Status.DECLINED
        invitation.decided = timezone.now()
        invitation.save(update_fields=["status", "decided"])
        if invitation.invited_by is not None:
            notify(
                invitation.invited_by,
                f"{user.get_username()} declined the invitation to team {invitation.team.name}.",
                link=_team_link(invitation.team.challenge),
            )
    return invitation


def leave_team(user, challenge: Challenge) -> Team:
    """``user`` leaves their team in the challenge: from now on they see only the submissions
    they made themselves; the team keeps its submissions and board row. Refused when they are
    in no team."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .select_related("team")
            .filter(user=user, challenge=challenge)
            .first()
        )
        if membership is None:
            raise ParticipationError(f"You are not in a team in {challenge.slug}.")
        team = membership.team
        membership.delete()
        team.invitations.filter(
            invited_by=user, status=Invitation.Status.PENDING
        ).update(status=Invitation.Status.CANCELLED, decided=timezone.now())
        _tell_members(team, f"{user.get_username()} left team {team.name}.")
    return team


def pending_invitations(user, challenge: Challenge | None = None):
    """The user's pending invitations (optionally in one challenge), newest first."""
    if not getattr(user, "is_authenticated", False):
        return Invitation.objects.none()
    qs = Invitation.objects.filter(invitee=user, status=Invitation.Status.PENDING)
    if challenge is not None:
        qs = qs.filter(team__challenge=challenge)
    return qs.select_related("team", "team__challenge", "invited_by")
