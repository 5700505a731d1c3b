"""What team invitations and co-organizer invitations share: finding the caller's pending
invitation under a row lock before it is answered."""

from __future__ import annotations

from django.db.models import QuerySet


def pending_invitation(invitations: QuerySet, invitation_id: int, user, error: type[Exception]):
    """The invitation ``invitation_id`` addressed to ``user`` from ``invitations``, locked for
    update (call inside a transaction). Raises ``error`` when there is none for this user
    ("No such invitation.", the same text whether it does not exist or is someone else's) or when
    it was already answered or withdrawn (its status named)."""
    invitation = invitations.select_for_update().filter(pk=invitation_id, invitee=user).first()
    if invitation is None:
        raise error("No such invitation.")
    if invitation.status != "pending":
        raise error(f"This invitation was already {invitation.status}.")
    return invitation
