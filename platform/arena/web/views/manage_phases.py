"""Organizer dashboard of a challenge (``/challenges/<slug>/manage/``: every organizer page in
one place), creating a phase, and releasing / withholding per-case results. Organizers only;
everyone else gets 404. Every change goes to the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from arena.challenges.organizers import organizer_list, pending_for_challenge
from arena.challenges.phase_forms import PhaseCreateForm, save_phase, set_per_case_release
from arena.web.access import organizer_challenge_or_404, organizer_phase_or_404


@login_required
def manage_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """Phases (settings, dataset, per-case release, re-evaluation), people and the audit log."""
    from arena.participation.models import Registration

    challenge = organizer_challenge_or_404(request, slug)
    phases = list(challenge.phases.all())
    for phase in phases:
        phase.n_cases = phase.cases.count()
        phase.n_submissions = phase.submissions.count()
    context = {
        "challenge": challenge,
        "phases": phases,
        "organizers": organizer_list(challenge),
        "invited": pending_for_challenge(challenge),
        "pending": Registration.objects.filter(
            challenge=challenge, status=Registration.Status.PENDING).count(),
        "approved": Registration.objects.filter(
            challenge=challenge, status=Registration.Status.APPROVED).count(),
        "teams": challenge.teams.count(),
        "recent": challenge.audit_entries.select_related("phase")[:8],
    }
    return render(request, "web/manage_dashboard.html", context)


@login_required
def phase_create(request: HttpRequest, slug: str) -> HttpResponse:
    """A new phase: slug, task, kind, windows, quota, board, limits (per-field errors)."""
    challenge = organizer_challenge_or_404(request, slug)
    form = PhaseCreateForm(request.POST if request.method == "POST" else None, challenge=challenge)
    if request.method == "POST" and form.is_valid():
        phase, _ = save_phase(form, request.user)
        messages.success(request, f"Phase {phase.slug} created; upload its dataset next.")
        return redirect("web:phase_dataset", phase_id=phase.pk)
    return render(request, "web/phase_create.html", {"challenge": challenge, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def phase_per_case(request: HttpRequest, phase_id: int) -> HttpResponse:
    """``action=release`` shows participants their per-case results; ``action=withhold``
    hides them again."""
    phase = organizer_phase_or_404(request, phase_id)
    action = request.POST.get("action", "")
    if action not in ("release", "withhold"):
        messages.error(request, f"Field 'action': expected 'release' or 'withhold', got '{action[:40]}'.")
    elif set_per_case_release(phase, action == "release", request.user):
        messages.success(request, f"Per-case results of {phase.slug} "
                         f"{'released' if action == 'release' else 'withheld'}.")
    else:
        messages.info(request, "Nothing changed.")
    return redirect("web:manage_dashboard", slug=phase.challenge.slug)
