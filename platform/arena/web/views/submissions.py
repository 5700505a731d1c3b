"""Submission form (with upload progress), "my submissions", submission detail, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from arena.challenges import permissions as perms
from arena.challenges.models import Phase
from arena.submissions.models import Submission
from arena.submissions.services import status_history
from arena.web.access import phase_or_404, submission_or_404, wants_json
from arena.web.forms import SubmissionForm
from arena.web.presenters import phase_card
from arena.web.results import submission_results

# Refresh "my submissions" and a submission page every few seconds until the work is done.
REFRESH_SECONDS = 3


def _form_errors(form: SubmissionForm) -> list[str]:
    errors = []
    for field, field_errors in form.errors.items():
        for error in field_errors:
            errors.append(error if field == "__all__" else f"{error}")
    return errors


@login_required
def submit(request: HttpRequest, phase_id: int) -> HttpResponse:
    """Upload an archive to a phase. Plain form posts and the progress-bar XMLHttpRequest
    post to this same view; rejections show the service's message on the form."""
    phase = phase_or_404(request, phase_id)
    card = phase_card(request.user, phase)
    bound = request.method == "POST"
    form = SubmissionForm(request.POST if bound else None, request.FILES if bound else None)
    refused = getattr(request, "upload_refused", None) if bound else None
    if refused:  # the body streamed past the limit: SizeLimitUploadHandler stopped it
        form.errors.clear()
        form.add_error(None, refused)
        if wants_json(request):
            return JsonResponse({"errors": [refused]}, status=413)
    elif request.method == "POST":
        if form.is_valid():
            submission = _create(request, phase, form)
            if submission is not None:
                url = reverse("web:submission_detail", args=[submission.pk])
                if wants_json(request):
                    return JsonResponse({"id": submission.pk, "status": submission.status, "redirect": url}, status=201)
                messages.success(request, f"Submission {submission.pk} received: it is being checked.")
                return redirect(url)
        if wants_json(request):
            return JsonResponse({"errors": _form_errors(form)}, status=400)
    context = {"phase": phase, "card": card, "form": form, "max_mb": phase.max_upload_mb}
    status = 413 if refused else 400 if form.errors else 200
    return render(request, "web/submit.html", context, status=status)


def _create(request: HttpRequest, phase: Phase, form: SubmissionForm) -> Submission | None:
    from arena.submissions.services import (
        SubmissionRejected,
        create_algorithm_submission,
        create_prediction_submission,
    )

    create = (
        create_algorithm_submission
        if phase.kind == Phase.Kind.ALGORITHM
        else create_prediction_submission
    )
    try:
        return create(
            request.user, phase, form.cleaned_data["file"], comment=form.cleaned_data["comment"],
            method=form.cleaned_data["method"],
        )
    except SubmissionRejected as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, str(exc))
        return None


@login_required
def my_submissions(request: HttpRequest) -> HttpResponse:
    """The user's (and team-mates') submissions, newest first, with status and reason."""
    from arena.submissions.services import user_submissions

    submissions = list(
        user_submissions(request.user).select_related("phase__challenge", "creator")[:200]
    )
    pending = any(not s.is_terminal for s in submissions)
    for submission in submissions:
        submission.metrics_visible = perms.can_view_metrics(request.user, submission)
    return render(
        request,
        "web/my_submissions.html",
        {"submissions": submissions, "refresh": REFRESH_SECONDS if pending else None},
    )


def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    """One submission: status, failure reason, aggregates, per-case table where allowed."""
    submission = submission_or_404(request, submission_id)
    results = submission_results(request.user, submission)
    organizer = perms.is_organizer(request.user, submission.phase.challenge)
    context = {
        "submission": submission,
        "phase": submission.phase,
        "results": results,
        "is_organizer": organizer,
        "is_owner": submission.creator_id == request.user.pk,
        "timeline": status_history(submission, show_workers=organizer),
        "refresh": None if submission.is_terminal else REFRESH_SECONDS,
        "queue_ahead": _queue_ahead(submission),
        "disqualification": getattr(submission, "disqualification", None),
    }
    return render(request, "web/submission_detail.html", context)


def _queue_ahead(submission: Submission) -> int | None:
    """How many unfinished submissions (any phase) were uploaded before this one and wait for
    the same workers; None once this one is running or done."""
    waiting = (Submission.Status.PENDING, Submission.Status.VALIDATING, Submission.Status.QUEUED)
    if submission.status not in waiting:
        return None
    return Submission.objects.filter(status__in=waiting, created__lt=submission.created).count()


@login_required
@require_POST
def submission_cancel(request: HttpRequest, submission_id: int) -> HttpResponse:
    """Cancel a submission that is not finished yet (owner or organizer)."""
    from arena.submissions.services import cancel_submission

    submission = submission_or_404(request, submission_id)
    updated = cancel_submission(submission, by=request.user)
    if updated.status == Submission.Status.CANCELLED and not submission.is_terminal:
        messages.info(request, f"Submission {submission.pk} cancelled.")
    else:
        messages.error(request, f"Submission {submission.pk} has already finished ({updated.status}).")
    return redirect("web:submission_detail", submission_id=submission.pk)
