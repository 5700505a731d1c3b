"""Organizer page of a phase's dataset: case ids and digests (DatasetCase rows, never a server
path or a file), and uploading a new archive (``inputs/`` + ``references/``) that replaces it.
Scored submissions are re-evaluated only when the organizer ticks the confirmation (or presses
the re-evaluate button afterwards). Organizers only; 404 for everyone else."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from arena.web.access import organizer_phase_or_404


@login_required
def phase_dataset(request: HttpRequest, phase_id: int) -> HttpResponse:
    """GET: the dataset's cases; POST (multipart ``archive``, optional ``reevaluate=1``):
    replace it. A refused archive answers 400 with the reason; nothing is stored."""
    from arena.evaluation.dataset_upload import DatasetUploadError, replace_dataset
    from arena.evaluation.services import stale_submissions

    phase = organizer_phase_or_404(request, phase_id)
    error, problems = "", []
    archive = request.FILES.get("archive") if request.method == "POST" else None  # parses the body
    if request.method == "POST" and getattr(request, "upload_refused", None):
        error = f"field 'archive': {request.upload_refused}"  # past the size limit: nothing kept
    elif request.method == "POST":
        try:
            result = replace_dataset(phase, archive, by=request.user,
                                     reevaluate=request.POST.get("reevaluate") in ("1", "on", "true"))
        except DatasetUploadError as exc:
            error, problems = str(exc), exc.problems
        else:
            text = (f"Dataset imported: {result.cases} case(s)." if result.changed
                    else "The archive holds the same dataset; nothing changed.")
            if result.requeued is not None:
                text += f" {result.requeued} submission(s) queued for re-evaluation."
            messages.success(request, text)
            return redirect("web:phase_dataset", phase_id=phase.pk)
    context = {
        "phase": phase,
        "cases": phase.cases.order_by("case_id"),
        "stale": len(stale_submissions(phase)) if phase.has_dataset else 0,
        "n_submissions": phase.submissions.count(),
        "error": error,
        "problems": problems,
    }
    return render(request, "web/phase_dataset.html", context, status=400 if error else 200)

