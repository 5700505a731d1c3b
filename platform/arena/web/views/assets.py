"""Plotly's JavaScript bundle, served from the installed ``plotly`` package (never a CDN)."""

from __future__ import annotations

from pathlib import Path

import plotly
from django.http import FileResponse, Http404, HttpRequest
from django.utils.http import http_date
from django.views.decorators.http import condition, require_GET

_BUNDLE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
_ETAG = f'"plotly-{plotly.__version__}"'


@require_GET
@condition(etag_func=lambda request: _ETAG)
def plotly_js(request: HttpRequest) -> FileResponse:
    """``plotly.min.js`` of the installed plotly package, cached by the browser for a day."""
    if not _BUNDLE.is_file():
        raise Http404("plotly.min.js is missing from the installed plotly package")
    response = FileResponse(_BUNDLE.open("rb"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    response["Last-Modified"] = http_date(_BUNDLE.stat().st_mtime)
    return response
