"""The web submit form refuses an oversized body before it is buffered (HTTP 413), as the API
does: a declared Content-Length above the phase's limit is answered before the CSRF check reads
the body, and a body whose file bytes stream past the limit is stopped mid-way. Nothing reaches
the temporary folder or storage, no submission row, and the page says why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.files.uploadhandler import StopUpload
from django.test import Client, RequestFactory
from django.urls import reverse
from web_helpers import upload

from arena.submissions.uploads import SizeLimitUploadHandler

pytestmark = pytest.mark.django_db(transaction=True)

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest", "HTTP_ACCEPT": "application/json"}


@pytest.fixture
def small_phase(phase, settings, tmp_path):
    phase.max_upload_mb = 1
    phase.save()
    spool = tmp_path / "upload-tmp"
    spool.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # every file would spool to disk
    return phase


def _csrf_client(users) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["participant"])
    return client


def _nothing_kept(phase, settings) -> None:
    assert phase.submissions.count() == 0
    assert list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir()) == []
    media = Path(settings.MEDIA_ROOT)
    # inputs/: the phase's test-images archive, made when its dataset was imported
    kept = [p for p in media.rglob("*") if p.is_file() and p.relative_to(media).parts[0] != "inputs"]
    assert not kept


def test_declared_size_over_the_limit_is_413_before_parsing(client_for, small_phase, settings):
    client = client_for("participant")
    body = {"file": upload("big.zip", os.urandom(3 * 2**20)), "comment": "x"}
    response = client.post(reverse("web:submit", args=[small_phase.pk]), body)
    assert response.status_code == 413
    text = response.content.decode()
    assert "the upload is 3 MB, above the limit of 1 MB" in text
    _nothing_kept(small_phase, settings)
    body = {"file": upload("big.zip", os.urandom(3 * 2**20))}
    xhr = client.post(reverse("web:submit", args=[small_phase.pk]), body, **XHR)
    assert xhr.status_code == 413 and "above the limit of 1 MB" in xhr.json()["errors"][0]
    _nothing_kept(small_phase, settings)


def test_refusal_comes_before_the_csrf_check_reads_the_body(users, small_phase, settings):
    client = _csrf_client(users)
    response = client.post(reverse("web:submit", args=[small_phase.pk]),
                           {"file": upload("big.zip", os.urandom(3 * 2**20))})
    assert response.status_code == 413  # not 403: the body was never parsed
    _nothing_kept(small_phase, settings)


def test_a_body_streaming_past_the_limit_is_stopped(client_for, small_phase, settings,
                                                    monkeypatch):
    original = SizeLimitUploadHandler.handle_raw_input

    def tiny_limit(self, *args, **kwargs):  # the body declares less than it streams
        original(self, *args, **kwargs)
        self.limit = 64 * 1024

    monkeypatch.setattr(SizeLimitUploadHandler, "handle_raw_input", tiny_limit)
    client = client_for("participant")
    response = client.post(reverse("web:submit", args=[small_phase.pk]),
                           {"file": upload("p.zip", os.urandom(512 * 1024))})
    assert response.status_code == 413
    assert "above the limit of" in response.content.decode()
    _nothing_kept(small_phase, settings)


def test_handler_counts_streamed_bytes(small_phase):
    request = RequestFactory().post(reverse("web:submit", args=[small_phase.pk]))
    handler = SizeLimitUploadHandler(request)
    handler.handle_raw_input(None, request.META, 0, b"x")
    assert handler.limit == 2 * 2**20  # 1 MB phase limit + 1 MiB envelope
    handler.receive_data_chunk(b"\0" * 2**20, 0)
    handler.receive_data_chunk(b"\0" * 2**20, 2**20)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"\0", 2 * 2**20)
    assert "above the limit of 1 MB" in request.upload_refused


def test_small_upload_still_works(client_for, phase, archives):
    response = client_for("participant").post(
        reverse("web:submit", args=[phase.pk]), {"file": upload("p.zip", archives["eroded"])}, **XHR
    )
    assert response.status_code == 201
