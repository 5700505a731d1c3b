"""API error shape: every error body is ``{"error": "<one clear sentence>"}``, plus
``"fields": {...}`` for per-field validation errors."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in detail.items())
    if isinstance(detail, list):
        return " ".join(_flatten(v) for v in detail)
    return str(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler returning ``{"error": str[, "fields": dict]}`` bodies."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", response.data)
    body: dict[str, Any] = {"error": _flatten(detail)}
    if isinstance(exc, exceptions.ValidationError) and isinstance(detail, dict):
        body["fields"] = {k: _flatten(v) for k, v in detail.items()}
    response.data = body
    return response
