"""HTML pages of the API app: the self-service token page and the browsable API docs (the
OpenAPI schema rendered by drf-spectacular's Swagger UI, its JavaScript served locally from
``drf-spectacular-sidecar``; no CDN)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from arena.api.models import ApiToken
from arena.api.tokens import issue_token, revoke_token


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """List the user's tokens; POST ``action=create`` (``name``) shows the new key once,
    ``action=revoke`` (``token``) revokes one."""
    new_key = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "create":
            try:
                token, new_key = issue_token(request.user, request.POST.get("name", ""))
            except ValueError as error:
                messages.error(request, str(error))
                status = 400
        elif action == "revoke":
            try:
                token_id = int(request.POST.get("token", ""))
            except ValueError:
                token_id = -1
            if revoke_token(request.user, token_id):
                messages.success(request, "Token revoked: it no longer works.")
            else:
                messages.error(request, f"Field 'token': no active token {request.POST.get('token')!r} of yours.")
            return redirect("api-tokens")
        else:
            messages.error(request, f"Field 'action': expected 'create' or 'revoke', got {action!r}.")
            status = 400
    listed = ApiToken.objects.filter(user=request.user)
    response = render(request, "api/tokens.html", {"tokens": listed, "new_key": new_key}, status=status)
    if new_key:
        response["Cache-Control"] = "no-store"
    return response
