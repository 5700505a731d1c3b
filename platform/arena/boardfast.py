"""Cached anonymous board reads answered at the WSGI layer, before Django's request machinery.

:class:`arena.boardcache.BoardCacheMiddleware` answers a cached board read in one to two
milliseconds, most of it Django's handler around it (the request object, the signals, the
outer middleware). With fifty uploads running in the same web process, each of those
milliseconds is shared with the uploads' threads under one interpreter lock. :class:`BoardFastPath`
(wrapping ``application`` in ``arena/wsgi.py``) keeps, per board read key, the final status,
headers and body Django sent for the middleware's latest stored entry (the middleware marks
such a response in the environ, :data:`arena.boardcache.SERVED`) and sends them again, without
calling Django, only when everything the middleware would check is already known in memory:

* the request passes the middleware's own rule (:func:`arena.boardcache.cacheable`: GET, no
  query string, no ``Authorization``, no cookie but the CSRF one);
* the same URL, ``Accept`` (API), ``Host``, scheme and forwarded headers were answered by Django
  before (so ``ALLOWED_HOSTS``, the HTTPS redirect and HSTS were decided by Django for them);
* that response's entry is still the middleware's latest for the key, its board version equals
  the version memoised no longer than ``ARENA_BOARD_VERSION_S`` ago, and it is younger than
  ``ARENA_BOARD_CACHE_S``;
* for the API, the address's limit state is memoised no longer than ``ARENA_BOARD_VERSION_S``
  ago and is "under the limit" (over it, Django answers 429 as before).

Anything else — a stale memo, a new result, a hidden board — goes to Django, which re-reads,
renders or refuses as documented in arena.boardcache; the fast path never touches the database.
A hit therefore carries byte for byte the headers a middleware hit had, security headers
included, and the same limit semantics (a hit is not counted, as in the middleware).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings

from arena.boardcache import CACHE, SERVED, Entry, cacheable, entry_key, throttle_key

#: Environ values besides the path and ``Accept`` that Django's answer may depend on.
_REQUEST_FACTS = (
    "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "wsgi.url_scheme",
    "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_SSL",
)


@dataclass(frozen=True)
class _Sent:
    entry: Entry
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class BoardFastPath:
    """WSGI middleware: answer a known board read from memory (module docstring), call
    ``app`` otherwise."""

    def __init__(self, app: Callable, max_entries: int = 1024):
        self.app = app
        self.max_entries = max_entries
        self._sent: OrderedDict[tuple, _Sent] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        ttl = float(getattr(settings, "ARENA_BOARD_CACHE_S", 5))
        target = cacheable(environ) if ttl > 0 else None
        if target is None:
            return self.app(environ, start_response)
        kind, phase_id = target
        key = entry_key(kind, phase_id, environ)
        facts = (key, *(environ.get(name) for name in _REQUEST_FACTS))
        with self._lock:
            sent = self._sent.get(facts)
        if sent is not None and self._current(sent.entry, key, kind, phase_id, environ, ttl):
            start_response(sent.status, list(sent.headers))
            return [sent.body]
        return self._through_django(facts, environ, start_response)

    @staticmethod
    def _current(entry: Entry, key: tuple, kind: str, phase_id: int, environ: dict,
                 ttl: float) -> bool:
        fresh = float(getattr(settings, "ARENA_BOARD_VERSION_S", 1))
        known, version = CACHE.peek(("version", phase_id), fresh)
        if not known or version != entry.version or time.monotonic() - entry.stored > ttl:
            return False
        if CACHE.latest(key) is not entry:
            return False
        if kind == "api":
            known, over_limit = CACHE.peek(throttle_key(environ), fresh)
            if not known or over_limit:
                return False
        return True

    def _through_django(self, facts: tuple, environ: dict, start_response: Callable):
        seen: dict[str, object] = {}

        def capture(status: str, headers: list, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        served = environ.get(SERVED)
        headers = seen.get("headers") or []
        if (
            served is None
            or not str(seen.get("status", "")).startswith("200")
            or getattr(result, "streaming", False)
            or any(name.lower() == "set-cookie" for name, _ in headers)  # type: ignore[attr-defined]
        ):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # Django's request_finished (gunicorn would call it on ``result``)
        _, entry = served
        with self._lock:
            self._sent[facts] = _Sent(entry, str(seen["status"]), tuple(headers), body)
            self._sent.move_to_end(facts)
            while len(self._sent) > self.max_entries:
                self._sent.popitem(last=False)
        return [body]
