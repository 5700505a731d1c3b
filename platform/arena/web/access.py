"""Object lookups with permission checks shared by the web views.

Convention: an object the user may not even know about answers 404 (never 403), so private
challenges, hidden phases and other people's submissions do not leak their existence.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from arena.challenges import permissions as perms
from arena.challenges.models import Challenge, Phase
from arena.submissions.models import Submission


def challenge_or_404(request: HttpRequest, slug: str) -> Challenge:
    """The challenge ``slug`` if the user may view it, else 404."""
    challenge = Challenge.objects.filter(slug=slug).first()
    if challenge is None or not perms.can_view_challenge(request.user, challenge):
        raise Http404(f"No challenge '{slug}'.")
    return challenge


def phase_or_404(request: HttpRequest, phase_id: int) -> Phase:
    """The phase ``phase_id`` if the user may view its challenge, else 404."""
    phase = Phase.objects.select_related("challenge").filter(pk=phase_id).first()
    if phase is None or not perms.can_view_challenge(request.user, phase.challenge):
        raise Http404(f"No phase {phase_id}.")
    return phase


def organizer_phase_or_404(request: HttpRequest, phase_id: int) -> Phase:
    """The phase ``phase_id`` if the user organizes its challenge, else 404."""
    phase = phase_or_404(request, phase_id)
    if not perms.is_organizer(request.user, phase.challenge):
        raise Http404(f"No phase {phase_id}.")
    return phase


def submission_or_404(request: HttpRequest, submission_id: int) -> Submission:
    """The submission if the user may view it (owner, team-mate, organizer), else 404."""
    submission = (
        Submission.objects.select_related("phase__challenge", "creator", "team")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or not perms.can_view_submission(request.user, submission):
        raise Http404(f"No submission {submission_id}.")
    return submission


def wants_json(request: HttpRequest) -> bool:
    """True for the upload script's XMLHttpRequest posts (they ask for a JSON answer)."""
    return request.headers.get("x-requested-with") == "XMLHttpRequest"


def organizer_challenge_or_404(request: HttpRequest, slug: str) -> Challenge:
    """The challenge ``slug`` if the user organizes it, else 404."""
    challenge = Challenge.objects.filter(slug=slug).first()
    if challenge is None or not perms.is_organizer(request.user, challenge):
        raise Http404(f"No challenge '{slug}'.")
    return challenge


def challenge_phase_or_404(challenge: Challenge, phase_id: int) -> Phase:
    """The phase ``phase_id`` of ``challenge`` (a phase of another challenge: 404)."""
    phase = Phase.objects.select_related("challenge").filter(pk=phase_id, challenge=challenge).first()
    if phase is None:
        raise Http404(f"No phase {phase_id}.")
    return phase
