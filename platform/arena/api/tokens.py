"""Personal API tokens: issue (the key is returned once), revoke, and the DRF authentication
class that checks ``Authorization: Token <key>`` against the stored SHA-256 digests."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from arena.api.models import ApiToken

# ``last_used`` is written at most this often per token (one UPDATE, not one per request).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20


def digest(key: str) -> str:
    """Hex SHA-256 of a key (what is stored)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue_token(user, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user`` and return it with its key — the only time the key exists
    outside the client: the database keeps its digest. Raises ValueError (naming the field)
    for an empty name or more than ``MAX_ACTIVE_TOKENS`` active tokens."""
    name = (name or "").strip()
    if not name:
        raise ValueError("Field 'name': give the token a name (e.g. the machine using it).")
    if ApiToken.objects.filter(user=user, revoked__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValueError(
            f"You already have {MAX_ACTIVE_TOKENS} active tokens: revoke one first."
        )
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=key[:8], digest=digest(key))
    return token, key


def revoke_token(user, token_id: int) -> bool:
    """Revoke the user's token ``token_id``; False when it is not theirs or already revoked."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked__isnull=True).update(
            revoked=timezone.now()
        )
    )


class HashedTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>`` → the token's user, when the key's digest belongs to an
    active token of an active user. Other schemes are left to the next authentication class."""

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid token header: expected 'Authorization: Token <key>'."
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token: not ASCII.") from None
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=digest(key), revoked__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.last_used is None or now - token.last_used > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword


try:  # the OpenAPI schema names the scheme (drf-spectacular finds the extension by its target)
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class HashedTokenScheme(OpenApiAuthenticationExtension):
        """``tokenAuth``: ``Authorization: Token <key>`` (a key from the API tokens page)."""

        target_class = "arena.api.tokens.HashedTokenAuthentication"
        match_subclasses = True  # arena.api.throttling.ThrottledTokenAuthentication
        name = "tokenAuth"

        def get_security_definition(self, auto_schema):
            return {"type": "apiKey", "in": "header", "name": "Authorization",
                    "description": "Token-based authentication: 'Token <key>'"}
except ImportError:  # pragma: no cover - drf-spectacular is a requirement
    pass
