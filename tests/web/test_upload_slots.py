"""Uploads cannot occupy every web thread (arena.uploadslots): at most ARENA_UPLOAD_SLOTS
uploads of a process run at once, ARENA_UPLOAD_QUEUE more wait for a slot, and any other
upload is answered 503 with Retry-After before its body is read — nothing parsed, nothing
stored, no submission row — while other requests (board reads, plain form posts) pass. The
expectations come from the brief of issue 14 (an upload limiter answering 503 + Retry-After
beyond N concurrent uploads, storing nothing), not from the module."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from django.urls import reverse
from web_helpers import upload

from arena.api.tokens import issue_token
from arena.uploadslots import UploadSlots, process_slots

pytestmark = pytest.mark.django_db(transaction=True)


def test_slots_then_queue_then_refusal():
    slots = UploadSlots(2, 1)
    assert slots.acquire(0) and slots.acquire(0)  # two slots
    started = time.monotonic()
    assert not slots.acquire(0.2)  # the queue place is free, but no slot comes within 0.2 s
    assert time.monotonic() - started >= 0.2
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(slots.acquire(5)))
    waiter.start()
    deadline = time.monotonic() + 5
    while slots.waiting == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert slots.waiting == 1
    assert not slots.acquire(5)  # the queue is full: refused at once, no wait
    slots.release()  # the waiter takes this slot
    waiter.join(5)
    assert got == [True] and slots.waiting == 0
    slots.release()
    slots.release()
    assert slots.acquire(0) and slots.acquire(0) and not slots.acquire(0)


@pytest.fixture
def busy(settings):
    """Every upload slot of this process is held by someone else; no queue."""
    settings.ARENA_UPLOAD_SLOTS, settings.ARENA_UPLOAD_QUEUE = 1, 0
    slots = process_slots()
    assert slots is not None and slots.acquire(0)
    yield
    slots.release()


def _stored_files(settings) -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    # inputs/: the phase's test-images archive, made when its dataset was imported
    return [p for p in media.rglob("*") if p.is_file() and p.relative_to(media).parts[0] != "inputs"]


def test_api_upload_beyond_the_slots_is_503_and_stores_nothing(busy, client, phase, users,
                                                                 archives, settings):
    key = issue_token(users["participant"], "t")[1]
    url = f"/api/v1/phases/{phase.pk}/submissions/"
    response = client.post(url, {"file": upload("p.zip", archives["eroded"])},
                           HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Connection"] == "close"
    assert "nothing was stored" in response.json()["error"]
    assert response["Content-Security-Policy"]  # the outer security headers, as on any answer
    assert phase.submissions.count() == 0 and _stored_files(settings) == []


def test_web_form_upload_beyond_the_slots_is_503(busy, client_for, phase, archives, settings):
    client = client_for("participant")
    page = client.post(reverse("web:submit", args=[phase.pk]),
                       {"file": upload("p.zip", archives["eroded"])})
    assert page.status_code == 503 and "Retry-After" in page
    assert "nothing was stored" in page.content.decode()
    xhr = client.post(reverse("web:submit", args=[phase.pk]),
                      {"file": upload("p.zip", archives["eroded"])},
                      HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert xhr.status_code == 503 and "nothing was stored" in xhr.json()["errors"][0]
    assert phase.submissions.count() == 0 and _stored_files(settings) == []


def test_other_requests_pass_while_the_slots_are_taken(busy, client, phase):
    assert client.get(f"/api/v1/phases/{phase.pk}/leaderboard/").status_code == 200
    signin = client.post(reverse("web:login"), "username=nobody&password=wrong",
                         content_type="application/x-www-form-urlencoded")
    assert signin.status_code == 200  # the form again: a urlencoded post is not an upload


def test_a_free_slot_lets_the_upload_through_and_is_given_back(settings, client, phase, users,
                                                               archives):
    settings.ARENA_UPLOAD_SLOTS, settings.ARENA_UPLOAD_QUEUE = 1, 0
    key = issue_token(users["participant"], "t")[1]
    url = f"/api/v1/phases/{phase.pk}/submissions/"
    for name in ("a.zip", "b.zip"):  # the second finds the slot the first gave back
        response = client.post(url, {"file": upload(name, archives["eroded"])},
                               HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 201, response.content
    assert phase.submissions.count() == 2
