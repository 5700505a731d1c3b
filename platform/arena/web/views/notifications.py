"""The user's in-app notifications."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The latest 100 notifications, unread first marked."""
    notifications = list(request.user.notifications.all()[:100])
    return render(request, "web/notifications.html", {"notifications": notifications})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark all notifications read."""
    from arena.notifications.services import mark_read

    mark_read(request.user)
    return redirect("web:notifications")
