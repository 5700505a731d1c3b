"""Downloads around the board: the signed final snapshot, the site's public key page and the
per-case results as CSV (one's own; everyone's once the organizers release them)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from arena.challenges import permissions as perms
from arena.web.access import phase_or_404


def snapshot_download(request: HttpRequest, phase_id: int) -> HttpResponse:
    """The latest signed snapshot document of a frozen board, as stored (JSON)."""
    import json

    from arena.leaderboards.snapshots import latest_snapshot

    phase = phase_or_404(request, phase_id)
    snapshot = latest_snapshot(phase)
    if snapshot is None or not perms.can_download_snapshot(request.user, phase):
        raise Http404("No final board snapshot is available to you for this phase.")
    body = json.dumps(snapshot.document, ensure_ascii=False, allow_nan=False, indent=1)
    response = HttpResponse(body + "\n", content_type="application/json; charset=utf-8")
    name = slugify(f"{phase.challenge.slug}-{phase.slug}-final-board")
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


def about_keys(request: HttpRequest) -> HttpResponse:
    """The site's public board-signing key and how to verify a snapshot offline."""
    from django.core.exceptions import ImproperlyConfigured

    from arena.leaderboards.signing import public_key_pem, public_key_text

    try:
        context = {"public_key": public_key_text(), "public_key_pem": public_key_pem()}
    except ImproperlyConfigured as error:
        context = {"public_key": None, "error": str(error)}
    return render(request, "web/about_keys.html", context)


def _csv_response(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(name)}.csv"'
    return response


def submission_cases_csv(request: HttpRequest, submission_id: int) -> HttpResponse:
    """One submission's per-case results (``arena.evaluation.services.per_case_csv``): its
    owner / team once per-case results are visible to them, and organizers."""
    from arena.evaluation.services import per_case_csv
    from arena.web.access import submission_or_404

    submission = submission_or_404(request, submission_id)
    if not perms.can_view_submission_cases(request.user, submission):
        raise Http404("Per-case results of this submission are not available to you.")
    pairs = [(submission.participant_label, submission)]
    return _csv_response(per_case_csv(pairs), f"submission-{submission.pk}-cases")


def board_cases_csv(request: HttpRequest, phase_id: int) -> HttpResponse:
    """Every board entry's per-case results, in board order: organizers, and everyone who sees
    the board once the organizers released per-case results."""
    from arena.evaluation.services import per_case_csv
    from arena.leaderboards.models import LeaderboardEntry

    phase = phase_or_404(request, phase_id)
    if not perms.can_view_per_case(request.user, phase):
        raise Http404("The organizers have not released per-case results of this phase.")
    entries = (LeaderboardEntry.objects.filter(phase=phase).select_related("submission")
               .order_by("rank", "participant"))
    pairs = [(e.participant, e.submission) for e in entries]
    return _csv_response(per_case_csv(pairs), f"{phase.challenge.slug}-{phase.slug}-cases")
