"""Sign-in throttling in the database, so that every web process sees the same count.

After ``ARENA_SIGNIN_MAX_FAILURES`` (10) failed attempts for one account, or from one client
address, within ``ARENA_SIGNIN_WINDOW_S`` (15 minutes), every further attempt for that account
or from that address (the correct password included) is refused with HTTP 429 until enough of
those failures are older than the window. The client address is ``REMOTE_ADDR``, or the entry
``ARENA_NUM_PROXIES`` hops from the right of ``X-Forwarded-For`` behind that many trusted
proxies."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from arena.web.models import SignInFailure

PRUNE_AFTER = dt.timedelta(days=1)


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry added by the outermost
    of ``ARENA_NUM_PROXIES`` trusted proxies (a client cannot spoof it)."""
    proxies = getattr(settings, "ARENA_NUM_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-min(proxies, len(hops))][:64]
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.ARENA_SIGNIN_WINDOW_S)


def retry_after(username: str, address: str, now: dt.datetime | None = None) -> int:
    """Seconds until an attempt for ``username`` from ``address`` is allowed again; 0 when it
    is allowed now. Locked while either the account or the address has at least the maximum
    number of failures inside the window; the lock ends when the failure that made the count
    reach the maximum leaves the window."""
    now = now or timezone.now()
    limit = settings.ARENA_SIGNIN_MAX_FAILURES
    since = now - _window()
    wait = 0.0
    for criterion in (Q(username=username.strip().lower()), Q(address=address)):
        times = list(
            SignInFailure.objects.filter(criterion, created__gt=since)
            .order_by("-created")
            .values_list("created", flat=True)[:limit]
        )
        if len(times) >= limit:
            # the oldest of the newest `limit` failures: once it ages out, fewer than `limit` remain
            wait = max(wait, (times[-1] + _window() - now).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def record_failure(username: str, address: str) -> None:
    """Store one failed attempt (and prune rows older than a day)."""
    now = timezone.now()
    SignInFailure.objects.create(username=username.strip().lower()[:150], address=address,
                                 created=now)
    SignInFailure.objects.filter(created__lt=now - PRUNE_AFTER).delete()


def clear_account(username: str) -> None:
    """Forget the account's failures after a successful sign-in (the address keeps its own)."""
    SignInFailure.objects.filter(username=username.strip().lower()).delete()
