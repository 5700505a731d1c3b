"""Security headers on every response: Content-Security-Policy (``settings.ARENA_CSP``: scripts
only from this site, no inline script, ``frame-ancestors 'none'``), and, where Django's own
middleware did not set them, ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy``."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    """Adds the headers above to every response that does not carry its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Pass the request on; set the missing headers on the response."""
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.ARENA_CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault(
            "Referrer-Policy", getattr(settings, "SECURE_REFERRER_POLICY", None) or "same-origin"
        )
        return response
