"""Registration and team services."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from arena.challenges.models import Challenge
from arena.participation.models import Registration, Team


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
    """The user's team in the challenge, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Team.objects.filter(challenge=challenge, members=user).first()


def create_team(challenge: Challenge, name: str, members: Iterable) -> Team:
    """Create a team; every member must be an approved participant without another team."""
    members = list(members)
    name = (name or "").strip()
    if not name:
        raise ParticipationError("A team needs a name.")
    for member in members:
        if not Registration.objects.filter(
            user=member, challenge=challenge, status=Registration.Status.APPROVED
        ).exists():
            raise ParticipationError(
                f"{member.get_username()} is not an approved participant of {challenge.slug}."
            )
        if team_for(member, challenge) is not None:
            raise ParticipationError(f"{member.get_username()} is already in a team.")
    try:
        with transaction.atomic():
            team = Team.objects.create(challenge=challenge, name=name)
            team.members.set(members)
    except IntegrityError:
        raise ParticipationError(f"A team named '{name}' already exists in {challenge.slug}.")
    return team


def create_team_for(challenge: Challenge, creator, name: str, member_names: Iterable[str]) -> Team:
    """Create a team of ``creator`` and the users named in ``member_names`` (the creator's own
    name may be among them); an unknown name is refused naming the field."""
    from django.contrib.auth import get_user_model

    names = sorted({n.strip() for n in member_names if n.strip()} - {creator.get_username()})
    found = {u.get_username(): u for u in get_user_model().objects.filter(username__in=names)}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ParticipationError(
            f"Field 'members': no user named {', '.join(repr(n) for n in unknown)}."
        )
    return create_team(challenge, name, [creator, *found.values()])
