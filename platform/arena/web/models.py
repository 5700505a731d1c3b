"""Web UI state kept in the database (shared by every web process): failed sign-in attempts."""

from __future__ import annotations

from django.db import models


class SignInFailure(models.Model):
    """One failed sign-in: the (lower-cased) username tried and the client address. Rows older
    than a day are pruned when new ones are written (arena.web.throttle)."""

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=64)
    created = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["username", "created"], name="web_signin_user_time"),
            models.Index(fields=["address", "created"], name="web_signin_addr_time"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.address} at {self.created:%Y-%m-%d %H:%M:%S}"
