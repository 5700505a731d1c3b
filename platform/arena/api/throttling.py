"""API throttling (DRF) with counters in the shared cache (``caches["shared"]``: the database,
or Redis when ``ARENA_SHARED_CACHE_URL`` names one), so every web process counts together.

* :class:`TokenRateThrottle` — requests per authenticated user (token or session).
* :class:`AddressRateThrottle` — requests per client address, signed in or not.
* :class:`ThrottledTokenAuthentication` — failed token attempts per client address: past the
  limit every token request from that address gets 429 (a valid token included) until the
  window passes, so tokens cannot be guessed in bulk.

Rates are ``settings.ARENA_API_RATES`` (``"<n>/<s|min|hour|day>"``), read on each request.
Over a limit the API answers HTTP 429 with ``Retry-After`` (seconds)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from arena.api.tokens import HashedTokenAuthentication


class _SharedRateThrottle(SimpleRateThrottle):
    """A SimpleRateThrottle whose cache is the shared one and whose rate is read per request."""

    def __init__(self):
        self.cache = caches["shared"]
        super().__init__()

    def get_rate(self) -> str | None:
        """The scope's rate from ``settings.ARENA_API_RATES`` (None: not throttled)."""
        return settings.ARENA_API_RATES.get(self.scope)


class TokenRateThrottle(_SharedRateThrottle):
    """Per authenticated user; anonymous requests are left to :class:`AddressRateThrottle`."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        """``throttle_token_<user id>`` for a signed-in requester, else None."""
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AddressRateThrottle(_SharedRateThrottle):
    """Per client address (``REMOTE_ADDR``; ``NUM_PROXIES`` trusted X-Forwarded-For hops)."""

    scope = "address"

    def get_cache_key(self, request: Request, view: Any) -> str:
        """``throttle_address_<address>``."""
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _AuthFailureCounter(_SharedRateThrottle):
    scope = "auth_failure"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def blocked(self, request: Request) -> float | None:
        """Seconds to wait when the address is over its failure limit, else None."""
        if self.rate is None:
            return None
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.wait()
        return None

    def record(self, request: Request) -> None:
        """Count one failed attempt of the address."""
        if self.rate is not None and self.blocked(request) is None:
            self.throttle_success()


class ThrottledTokenAuthentication(HashedTokenAuthentication):
    """Hashed-token authentication (:mod:`arena.api.tokens`) that counts failures per client address and refuses (429) an
    address over ``ARENA_API_RATES["auth_failure"]``."""

    def authenticate(self, request: Request) -> tuple | None:
        """The hashed-token check, behind the failure throttle; None when no token is sent."""
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.lower().startswith(self.keyword.lower()):
            return None
        counter = _AuthFailureCounter()
        wait = counter.blocked(request)
        if wait is not None:
            raise exceptions.Throttled(wait=wait, detail=(
                "Too many failed token attempts from your address."
            ))
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            counter.record(request)
            raise
