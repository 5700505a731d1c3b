"""Registration (user ↔ challenge, with approval status), Team, Membership (who is in a team
since when) and Invitation (the only way into a team besides founding it)."""

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
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="teams", blank=True, through="Membership"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "name"], name="unique_team_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.challenge.slug})"


class Membership(models.Model):
    """A user in a team since ``joined``. At most one team per user and challenge (the
    challenge is copied from the team so the database enforces it). A member sees the team's
    submissions created from ``joined`` on; leaving deletes the row."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    challenge = models.ForeignKey(
        "challenges.Challenge", on_delete=models.CASCADE, related_name="team_memberships"
    )
    joined = models.DateTimeField()

    class Meta:
        ordering = ["joined"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="unique_team_member"),
            models.UniqueConstraint(
                fields=["challenge", "user"], name="one_team_per_challenge"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} since {self.joined:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    """An invitation of ``invitee`` into ``team`` by a member; only the invitee answers it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="team_invitations_sent",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(auto_now_add=True)
    decided = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "invitee"],
                condition=models.Q(status="pending"),
                name="one_pending_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitee} → {self.team} ({self.status})"
