"""Organizer pages: phase settings, re-evaluation, publish/hide, registrations. Every view
answers 404 to anyone who does not organize the challenge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from arena.challenges import permissions as perms
from arena.challenges.models import Phase
from arena.web.access import organizer_phase_or_404, submission_or_404
from arena.web.forms import PhaseSettingsForm
from arena.web.presenters import phase_card

_RECOMPUTE_FIELDS = {"leaderboard_policy", "frozen"}


@login_required
def phase_manage(request: HttpRequest, phase_id: int) -> HttpResponse:
    """Phase settings form, dataset summary, all submissions and pending registrations."""
    from arena.challenges.services import phase_case_ids
    from arena.participation.models import Registration

    phase = organizer_phase_or_404(request, phase_id)
    form = PhaseSettingsForm(request.POST if request.method == "POST" else None, instance=phase)
    if request.method == "POST" and form.is_valid():
        changed = set(form.changed_data)
        form.save()
        if changed & _RECOMPUTE_FIELDS:
            from arena.leaderboards.services import recompute_leaderboard

            recompute_leaderboard(phase)
        messages.success(request, "Phase settings saved." if changed else "Nothing changed.")
        return redirect("web:phase_manage", phase_id=phase.pk)
    submissions = phase.submissions.select_related("creator", "team").order_by("-created")[:300]
    registrations = Registration.objects.filter(
        challenge=phase.challenge, status=Registration.Status.PENDING
    ).select_related("user")
    context = {
        "phase": phase,
        "card": phase_card(request.user, phase),
        "form": form,
        "submissions": submissions,
        "registrations": registrations,
        "n_cases": len(phase_case_ids(phase)),
    }
    return render(request, "web/phase_manage.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def phase_reevaluate(request: HttpRequest, phase_id: int) -> HttpResponse:
    """Re-score every scored submission of the phase (after an evaluator/reference change)."""
    from arena.evaluation.services import reevaluate_phase

    phase = organizer_phase_or_404(request, phase_id)
    count = reevaluate_phase(phase, by=request.user)
    messages.success(request, f"{count} submission(s) queued for re-evaluation.")
    return redirect("web:phase_manage", phase_id=phase.pk)


@login_required
@require_POST
def submission_reevaluate(request: HttpRequest, submission_id: int) -> HttpResponse:
    """Re-score one submission (organizers only)."""
    from arena.evaluation.services import reevaluate_submission

    submission = submission_or_404(request, submission_id)
    if not perms.is_organizer(request.user, submission.phase.challenge):
        raise Http404(f"No submission {submission_id}.")
    updated = reevaluate_submission(submission, by=request.user)
    if updated.attempt > submission.attempt:
        messages.success(request, f"Submission {submission.pk} queued for re-evaluation (attempt {updated.attempt}).")
    else:
        messages.error(
            request,
            f"Submission {submission.pk} was not re-evaluated: it is cancelled, or an algorithm "
            "run without stored outputs.",
        )
    target = request.POST.get("back") or "manage"
    if target == "detail":
        return redirect("web:submission_detail", submission_id=submission.pk)
    return redirect("web:phase_manage", phase_id=submission.phase_id)


@login_required
@require_POST
def phase_visibility(request: HttpRequest, phase_id: int) -> HttpResponse:
    """Publish (public), restrict to participants, or hide the leaderboard."""
    phase = organizer_phase_or_404(request, phase_id)
    value = request.POST.get("visibility", "")
    if value not in Phase.Visibility.values:
        messages.error(
            request,
            f"Field 'visibility': expected one of {', '.join(Phase.Visibility.values)}, got '{value}'.",
        )
    else:
        phase.leaderboard_visibility = value
        phase.save(update_fields=["leaderboard_visibility"])
        messages.success(request, f"Leaderboard is now {phase.get_leaderboard_visibility_display().lower()}.")
    return redirect("web:phase_manage", phase_id=phase.pk)


@login_required
@require_POST
def registration_decide(request: HttpRequest, phase_id: int, registration_id: int) -> HttpResponse:
    """Approve or reject a pending registration of the phase's challenge."""
    from arena.participation.models import Registration
    from arena.participation.services import decide_registration

    phase = organizer_phase_or_404(request, phase_id)
    registration = Registration.objects.filter(pk=registration_id, challenge=phase.challenge).first()
    if registration is None:
        raise Http404(f"No registration {registration_id}.")
    approve = request.POST.get("decision") == "approve"
    decide_registration(registration, approve, by=request.user)
    messages.success(request, f"{registration.user.get_username()}: {'approved' if approve else 'rejected'}.")
    return redirect("web:phase_manage", phase_id=phase.pk)
