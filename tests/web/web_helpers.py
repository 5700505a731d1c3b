"""Helpers of the web UI tests (a uniquely named module: every test folder has a conftest)."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


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


class ProbeUploadHandler(FileUploadHandler):
    """A Django upload handler that records every request whose multipart body gets parsed
    (``FILE_UPLOAD_HANDLERS = ["web_helpers.ProbeUploadHandler", ...]``) and then steps aside."""

    parsed: list[str] = []

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        ProbeUploadHandler.parsed.append(META.get("PATH_INFO", ""))

    def new_file(self, *args, **kwargs):
        return None

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None

    def upload_complete(self):
        return None

    def upload_interrupted(self):
        return None
