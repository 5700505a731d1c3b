"""Home page, challenge list, challenge page and joining a challenge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from arena.challenges import permissions as perms
from arena.participation.services import ParticipationError, join_challenge
from arena.web.access import challenge_or_404
from arena.web.forms import InviteForm, TeamForm
from arena.web.presenters import phase_card, phase_state, task_or_none


def _challenge_rows(user) -> list[dict]:
    challenges = (
        perms.visible_challenges(user)
        .prefetch_related("phases")
        .annotate(
            n_participants=Count(
                "registrations", filter=Q(registrations__status="approved"), distinct=True
            )
        )
        .order_by("title")
    )
    rows = []
    for challenge in challenges:
        phases = list(challenge.phases.all())
        tasks = [task_or_none(p.task) for p in phases]
        rows.append(
            {
                "challenge": challenge,
                "phases": [
                    {"phase": p, "state": phase_state(p), "leaders": _leaders(user, p)}
                    for p in phases
                ],
                "modalities": sorted(
                    {m for t in tasks if t for m in (t.input_channels or {}).values()}
                ),
                "participants": challenge.n_participants,
                "status": perms.registration_status(user, challenge),
            }
        )
    return rows


def _leaders(user, phase) -> list[str]:
    """Participants ranked first on the phase's board (ties share it), if the user may see it."""
    from arena.leaderboards.models import LeaderboardEntry

    if not perms.can_view_leaderboard(user, phase):
        return []
    return list(
        LeaderboardEntry.objects.filter(phase=phase, rank=1).values_list("participant", flat=True)[:3]
    )


def home(request: HttpRequest) -> HttpResponse:
    """Landing page: what Arena is and every challenge the user may see."""
    return render(request, "web/home.html", {"rows": _challenge_rows(request.user)})


def challenge_list(request: HttpRequest) -> HttpResponse:
    """All challenges visible to the user."""
    return render(request, "web/challenge_list.html", {
        "rows": _challenge_rows(request.user),
        "can_create": perms.can_create_challenge(request.user),
    })


def challenge_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A challenge: description, rules, and its phases (tasks, schedule, quota, ranking)."""
    challenge = challenge_or_404(request, slug)
    cards = [phase_card(request.user, phase) for phase in challenge.phases.all()]
    from arena.challenges.pages import challenge_pages
    from arena.participation.services import pending_invitations, team_for
    from arena.web.views.challenge_pages import challenge_counts

    team = team_for(request.user, challenge)
    pages = challenge_pages(challenge)
    context = {
        "pages": pages,
        "overview": next((p for p in pages if p.slug == "overview"), None),
        "counts": challenge_counts(challenge),
        "can_create": perms.can_create_challenge(request.user),
        "challenge": challenge,
        "cards": cards,
        "team": team,
        "team_members": list(team.members.values_list("username", flat=True)) if team else [],
        "team_pending": (
            list(team.invitations.filter(status="pending").values_list("invitee__username", flat=True))
            if team else []
        ),
        "invitations": list(pending_invitations(request.user, challenge)),
        "team_form": TeamForm(),
        "invite_form": InviteForm(),
        "is_organizer": perms.is_organizer(request.user, challenge),
        "registration": perms.registration_status(request.user, challenge),
        "organizers": list(challenge.organizers.values_list("username", flat=True)),
    }
    return render(request, "web/challenge_detail.html", context)


@login_required
@require_POST
def challenge_join(request: HttpRequest, slug: str) -> HttpResponse:
    """Register the user for the challenge (approved at once unless approval is required)."""
    challenge = challenge_or_404(request, slug)
    try:
        registration = join_challenge(request.user, challenge)
    except ParticipationError as exc:
        messages.error(request, str(exc))
    else:
        if registration.status == "approved":
            messages.success(request, f"You joined {challenge.title}. Good luck!")
        elif registration.status == "pending":
            messages.info(request, "Registration received: the organizers will review it.")
        else:
            messages.error(request, "Your registration for this challenge was rejected.")
    return redirect("web:challenge_detail", slug=challenge.slug)
