"""Organizer pages: phase settings, re-evaluation, publish/hide, registrations, baseline
flags. Every view answers 404 to anyone who does not organize the challenge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from arena.challenges import audit
from arena.challenges import permissions as perms
from arena.challenges.models import AuditEntry, Challenge, Phase
from arena.challenges.phase_forms import RECOMPUTE_FIELDS, PhaseForm, posted_values, save_phase
from arena.web.access import organizer_phase_or_404, submission_or_404
from arena.web.presenters import phase_card


@login_required
def phase_manage(request: HttpRequest, phase_id: int) -> HttpResponse:
    """Phase settings form (every setting, per-field errors, audited), dataset summary, all
    submissions (re-evaluate, disqualify) and pending registrations."""
    from arena.challenges.services import phase_case_ids
    from arena.leaderboards.snapshots import latest_snapshot
    from arena.participation.models import Registration

    phase = organizer_phase_or_404(request, phase_id)
    data = posted_values(request.POST, phase) if request.method == "POST" else None
    form = PhaseForm(data, instance=phase)
    if request.method == "POST" and form.is_valid():
        phase, changed = save_phase(form, request.user)
        if changed & RECOMPUTE_FIELDS:
            from arena.leaderboards.services import recompute_leaderboard

            recompute_leaderboard(phase)
        messages.success(request, "Phase settings saved." if changed else "Nothing changed.")
        return redirect("web:phase_manage", phase_id=phase.pk)
    submissions = list(
        phase.submissions.select_related("creator", "team", "disqualification")
        .order_by("-created")[:300]
    )
    for s in submissions:
        decision = getattr(s, "disqualification", None)
        s.disqualification_reason = decision.reason if decision is not None else ""
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
        "snapshot": latest_snapshot(phase),
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
        before = phase.leaderboard_visibility
        phase.leaderboard_visibility = value
        phase.save(update_fields=["leaderboard_visibility"])
        if before != value:
            audit.record(AuditEntry.Action.VISIBILITY, phase=phase, actor=request.user,
                         summary=f"leaderboard of {phase.slug}: {before} → {value}",
                         changes={"leaderboard_visibility": [before, value]})
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


@login_required
@require_POST
def phase_freeze(request: HttpRequest, phase_id: int) -> HttpResponse:
    """``action=freeze``: write the signed final snapshot and freeze the board;
    ``action=unfreeze``: let recompute change it again (snapshots stay published)."""
    from arena.leaderboards.snapshots import freeze_board, unfreeze_board

    phase = organizer_phase_or_404(request, phase_id)
    action = request.POST.get("action", "")
    if action == "freeze":
        try:
            snapshot = freeze_board(phase, by=request.user)
        except ImproperlyConfigured as error:
            messages.error(request, f"The board was not frozen: {error}")
        else:
            messages.success(request, f"Board frozen; snapshot SHA-256 {snapshot.sha256}.")
    elif action == "unfreeze":
        unfreeze_board(phase, by=request.user)
        messages.success(request, "Board unfrozen and recomputed.")
    else:
        messages.error(request, f"Field 'action': expected 'freeze' or 'unfreeze', got '{action}'.")
    return redirect("web:phase_manage", phase_id=phase.pk)


def _organized_challenge_or_404(request: HttpRequest, slug: str) -> Challenge:
    challenge = get_object_or_404(Challenge, slug=slug)
    if not perms.is_organizer(request.user, challenge):
        raise Http404(f"No challenge {slug}.")
    return challenge


@login_required
def challenge_audit(request: HttpRequest, slug: str) -> HttpResponse:
    """The challenge's audit log (organizers only; newest first), 200 entries per page."""
    from django.core.paginator import Paginator

    challenge = _organized_challenge_or_404(request, slug)
    entries = challenge.audit_entries.select_related("phase")
    page = Paginator(entries, 200).get_page(request.GET.get("page"))
    return render(request, "web/audit.html", {"challenge": challenge, "page": page})


@login_required
def challenge_audit_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The challenge's audit log as CSV (see ``arena.challenges.audit.audit_csv``)."""
    challenge = _organized_challenge_or_404(request, slug)
    response = HttpResponse(audit.audit_csv(challenge), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{challenge.slug}-audit.csv"'
    return response


@login_required
@require_POST
def submission_disqualify(request: HttpRequest, submission_id: int) -> HttpResponse:
    """``action=disqualify`` (with ``reason``) takes a submission off the board (a frozen board
    keeps its rows); ``action=requalify`` withdraws it. Organizers only; logged."""
    from arena.leaderboards.disqualify import disqualify, requalify

    submission = submission_or_404(request, submission_id)
    if not perms.is_organizer(request.user, submission.phase.challenge):
        raise Http404(f"No submission {submission_id}.")
    if request.POST.get("action") == "requalify":
        if requalify(submission, by=request.user):
            messages.success(request, f"Submission {submission.pk} ranks again.")
    else:
        try:
            disqualify(submission, request.POST.get("reason", ""), by=request.user)
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Submission {submission.pk} disqualified.")
    return redirect("web:phase_manage", phase_id=submission.phase_id)


@login_required
@require_POST
def submission_baseline(request: HttpRequest, submission_id: int) -> HttpResponse:
    """``action=mark`` flags a submission as a baseline entry of its board (badge on the
    leaderboard, ``"baseline": true`` in the API and CSV); ``action=unmark`` clears it.
    Organizers of its challenge and staff only; logged in the audit log."""
    from arena.submissions.baselines import mark_baseline

    submission = submission_or_404(request, submission_id)
    if not perms.is_organizer(request.user, submission.phase.challenge):
        raise Http404(f"No submission {submission_id}.")
    action = request.POST.get("action", "")
    if action not in ("mark", "unmark"):
        messages.error(request, f"Field 'action': expected 'mark' or 'unmark', got '{action}'.")
    else:
        changed = mark_baseline(submission, action == "mark", by=request.user)
        state = "is a baseline" if action == "mark" else "is not a baseline"
        messages.success(request, f"Submission {submission.pk} {state}{'' if changed else ' (unchanged)'}.")
    return redirect("web:phase_manage", phase_id=submission.phase_id)
