"""A per-process limit on uploads running at once, so uploads cannot occupy every web thread.

A web process (gunicorn gthread) serves every request from one pool of ``WEB_THREADS``
threads. An upload holds its thread, and from its first query a pooled database connection
(``ARENA_DB_POOL_MAX`` per process), while its body is parsed, hashed, checked and stored, and
uploads to one phase queue anyway for the phase's row lock. Fifty uploads at once held every
thread and every pooled connection of both processes: board reads sent meanwhile waited
seconds for a thread although a cached read costs a millisecond (``tests/benchmarks/
bench_load.py``). :class:`UploadSlotsMiddleware` (in ``MIDDLEWARE`` before anything reads the
body or the database) lets at most ``ARENA_UPLOAD_SLOTS`` uploads (default 4) of a process run
at once; up to ``ARENA_UPLOAD_QUEUE`` more (default 28) wait for a slot, in their thread but
without CPU, body parsing or a database connection, for at most ``ARENA_UPLOAD_WAIT_S`` seconds
(default 60). An upload beyond those, or one that waited in vain, is answered ``503`` with
``Retry-After`` and ``Connection: close`` before its body is read: nothing is parsed or
stored, and the client sends it again later. ``WEB_THREADS`` (40 in ``make web``) should
exceed slots + queue: the remaining threads (8 by default, as many as a process had in all
before) always serve everything else. Measured on 2 cores (2 processes, 50 uploads at once):
board reads sent meanwhile, p95 13.4 s with 8 threads and no limit, about 0.2 s with it.

An *upload* is a ``POST``/``PUT`` with a ``multipart/form-data`` body (submissions, bundles,
datasets: every file upload of Arena). ``ARENA_UPLOAD_SLOTS = 0`` turns the limit off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

#: Seconds a refused client is asked to wait before sending the upload again.
RETRY_AFTER_S = 5
BUSY_MESSAGE = (
    "the server is busy with other uploads; nothing was stored: send the file again in a few "
    "seconds"
)


class UploadSlots:
    """``slots`` holders at once, at most ``queue`` more waiting (thread-safe)."""

    def __init__(self, slots: int, queue: int):
        self.slots, self.queue = slots, queue
        self._free = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self.waiting = 0

    def acquire(self, timeout: float) -> bool:
        """Take a slot: at once when one is free, else after waiting at most ``timeout`` s
        when fewer than ``queue`` others wait; False when refused."""
        if self._free.acquire(blocking=False):
            return True
        with self._lock:
            if self.waiting >= self.queue:
                return False
            self.waiting += 1
        try:
            return self._free.acquire(timeout=timeout)
        finally:
            with self._lock:
                self.waiting -= 1

    def release(self) -> None:
        self._free.release()


_SLOTS: UploadSlots | None = None
_SLOTS_LOCK = threading.Lock()


def process_slots() -> UploadSlots | None:
    """This process's :class:`UploadSlots` for the current settings (None: no limit)."""
    global _SLOTS
    slots = int(getattr(settings, "ARENA_UPLOAD_SLOTS", 4))
    queue = int(getattr(settings, "ARENA_UPLOAD_QUEUE", 16))
    if slots <= 0:
        return None
    with _SLOTS_LOCK:
        if _SLOTS is None or (_SLOTS.slots, _SLOTS.queue) != (slots, queue):
            _SLOTS = UploadSlots(slots, queue)
        return _SLOTS


def is_upload(request: HttpRequest) -> bool:
    """A POST/PUT with a multipart body."""
    return request.method in ("POST", "PUT") and request.META.get(
        "CONTENT_TYPE", ""
    ).lower().startswith("multipart/form-data")


def busy_response(request: HttpRequest) -> HttpResponse:
    """``503`` with ``Retry-After``: JSON ``{"error"}`` for the API, ``{"errors": [...]}`` for
    the web form's script, a short page otherwise; the connection is closed (the body is not
    read)."""
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse({"error": BUSY_MESSAGE}, status=503)
    elif request.headers.get("x-requested-with") == "XMLHttpRequest":
        response = JsonResponse({"errors": [BUSY_MESSAGE]}, status=503)
    else:
        response = HttpResponse(
            f"<!doctype html><title>Server busy</title><h1>Server busy</h1><p>{BUSY_MESSAGE}.</p>",
            status=503, content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_S)
    response["Connection"] = "close"
    return response


class UploadSlotsMiddleware:
    """Run an upload only while it holds one of the process's upload slots (module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Pass non-uploads on; hold a slot around an upload, or answer 503."""
        slots = process_slots() if is_upload(request) else None
        if slots is None:
            return self.get_response(request)
        if not slots.acquire(float(getattr(settings, "ARENA_UPLOAD_WAIT_S", 60))):
            return busy_response(request)
        try:
            return self.get_response(request)
        finally:
            slots.release()
