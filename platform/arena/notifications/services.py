"""Notifications: an in-app row, and (optionally) an email sent after the transaction commits."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from arena.notifications.models import Notification

logger = logging.getLogger(__name__)


def notify(user, text: str, link: str = "", *, email_subject: str | None = None) -> Notification:
    """Create a notification for ``user``; when ``email_subject`` is given and the user has an
    address, send an email through Django's email backend once the transaction commits."""
    notification = Notification.objects.create(user=user, text=text[:500], link=link[:500])
    if email_subject and user.email:
        url = f"{settings.ARENA_SITE_URL.rstrip('/')}{link}" if link else ""

        def _send() -> None:
            try:
                send_mail(
                    email_subject,
                    f"{text}\n\n{url}".strip() + "\n",
                    settings.DEFAULT_FROM_EMAIL,
                    [user.email],
                )
            except Exception:  # an unreachable mail server must not fail the job
                logger.exception("could not email notification %s", notification.pk)

        transaction.on_commit(_send)
    return notification


def unread_count(user) -> int:
    """Number of unread notifications (0 for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read=False).count()


def mark_read(user, ids=None) -> int:
    """Mark the user's notifications (all, or those with ``ids``) read; returns the count."""
    qs = Notification.objects.filter(user=user, read=False)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read=True)
