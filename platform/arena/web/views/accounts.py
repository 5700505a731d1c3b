"""Sign-up, log-in and log-out (Django auth)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from arena.web import throttle
from arena.web.forms import SignupForm


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def signup(request: HttpRequest) -> HttpResponse:
    """Create an account and log in; then go to ``next`` (same-site only) or home."""
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}! Join a challenge to submit.")
        return redirect(_safe_next(request))
    return render(request, "web/signup.html", {"form": form, "next": _safe_next(request)})


class LoginView(auth_views.LoginView):
    """Django's login view with the Arena template, throttled (arena.web.throttle): while the
    account or the client address has too many recent failures, a POST is answered HTTP 429
    with the wait on the page and in ``Retry-After``, without checking the password."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        """Refuse while throttled; otherwise Django's login (failures are recorded)."""
        username = request.POST.get("username", "")
        wait = throttle.retry_after(username, throttle.client_address(request))
        if wait:
            minutes = max(1, -(-wait // 60))
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                f"Too many failed sign-in attempts for this account or from your address. "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        """Record the failed attempt."""
        throttle.record_failure(
            self.request.POST.get("username", ""), throttle.client_address(self.request)
        )
        return super().form_invalid(form)

    def form_valid(self, form):
        """Forget the account's failures."""
        throttle.clear_account(form.get_user().get_username())
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """Django's logout view (POST only); back to the home page."""

    next_page = "/"
