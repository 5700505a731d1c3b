"""Who may see and do what. Every participant-facing view and API endpoint calls these.

Convention: ``user`` may be anonymous; superusers are organizers of every challenge. Reference
data is never covered here because nothing participant-facing may serve it at all.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from arena.challenges.models import Challenge, Phase


def is_organizer(user, challenge: Challenge) -> bool:
    """True for superusers and the challenge's organizers."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return challenge.organizers.filter(pk=user.pk).exists()


def registration_status(user, challenge: Challenge) -> str | None:
    """The user's registration status for the challenge ("pending", "approved", "rejected")
    or None when not registered / anonymous."""
    if not getattr(user, "is_authenticated", False):
        return None
    # The reverse relation of participation.Registration.challenge: no import of the app above.
    return challenge.registrations.filter(user=user).values_list("status", flat=True).first()


def is_participant(user, challenge: Challenge) -> bool:
    """True when the user holds an approved registration."""
    return registration_status(user, challenge) == "approved"


def can_view_challenge(user, challenge: Challenge) -> bool:
    """Public challenges are readable by all; private ones by organizers and registrants."""
    if challenge.is_public:
        return True
    return is_organizer(user, challenge) or registration_status(user, challenge) is not None


def visible_challenges(user) -> QuerySet[Challenge]:
    """Challenges the user may see (public + those they organize or registered to)."""
    qs = Challenge.objects.all()
    if getattr(user, "is_authenticated", False):
        if user.is_superuser:
            return qs
        return qs.filter(
            Q(is_public=True) | Q(organizers=user) | Q(registrations__user=user)
        ).distinct()
    return qs.filter(is_public=True)


def can_submit(user, phase: Phase) -> tuple[bool, str]:
    """(allowed, reason): logged in, approved participant (or organizer), phase open."""
    if not getattr(user, "is_authenticated", False):
        return False, "Log in to submit."
    challenge = phase.challenge
    if not is_organizer(user, challenge):
        status = registration_status(user, challenge)
        if status is None:
            return False, f"You are not registered for the challenge '{challenge.slug}'."
        if status == "pending":
            return False, "Your registration is waiting for the organizers' approval."
        if status != "approved":
            return False, "Your registration for this challenge was not approved."
    if not phase.is_open():
        return False, f"The phase '{phase.slug}' is closed for submissions."
    return True, ""


def can_view_leaderboard(user, phase: Phase) -> bool:
    """Organizers always; otherwise per ``phase.leaderboard_visibility``."""
    challenge = phase.challenge
    if is_organizer(user, challenge):
        return True
    visibility = phase.leaderboard_visibility
    if visibility == Phase.Visibility.HIDDEN:
        return False
    if visibility == Phase.Visibility.PARTICIPANTS:
        return is_participant(user, challenge)
    return can_view_challenge(user, challenge)


def can_view_per_case(user, phase: Phase) -> bool:
    """Per-case results: organizers, or anyone who sees the board once per-case is released."""
    if is_organizer(user, phase.challenge):
        return True
    return phase.show_per_case and can_view_leaderboard(user, phase)


def _is_owner(user, submission) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if submission.creator_id == user.pk:
        return True
    # The reverse relation of participation.Membership.team: no import of the app above. A
    # member sees the team's submissions made from the moment they joined.
    return bool(submission.team_id) and submission.team.memberships.filter(
        user=user, joined__lte=submission.created
    ).exists()


def can_view_submission(user, submission) -> bool:
    """Organizers of its challenge, its creator and the members of its team who joined before
    it was made (a member who left, or joined later, does not see it)."""
    return _is_owner(user, submission) or is_organizer(user, submission.phase.challenge)


def can_view_metrics(user, submission) -> bool:
    """Aggregate metrics of a submission: organizers; owners unless the board is hidden."""
    phase = submission.phase
    if is_organizer(user, phase.challenge):
        return True
    return _is_owner(user, submission) and (
        phase.leaderboard_visibility != Phase.Visibility.HIDDEN
    )


def can_view_submission_cases(user, submission) -> bool:
    """Per-case results of one submission: organizers; owners when per-case is released."""
    phase = submission.phase
    if is_organizer(user, phase.challenge):
        return True
    return phase.show_per_case and can_view_metrics(user, submission)


def can_download_inputs(user, phase: Phase) -> bool:
    """Test images of prediction phases: approved participants and organizers."""
    if phase.kind != Phase.Kind.PREDICTIONS:
        return is_organizer(user, phase.challenge)
    return is_organizer(user, phase.challenge) or is_participant(user, phase.challenge)


def can_download_snapshot(user, phase: Phase) -> bool:
    """A frozen board's signed snapshot holds every entry's per-case table: organizers, or
    board viewers once per-case results are released (the hash is public on the page)."""
    return can_view_leaderboard(user, phase) and can_view_per_case(user, phase)


def can_create_challenge(user) -> bool:
    """Who may host a new challenge (bundle upload): superusers and users holding the standard
    permission ``challenges.add_challenge`` (granted by staff in the admin, or by
    ``issue_token NAME --create --organizer``)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.has_perm("challenges.add_challenge")
