"""Models of organizer-hosted challenges: the markdown pages of a challenge and the bundle
versions it was loaded from (imported by :mod:`arena.challenges.models`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

#: the pages every bundle may carry, in their display order (others are allowed after them)
STANDARD_PAGES = ("overview", "rules", "data", "timeline")


class ChallengePage(models.Model):
    """One markdown page of a challenge (overview, rules, data, timeline, or another slug).
    ``body`` is the organizer's markdown; pages render it sanitised (never raw HTML)."""

    challenge = models.ForeignKey(
        "challenges.Challenge", on_delete=models.CASCADE, related_name="pages"
    )
    slug = models.SlugField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["challenge", "order", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "slug"], name="unique_challenge_page")
        ]

    def __str__(self) -> str:
        return f"{self.challenge_id}/{self.slug}"


class BundleVersion(models.Model):
    """One upload of a challenge bundle: number (1, 2, …), the sha256 of the bundle, who
    uploaded it, the parsed manifest, where the bundle archive is stored (``"default"``
    storage) and whether changed references wait for the organizer's confirmation before the
    phases' submissions are re-evaluated."""

    class References(models.TextChoices):
        UNCHANGED = "unchanged", "Nothing to confirm"
        AWAITING = "awaiting", "References changed: awaiting organizer confirmation"
        CONFIRMED = "confirmed", "References change confirmed, submissions re-evaluated"

    challenge = models.ForeignKey(
        "challenges.Challenge", on_delete=models.CASCADE, related_name="bundle_versions"
    )
    number = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    manifest = models.JSONField(default=dict, blank=True)
    archive = models.CharField(max_length=500, blank=True)
    references = models.CharField(
        max_length=16, choices=References.choices, default=References.UNCHANGED
    )
    #: slugs of the phases whose reference set changed with this version
    changed_phases = models.JSONField(default=list, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["challenge", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "number"], name="unique_bundle_version")
        ]

    def __str__(self) -> str:
        return f"{self.challenge_id} v{self.number}"

    @property
    def awaiting_confirmation(self) -> bool:
        """True while changed references wait for the organizer's confirmation."""
        return self.references == self.References.AWAITING
