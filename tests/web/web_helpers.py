"""Helpers of the web UI tests (a uniquely named module: every test folder has a conftest)."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    """An uploaded file for the test client / services."""
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip archive holding ``members`` (name -> content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()
