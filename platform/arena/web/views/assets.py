"""Plotly's JavaScript at ``/vendor/plotly.min.js`` (kept for old links): the vendored
cartesian partial bundle ``web/vendor/plotly-cartesian.min.js`` (never a CDN). Pages load it
through ``{% static %}`` so WhiteNoise serves it hashed and compressed (gzip / brotli)."""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest
from django.utils.http import http_date
from django.views.decorators.http import condition, require_GET

BUNDLE_STATIC_PATH = "web/vendor/plotly-cartesian.min.js"
_BUNDLE = Path(__file__).resolve().parents[1] / "static" / BUNDLE_STATIC_PATH
_ETAG = '"plotly-cartesian-4.1.1"'


@require_GET
@condition(etag_func=lambda request: _ETAG)
def plotly_js(request: HttpRequest) -> FileResponse:
    """The vendored plotly.js cartesian bundle, cached by the browser for a day."""
    if not _BUNDLE.is_file():
        raise Http404(f"{BUNDLE_STATIC_PATH} is missing from arena.web's static files")
    response = FileResponse(_BUNDLE.open("rb"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    response["Last-Modified"] = http_date(_BUNDLE.stat().st_mtime)
    return response
