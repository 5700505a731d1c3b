"""Registration (user ↔ challenge, with approval status) and Team models."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Registration(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations"
    )
    challenge = models.ForeignKey(
        "challenges.Challenge", on_delete=models.CASCADE, related_name="registrations"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(auto_now_add=True)
    decided = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["user", "challenge"], name="unique_registration")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.challenge.slug} ({self.status})"


class Team(models.Model):
    challenge = models.ForeignKey(
        "challenges.Challenge", on_delete=models.CASCADE, related_name="teams"
    )
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "name"], name="unique_team_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.challenge.slug})"
