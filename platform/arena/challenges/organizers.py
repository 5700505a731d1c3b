"""The organizer role of a challenge: ``challenge.organizers`` (its creator and the co-organizers
who accepted an invitation). The one place where organizers are invited, join and are removed;
the web pages and the API call these.

Rules: only an organizer invites (by username); nobody is drafted: the invitee joins only by
accepting; an organizer removes a co-organizer (or themselves) but a challenge always keeps at
least one organizer. Every step is written to the audit log and the people concerned are
notified. Errors raise :class:`OrganizerError` whose text names the field."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from arena.challenges import audit
from arena.challenges.models import AuditEntry, Challenge, OrganizerInvitation
from arena.challenges.permissions import is_organizer
from arena.invitations import pending_invitation
from arena.notifications.services import notify


class OrganizerError(Exception):
    """An organizer-role request that cannot be honoured; ``str(exc)`` is user-facing."""


def _manage_link(challenge: Challenge) -> str:
    return f"/challenges/{challenge.slug}/manage/"


def organizer_list(challenge: Challenge) -> list:
    """The challenge's organizers (users), by username."""
    return list(challenge.organizers.order_by("username"))


def pending_for_challenge(challenge: Challenge) -> QuerySet[OrganizerInvitation]:
    """The challenge's pending co-organizer invitations, newest first."""
    return challenge.organizer_invitations.filter(
        status=OrganizerInvitation.Status.PENDING
    ).select_related("invitee", "invited_by")


def pending_organizer_invitations(user) -> QuerySet[OrganizerInvitation]:
    """The user's pending co-organizer invitations (every challenge), newest first."""
    if not getattr(user, "is_authenticated", False):
        return OrganizerInvitation.objects.none()
    return OrganizerInvitation.objects.filter(
        invitee=user, status=OrganizerInvitation.Status.PENDING
    ).select_related("challenge", "invited_by")


def invite_organizer(challenge: Challenge, inviter, username: str) -> OrganizerInvitation:
    """``inviter`` (an organizer) invites the user called ``username`` to co-organize; the
    invitee is notified and decides. Refused: unknown name, already an organizer, already
    invited."""
    if not is_organizer(inviter, challenge):
        raise OrganizerError("Only the challenge's organizers can invite co-organizers.")
    if not isinstance(username, str) or not username.strip():
        raise OrganizerError("Field 'username': name the user to invite.")
    username = username.strip()
    invitee = get_user_model().objects.filter(username=username).first()
    if invitee is None:
        raise OrganizerError(f"Field 'username': no user named {username!r}.")
    if challenge.organizers.filter(pk=invitee.pk).exists():
        raise OrganizerError(f"Field 'username': {username} already organizes {challenge.slug}.")
    try:
        with transaction.atomic():
            invitation = OrganizerInvitation.objects.create(
                challenge=challenge, invitee=invitee, invited_by=inviter
            )
            audit.record(AuditEntry.Action.ORGANIZER_INVITE, challenge=challenge, actor=inviter,
                         summary=f"{username} invited to co-organize", user=username)
            notify(invitee,
                   f"{inviter.get_username()} invites you to co-organize {challenge.title}. "
                   "Accept or decline on your organizer invitations page.",
                   link="/organizer-invitations/",
                   email_subject=f"Arena: co-organize {challenge.title}?")
    except IntegrityError:
        raise OrganizerError(
            f"Field 'username': {username} is already invited to co-organize {challenge.slug}."
        ) from None
    return invitation


def _pending_for(invitation_id: int, user) -> OrganizerInvitation:
    return pending_invitation(OrganizerInvitation.objects.select_related("challenge"), invitation_id, user,
                              OrganizerError)


def answer_organizer_invitation(invitation_id: int, user, accept: bool) -> OrganizerInvitation:
    """The invitee accepts (joins the challenge's organizers from now on) or declines; only
    their own pending invitation. The inviter is notified; the answer is audited."""
    with transaction.atomic():
        invitation = _pending_for(invitation_id, user)
        challenge = invitation.challenge
        invitation.status = (OrganizerInvitation.Status.ACCEPTED if accept
                             else OrganizerInvitation.Status.DECLINED)
        invitation.decided = timezone.now()
        invitation.save(update_fields=["status", "decided"])
        if accept:
            challenge.organizers.add(user)
        verdict = "accepted" if accept else "declined"
        audit.record(AuditEntry.Action.ORGANIZER_ANSWER, challenge=challenge, actor=user,
                     summary=f"{user.get_username()} {verdict} to co-organize",
                     user=user.get_username(), decision=verdict)
        if invitation.invited_by is not None:
            notify(invitation.invited_by,
                   f"{user.get_username()} {verdict} to co-organize {challenge.title}.",
                   link=_manage_link(challenge))
    return invitation


def cancel_organizer_invitation(challenge: Challenge, invitation_id: int, by) -> OrganizerInvitation:
    """An organizer withdraws a pending invitation of the challenge."""
    with transaction.atomic():
        invitation = (
            OrganizerInvitation.objects.select_for_update()
            .filter(pk=invitation_id, challenge=challenge, status=OrganizerInvitation.Status.PENDING)
            .select_related("invitee")
            .first()
        )
        if invitation is None:
            raise OrganizerError("No such pending invitation.")
        invitation.status = OrganizerInvitation.Status.CANCELLED
        invitation.decided = timezone.now()
        invitation.save(update_fields=["status", "decided"])
        audit.record(AuditEntry.Action.ORGANIZER_ANSWER, challenge=challenge, actor=by,
                     summary=f"invitation of {invitation.invitee.get_username()} withdrawn",
                     user=invitation.invitee.get_username(), decision="cancelled")
    return invitation


def remove_organizer(challenge: Challenge, username: str, by) -> None:
    """Remove ``username`` from the challenge's organizers (an organizer may remove anyone,
    themselves included). Refused for a non-organizer and for the last organizer."""
    with transaction.atomic():
        # lock the challenge row: two concurrent removals cannot leave it without organizers
        Challenge.objects.select_for_update().filter(pk=challenge.pk).first()
        target = challenge.organizers.filter(username=username).first()
        if target is None:
            raise OrganizerError(f"Field 'username': {username!r} is not an organizer of "
                                 f"{challenge.slug}.")
        if challenge.organizers.count() <= 1:
            raise OrganizerError(f"Field 'username': {username} is the last organizer of "
                                 f"{challenge.slug}; invite another organizer first.")
        challenge.organizers.remove(target)
        audit.record(AuditEntry.Action.ORGANIZER_REMOVE, challenge=challenge, actor=by,
                     summary=f"{username} no longer organizes", user=username)
        if target.pk != getattr(by, "pk", None):
            notify(target, f"You no longer organize {challenge.title}.",
                   link=f"/challenges/{challenge.slug}/")
