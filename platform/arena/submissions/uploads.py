"""An upload handler that refuses an oversized body before Django buffers it.

Django parses a multipart body the first time anything reads ``request.POST`` (the CSRF
middleware does, before the view runs) and spools every file to a temporary file. This handler
runs first (``FILE_UPLOAD_HANDLERS``) and stops a body whose file bytes stream past the limit as
soon as they do; the partial temporary file is closed and deleted by Django.
:class:`UploadSizeMiddleware` refuses a declared ``Content-Length`` above the limit before
anything reads the body (web pages; the API views check it themselves). The
limit is the phase's upload limit on the submit form and the API's submission endpoint, the
global ``ARENA_MAX_UPLOAD_MB`` elsewhere, plus 1 MiB for the multipart envelope. The refusal
is recorded on the request (``request.upload_refused``) for the view to report (HTTP 413)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

ENVELOPE_BYTES = 2**20
_PHASE_UPLOAD_VIEWS = {"web:submit", "api:phase-submissions"}


def request_upload_limit(request: HttpRequest) -> int:
    """Body bytes allowed for ``request``: the phase's upload limit on the submission
    endpoints, the global cap elsewhere, plus the multipart envelope allowance."""
    limit = settings.ARENA_MAX_UPLOAD_MB * 2**20
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return limit + ENVELOPE_BYTES
    if match.view_name in _PHASE_UPLOAD_VIEWS and "phase_id" in match.kwargs:
        from arena.challenges.models import Phase
        from arena.submissions.services import upload_limit_bytes

        phase = Phase.objects.filter(pk=match.kwargs["phase_id"]).first()
        if phase is not None:
            limit = upload_limit_bytes(phase)
    return limit + ENVELOPE_BYTES


def refusal_text(limit: int, size: int | None = None) -> str:
    """The participant-facing reason of a refused body."""
    found = f"the upload is {size // 2**20} MB, " if size else "the upload is "
    return f"{found}above the limit of {(limit - ENVELOPE_BYTES) // 2**20} MB for this page"


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops the multipart parser when the body is larger than :func:`request_upload_limit`."""

    def handle_raw_input(
        self, input_data, META: dict, content_length: int, boundary: bytes, encoding: str | None = None
    ) -> None:
        """Look up the limit (a declared length above it is refused earlier, by
        :class:`UploadSizeMiddleware` or the API view; raising here would escape the parser)."""
        self.limit = request_upload_limit(self.request)
        self.seen = 0
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        """Count streamed file bytes; stop once past the limit."""
        self.seen += len(raw_data)
        if self.seen > self.limit:
            self._refuse(None)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        """Leave the file to the next handler."""
        return None

    def _refuse(self, size: int | None) -> None:
        self.request.upload_refused = refusal_text(self.limit, size)
        raise StopUpload(connection_reset=True)


class UploadSizeMiddleware:
    """Answer HTTP 413 to a web request whose declared ``Content-Length`` is above
    :func:`request_upload_limit`, before anything reads the body (the CSRF check would parse it).
    API requests are left to the API views, which check the declared size themselves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Refuse an oversized declared body; otherwise pass the request on."""
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared and not request.path_info.startswith("/api/"):
            limit = request_upload_limit(request)
            if declared > limit:
                return _refused_response(request, refusal_text(limit, declared))
        return self.get_response(request)


def _refused_response(request: HttpRequest, reason: str) -> HttpResponse:
    from django.http import JsonResponse
    from django.shortcuts import render

    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        response = JsonResponse({"errors": [reason]}, status=413)
    else:
        response = render(request, "web/upload_refused.html", {"reason": reason}, status=413)
    response["Connection"] = "close"  # the unread body is not worth reading
    return response
