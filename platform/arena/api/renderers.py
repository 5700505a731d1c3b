"""Renderers and content negotiation helpers of the API."""

from __future__ import annotations

import json

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer


class CSVTextRenderer(BaseRenderer):
    """``?format=csv``: views hand over CSV text; error dicts are rendered as JSON text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, str):
            return data.encode("utf-8")
        return json.dumps(data).encode("utf-8")


class FirstRendererNegotiation(BaseContentNegotiation):
    """For file downloads: ignore the client's Accept header, use the first renderer."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
