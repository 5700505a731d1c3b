"""Challenge and Phase models.

A phase names an ``evaluators`` task, its kind (predictions or algorithm), its schedule,
quota, leaderboard visibility and where its dataset lives. ``references_path`` is only ever read
by the worker-side scoring code; no participant-facing view or API serialises or serves it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone


class Challenge(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    organizers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="organized_challenges", blank=True
    )
    requires_approval = models.BooleanField(
        default=False, help_text="Registrations wait for an organizer's approval."
    )
    is_public = models.BooleanField(
        default=True, help_text="Listed and readable by everyone (else organizers + participants)."
    )
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text="Who created it (bundle upload); None for admin or seed.",
    )

    class Meta:
        ordering = ["-created", "slug"]

    def __str__(self) -> str:
        return self.title or self.slug


class Phase(models.Model):
    class Kind(models.TextChoices):
        PREDICTIONS = "predictions", "Prediction upload"
        ALGORITHM = "algorithm", "Algorithm container"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        PARTICIPANTS = "participants", "Registered participants"
        HIDDEN = "hidden", "Hidden (organizers only)"

    class Policy(models.TextChoices):
        BEST = "best", "Best submission per participant"
        LATEST = "latest", "Latest submission per participant"

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="phases")
    slug = models.SlugField(max_length=64)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    task = models.CharField(max_length=64, help_text="evaluators task name, e.g. kits21")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PREDICTIONS)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    quota_count = models.PositiveIntegerField(
        default=5, help_text="Submissions per participant (or team) per period; 0 = unlimited."
    )
    quota_period_days = models.PositiveIntegerField(default=1)
    leaderboard_visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    show_per_case = models.BooleanField(
        default=False, help_text="Participants may see per-case results."
    )
    ranking_rule = models.CharField(
        max_length=64, blank=True, help_text="Blank = the task's official ranking rule."
    )
    leaderboard_policy = models.CharField(
        max_length=8, choices=Policy.choices, default=Policy.BEST
    )
    frozen = models.BooleanField(
        default=False, help_text="Final board: recompute no longer changes the entries."
    )
    # Limits of algorithm runs (used by arena.execution).
    time_limit_s = models.PositiveIntegerField(default=3600)
    memory_mb = models.PositiveIntegerField(default=8192)
    cpus = models.PositiveIntegerField(default=2)
    gpu = models.BooleanField(default=False)
    hide_logs = models.BooleanField(default=True)
    # Time budget of scoring (arena.evaluation): a submission over it fails with
    # "scoring exceeded N s on case X"; the case's scoring process is killed, the worker goes on.
    scoring_case_timeout_s = models.FloatField(
        default=900.0, validators=[MinValueValidator(0.001)],
        help_text="Seconds one case may take to score (read + metrics).",
    )
    scoring_timeout_s = models.FloatField(
        default=4 * 3600.0, validators=[MinValueValidator(0.001)],
        help_text="Seconds scoring a whole submission may take.",
    )
    # Dataset (arena.challenges.datasets.import_dataset): folders in the "datasets" storage,
    # the stored zip of the test images in the "default" storage, and the digest of the
    # reference set; the per-case facts are DatasetCase rows.
    inputs_path = models.CharField(max_length=500, blank=True)
    references_path = models.CharField(max_length=500, blank=True)
    reference_digest = models.CharField(max_length=64, blank=True)
    inputs_archive = models.CharField(max_length=500, blank=True)
    dataset_imported = models.DateTimeField(null=True, blank=True)
    max_upload_mb = models.PositiveIntegerField(default=512)
    leaderboard_updated = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["challenge", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "slug"], name="unique_phase_slug")
        ]

    def __str__(self) -> str:
        return f"{self.challenge.slug}/{self.slug}"

    def is_open(self, now: dt.datetime | None = None) -> bool:
        """True while submissions are accepted (``opens_at <= now < closes_at``; None = open)."""
        now = now or timezone.now()
        if self.opens_at and now < self.opens_at:
            return False
        if self.closes_at and now >= self.closes_at:
            return False
        return True

    @property
    def has_dataset(self) -> bool:
        """True once a dataset was imported (inputs, references and case facts stored)."""
        return bool(self.references_path and self.dataset_imported)


class DatasetCase(models.Model):
    """Facts of one case of a phase's dataset, computed once at import: the web tier reads
    these and never opens an image file.

    ``digest``: sha256 over the relative paths and bytes of the case's reference files (the
    scheme of ``evaluators.reference_digest``); ``input_files`` / ``reference_files``: names
    relative to the phase's inputs / references folder; ``geometry``: size, spacing, origin,
    direction of the (first) reference image in SimpleITK order; ``labels``: voxel count per
    label value of the reference (``{"1": 1234, …}``, background 0 included), or for
    per-structure tasks per structure file (``{"Brain": 5678, …}``, foreground voxels)."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="cases")
    case_id = models.CharField(max_length=200)
    digest = models.CharField(max_length=64)
    input_files = models.JSONField(default=list, blank=True)
    reference_files = models.JSONField(default=list, blank=True)
    geometry = models.JSONField(default=dict, blank=True)
    labels = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["phase", "case_id"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "case_id"], name="unique_dataset_case")
        ]

    def __str__(self) -> str:
        return f"{self.phase_id}/{self.case_id}"


class AuditEntry(models.Model):
    """One organizer action on a challenge (append-only; written by ``arena.challenges.audit``).

    ``action`` is one of :class:`Action`; ``detail`` holds what changed (e.g. ``{"changes":
    {field: [old, new]}}``, the snapshot hash of a freeze, the number of re-queued
    submissions). ``actor`` is None for actions of the system (management commands)."""

    class Action(models.TextChoices):
        PHASE_EDIT = "phase_edit", "Phase settings changed"
        VISIBILITY = "visibility", "Leaderboard visibility changed"
        FREEZE = "freeze", "Board frozen (final)"
        UNFREEZE = "unfreeze", "Board unfrozen"
        REEVALUATE_PHASE = "reevaluate_phase", "Phase re-evaluated"
        REEVALUATE_SUBMISSION = "reevaluate_submission", "Submission re-evaluated"
        DISQUALIFY = "disqualify", "Submission disqualified"
        REQUALIFY = "requalify", "Disqualification withdrawn"
        RELEASE_CASES = "release_cases", "Per-case results released"
        WITHHOLD_CASES = "withhold_cases", "Per-case results withheld"
        DATASET = "dataset", "Dataset changed"
        REGISTRATION = "registration", "Registration decided"
        PHASE_CREATE = "phase_create", "Phase created"
        ORGANIZER_INVITE = "organizer_invite", "Co-organizer invited"
        ORGANIZER_ANSWER = "organizer_answer", "Co-organizer invitation answered"
        ORGANIZER_REMOVE = "organizer_remove", "Organizer removed"
        CHALLENGE_CREATED = "challenge_created", "Challenge created from a bundle"
        BUNDLE = "bundle", "Bundle version loaded"
        REFERENCES_CONFIRMED = "references_confirmed", "Changed references confirmed"
        PAGE_EDIT = "page_edit", "Page edited"
        BASELINE = "baseline", "Baseline flag changed"

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="audit_entries")
    phase = models.ForeignKey(
        Phase, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="Kept if the user goes.")
    action = models.CharField(max_length=32, choices=Action.choices)
    summary = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["challenge", "-created"], name="audit_challenge_time")]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.actor_name or 'system'}: {self.action}"

    def save(self, *args, **kwargs) -> None:
        """Insert only: an audit entry is never rewritten."""
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"audit entry {self.pk} is append-only and cannot be changed")
        super().save(*args, **kwargs)


class OrganizerInvitation(models.Model):
    """An organizer's invitation of ``invitee`` to co-organize ``challenge``: the invitee joins
    ``challenge.organizers`` only by accepting it (``arena.challenges.organizers``); at most
    one pending invitation per challenge and invitee."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="organizer_invitations"
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organizer_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
        related_name="organizer_invitations_sent",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(auto_now_add=True)
    decided = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "invitee"],
                condition=models.Q(status="pending"),
                name="one_pending_organizer_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitee} → organizer of {self.challenge.slug} ({self.status})"
# Pages and bundle versions (own module; registered with the app through this import).
from arena.challenges.pages_models import BundleVersion, ChallengePage  # noqa: E402,F401
