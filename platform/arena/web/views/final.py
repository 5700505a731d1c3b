"""Final boards: the signed snapshot download and the site's public key page."""

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
