"""Anonymous leaderboard reads served from memory, without recomputation.

A burst of visitors reads the same board: the page (``/phases/<id>/leaderboard/``) and its JSON
(``/api/v1/phases/<id>/leaderboard/``). :class:`BoardCacheMiddleware` (in ``MIDDLEWARE`` after
the security headers, before sessions and authentication) keeps, per web process, the last
rendered response of each board URL for anonymous requests (no cookie but the CSRF one, no
``Authorization`` header, no query string) keyed by

* the URL and, for the API, the ``Accept`` header (JSON or CSV),
* the phase's *board version*: ``leaderboard_updated`` (every recompute) and the fields that
  decide who may see the board (``leaderboard_visibility``, ``frozen``, the challenge's
  ``is_public``), read with one primary-key query per request,

and serves it again while the version is unchanged and the copy is younger than
``ARENA_BOARD_CACHE_S`` seconds (default 5; 0 turns the cache off): a new result or a hidden
board shows at once, any other edit (a title, the robustness figure) within that time. Only a
complete ``200`` response without cookies is kept (a page that set a CSRF cookie is not), and
only one thread per process renders a missing board while the others wait for it. An address
over the API's per-address limit is refused on a hit too (the view answers 429), but a hit is
not added to the count (writing the shared counter would cost more than the hit); a miss is
counted by the view. A hit gets every header the view's response had, and the outer
middleware's security headers.
Signed-in readers always get the view (their rows and links depend on who they are).
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

#: Boards kept per process (least recently used dropped first).
MAX_ENTRIES = 256


@dataclass(frozen=True)
class _Entry:
    version: tuple
    stored: float
    status: int
    content: bytes
    headers: tuple[tuple[str, str], ...]


class BoardCache:
    """Process-local store of rendered board responses (thread-safe, bounded, single-flight)."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._renders: dict[tuple, threading.Lock] = {}

    def get(self, key: tuple, version: tuple, ttl: float) -> _Entry | None:
        """The entry of ``key`` if it has ``version`` and is younger than ``ttl`` seconds."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.version != version or time.monotonic() - entry.stored > ttl:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def render_lock(self, key: tuple) -> threading.Lock:
        """The lock one thread holds while it renders ``key`` (the others wait, then hit)."""
        with self._lock:
            return self._renders.setdefault(key, threading.Lock())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


CACHE = BoardCache()
_API_BOARD = re.compile(r"^/api/v1/phases/(\d+)/leaderboard/$")
_WEB_BOARD = re.compile(r"^/phases/(\d+)/leaderboard/$")


def board_version(phase_id: int) -> tuple | None:
    """``(leaderboard_updated, leaderboard_visibility, frozen, challenge is_public)`` of the
    phase, None when it does not exist (one primary-key query, no ORM compilation)."""
    from arena.challenges.models import Challenge, Phase

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.leaderboard_updated, p.leaderboard_visibility, p.frozen, c.is_public "
            f"FROM {Phase._meta.db_table} p JOIN {Challenge._meta.db_table} c "
            f"ON c.id = p.challenge_id WHERE p.id = %s",
            [phase_id],
        )
        row = cursor.fetchone()
    return None if row is None else tuple(str(value) for value in row)


def _cacheable_request(request: HttpRequest) -> tuple[str, int] | None:
    """``("api" | "web", phase id)`` for an anonymous plain GET of a board, else None."""
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return None
    if request.META.get("HTTP_AUTHORIZATION"):
        return None
    if set(request.COOKIES) - {settings.CSRF_COOKIE_NAME}:
        return None  # a session, flashed messages, ...: the view decides
    for kind, pattern in (("api", _API_BOARD), ("web", _WEB_BOARD)):
        match = pattern.match(request.path_info)
        if match:
            return kind, int(match.group(1))
    return None


def _throttled(request: HttpRequest) -> bool:
    """True when the client address is over the API's per-address limit. Read-only: a hit is
    not added to the count (one read of the shared counter, no write, no row lock; the count
    of the same address's other requests still blocks it)."""
    from arena.api.throttling import AddressRateThrottle

    throttle = AddressRateThrottle()
    if throttle.rate is None:
        return False
    history = throttle.cache.get(throttle.get_cache_key(request, None), [])
    now = throttle.timer()
    recent = [moment for moment in history if moment > now - throttle.duration]
    return len(recent) >= throttle.num_requests


def _replay(entry: _Entry) -> HttpResponse:
    response = HttpResponse(entry.content, status=entry.status)
    for name, value in entry.headers:
        response[name] = value
    return response


class BoardCacheMiddleware:
    """Serve anonymous board reads from :data:`CACHE` (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ttl = float(getattr(settings, "ARENA_BOARD_CACHE_S", 5))
        target = _cacheable_request(request) if ttl > 0 else None
        if target is None:
            return self.get_response(request)
        kind, phase_id = target
        version = board_version(phase_id)
        if version is None:
            return self.get_response(request)  # the view answers 404
        accept = request.META.get("HTTP_ACCEPT", "")[:200] if kind == "api" else ""
        key = (kind, phase_id, accept)
        entry = CACHE.get(key, version, ttl)
        if entry is None:
            with CACHE.render_lock(key):
                entry = CACHE.get(key, version, ttl)  # another thread may have rendered it
                if entry is None:
                    return self._render(request, key, version)
        if kind == "api" and _throttled(request):
            return self.get_response(request)  # the view answers 429 with Retry-After
        return _replay(entry)

    def _render(self, request: HttpRequest, key: tuple, version: tuple) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not response.has_header("Set-Cookie")
        ):
            headers = tuple((k, v) for k, v in response.items() if k.lower() != "set-cookie")
            CACHE.put(key, _Entry(version, time.monotonic(), 200, response.content, headers))
        return response
