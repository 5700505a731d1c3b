"""Anonymous leaderboard reads served from memory, without recomputation.

A burst of visitors reads the same board: the page (``/phases/<id>/leaderboard/``) and its JSON
(``/api/v1/phases/<id>/leaderboard/``). :class:`BoardCacheMiddleware` (in ``MIDDLEWARE`` after
the security headers, before sessions and authentication) keeps, per web process, the last
rendered response of each board URL for anonymous requests (no cookie but the CSRF one, no
``Authorization`` header, no query string) keyed by

* the URL and, for the API, the ``Accept`` header (JSON or CSV),
* the phase's *board version*: ``leaderboard_updated`` (every recompute) and the fields that
  decide who may see the board (``leaderboard_visibility``, ``frozen``, the challenge's
  ``is_public``), read with one primary-key query, at most once per ``ARENA_BOARD_VERSION_S``
  seconds (default 1) per process, so a burst costs no database work at all (while one thread
  re-reads it the others use the previous one, for at most :data:`STALE_FACTOR` times that),

and serves it again while the version is unchanged and the copy is younger than
``ARENA_BOARD_CACHE_S`` seconds (default 5 in production mode, 0 — off — in development mode): a new result or a hidden
board shows within ``ARENA_BOARD_VERSION_S``, any other edit (a title, the robustness figure)
within ``ARENA_BOARD_CACHE_S``. Only a complete ``200`` response without cookies is kept (a
page that set a CSRF cookie is not). One thread per process renders a board (or re-reads a
version) at a time; meanwhile the others are served the previous copy when only its results or
age differ, and wait for the new one when the visibility changed (a board just hidden is not
served from an older copy). An address
over the API's per-address limit is refused on a hit too (the view answers 429; the shared
counter is read at most once per ``ARENA_BOARD_VERSION_S`` per address and process), but a hit
is not added to the count (writing the shared counter would cost more than the hit); a miss is
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
from django.core.handlers.wsgi import get_path_info
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.http.cookie import parse_cookie

#: Boards kept per process (least recently used dropped first).
MAX_ENTRIES = 256
#: A memoised fact past its age is still served while another thread re-reads it, up to this
#: many times its age limit (then every reader waits for the new value).
STALE_FACTOR = 5


@dataclass(frozen=True)
class Entry:
    version: tuple
    stored: float
    status: int
    content: bytes
    headers: tuple[tuple[str, str], ...]


class BoardCache:
    """Process-local store of rendered board responses and of short-lived facts (board
    versions, throttle state): thread-safe, bounded, one reader or renderer per key at a time
    while the others keep being served the previous value."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._memo: OrderedDict[tuple, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._busy: dict[tuple, threading.Lock] = {}

    def busy_lock(self, key: tuple) -> threading.Lock:
        """The lock held by the one thread that re-reads or renders ``key``."""
        with self._lock:
            return self._busy.setdefault(key, threading.Lock())

    def memo(self, key: tuple, max_age: float, read: Callable[[], object]) -> object:
        """``read()``'s value for ``key``, read again once it is older than ``max_age`` s. While
        one thread re-reads it, the others get the previous value (no pile-up on the database
        when a burst arrives as it expires); only the very first read makes them wait."""
        with self._lock:
            hit = self._memo.get(key)
        if hit is not None and time.monotonic() - hit[0] <= max_age:
            return hit[1]
        lock = self.busy_lock(("memo", *key))
        usable = hit is not None and time.monotonic() - hit[0] <= STALE_FACTOR * max_age
        if not lock.acquire(blocking=not usable):
            return hit[1]  # type: ignore[index]  # another thread is re-reading it
        try:
            with self._lock:
                again = self._memo.get(key)
            if again is not None and again is not hit and time.monotonic() - again[0] <= max_age:
                return again[1]
            value = read()
            with self._lock:
                self._memo[key] = (time.monotonic(), value)
                self._memo.move_to_end(key)
                while len(self._memo) > 4 * self.max_entries:
                    self._memo.popitem(last=False)
            return value
        finally:
            lock.release()

    def peek(self, key: tuple, max_age: float) -> tuple[bool, object]:
        """``(True, value)`` when :meth:`memo` holds ``key`` no older than ``max_age`` s, else
        ``(False, None)``; never reads (the WSGI fast path must not touch the database)."""
        with self._lock:
            hit = self._memo.get(key)
        if hit is None or time.monotonic() - hit[0] > max_age:
            return False, None
        return True, hit[1]

    def latest(self, key: tuple) -> Entry | None:
        """The last stored entry of ``key`` (any version, any age)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._memo.clear()


CACHE = BoardCache()
#: ``request.META`` (the WSGI environ) key of ``(key, entry)`` when the response is a stored board
#: entry: the WSGI fast path keeps the final bytes and headers Django sent for it.
SERVED = "arena.boardcache.served"
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


def cacheable(meta: dict) -> tuple[str, int] | None:
    """``("api" | "web", phase id)`` for an anonymous plain GET of a board, else None. ``meta``:
    the WSGI environ (``request.META``), so the WSGI fast path (arena.boardfast) applies the
    very same rule."""
    if meta.get("REQUEST_METHOD") != "GET" or meta.get("QUERY_STRING"):
        return None
    if meta.get("HTTP_AUTHORIZATION"):
        return None
    if set(parse_cookie(meta.get("HTTP_COOKIE", ""))) - {settings.CSRF_COOKIE_NAME}:
        return None  # a session, flashed messages, ...: the view decides
    path = get_path_info(meta)
    for kind, pattern in (("api", _API_BOARD), ("web", _WEB_BOARD)):
        match = pattern.match(path)
        if match:
            return kind, int(match.group(1))
    return None


def _host_allowed(request: HttpRequest) -> bool:
    """Whether the request's Host is one of ``ALLOWED_HOSTS`` (this middleware answers before
    Django's own check: a copy is never served under another host name)."""
    from django.core.exceptions import DisallowedHost

    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True


def throttle_key(meta: dict) -> tuple:
    """The memo key of the address's API limit state."""
    return "throttle", meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", "")


def entry_key(kind: str, phase_id: int, meta: dict) -> tuple:
    """The cache key of a board read: the page, or the JSON/CSV per ``Accept``."""
    return kind, phase_id, meta.get("HTTP_ACCEPT", "")[:200] if kind == "api" else ""


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


def _replay(request: HttpRequest, key: tuple, entry: Entry) -> HttpResponse:
    request.META[SERVED] = key, entry
    response = HttpResponse(entry.content, status=entry.status)
    for name, value in entry.headers:
        response[name] = value
    return response


def _fresh(entry: Entry | None, version: tuple, ttl: float) -> bool:
    return (entry is not None and entry.version == version
            and time.monotonic() - entry.stored <= ttl)


def _same_access(entry: Entry | None, version: tuple) -> bool:
    """True when ``entry`` was rendered under the same visibility fields as ``version`` (only
    its results or its age differ): it may be served while the new one renders."""
    return entry is not None and entry.version[1:] == version[1:]


class BoardCacheMiddleware:
    """Serve anonymous board reads from :data:`CACHE` (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ttl = float(getattr(settings, "ARENA_BOARD_CACHE_S", 5))
        target = cacheable(request.META) if ttl > 0 else None
        if target is None or not _host_allowed(request):
            return self.get_response(request)  # a Host outside ALLOWED_HOSTS: Django answers 400
        kind, phase_id = target
        fresh = float(getattr(settings, "ARENA_BOARD_VERSION_S", 1))
        version = CACHE.memo(("version", phase_id), fresh, lambda: board_version(phase_id))
        if version is None:
            return self.get_response(request)  # the view answers 404
        if kind == "api":
            if CACHE.memo(throttle_key(request.META), fresh, lambda: _throttled(request)):
                return self.get_response(request)  # the view answers 429 with Retry-After
        key = entry_key(kind, phase_id, request.META)
        entry = CACHE.latest(key)
        if _fresh(entry, version, ttl):
            return _replay(request, key, entry)  # type: ignore[arg-type]
        lock = CACHE.busy_lock(("render", *key))
        if not lock.acquire(blocking=False):
            if _same_access(entry, version):
                return _replay(request, key, entry)  # type: ignore[arg-type]  # new one rendering
            lock.acquire()
        try:
            entry = CACHE.latest(key)
            if _fresh(entry, version, ttl):  # rendered by the thread this one waited for
                return _replay(request, key, entry)  # type: ignore[arg-type]
            return self._render(request, key, version)
        finally:
            lock.release()

    def _render(self, request: HttpRequest, key: tuple, version: tuple) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not response.has_header("Set-Cookie")
        ):
            headers = tuple((k, v) for k, v in response.items() if k.lower() != "set-cookie")
            entry = Entry(version, time.monotonic(), 200, response.content, headers)
            CACHE.put(key, entry)
            request.META[SERVED] = key, entry
        return response
