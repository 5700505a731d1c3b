"""Submission model and its state machine.

``pending → validating → queued → [running →] evaluating → succeeded``, or ``failed`` (with a
user-visible ``error``) / ``cancelled``. ``attempt`` grows by one on each re-evaluation; every
task carries the attempt it was scheduled for and does nothing when the row has moved on.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

#: Longest method name of an entry (``Submission.method``).
METHOD_MAX_LENGTH = 100


def submission_upload_to(instance: Submission, filename: str) -> str:
    """Storage path of an uploaded archive: ``submissions/<phase id>/<uuid>/<filename>``."""
    return f"submissions/{instance.phase_id}/{uuid.uuid4().hex}/{filename}"


class Submission(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        VALIDATING = "validating", "Validating"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        EVALUATING = "evaluating", "Evaluating"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Kind(models.TextChoices):
        PREDICTIONS = "predictions", "Prediction archive"
        ALGORITHM = "algorithm", "Algorithm image"

    TERMINAL = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)
    # Statuses that do not consume quota.
    NOT_COUNTED = (Status.FAILED, Status.CANCELLED)

    phase = models.ForeignKey(
        "challenges.Phase", on_delete=models.CASCADE, related_name="submissions"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    team = models.ForeignKey(
        "participation.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PREDICTIONS)
    file = models.FileField(upload_to=submission_upload_to, max_length=500, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    size = models.BigIntegerField(default=0)
    comment = models.CharField(max_length=500, blank=True)
    # The entry's method name, shown on leaderboards (set by the participant on upload).
    method = models.CharField(max_length=METHOD_MAX_LENGTH, blank=True)
    # A reference entry of the organizers (reference baseline, nnU-Net, ...): set only by
    # organizers or the system (arena.submissions.baselines), shown with a badge on boards.
    is_baseline = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    error = models.TextField(blank=True, help_text="User-visible failure reason.")
    attempt = models.PositiveIntegerField(default=1)
    # Storage folder ("default" storage, e.g. predictions/<id>/<attempt>) of the prediction
    # files: the unpacked archive or the collected algorithm outputs.
    predictions_path = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    # Liveness of owed work (arena.submissions.liveness): when a task message was last sent for
    # this attempt, and when the task working on it last said it was alive (and which task).
    dispatched = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    worker_task = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["phase", "status"], name="submission_phase_status")]

    def __str__(self) -> str:
        return f"Submission {self.pk} ({self.status})"

    @property
    def counts_for_quota(self) -> bool:
        """Failed and cancelled submissions do not consume the participant's quota."""
        return self.status not in self.NOT_COUNTED

    @property
    def is_terminal(self) -> bool:
        return self.status in self.TERMINAL

    @property
    def participant_label(self) -> str:
        """Name shown on leaderboards: the team's name, else the creator's username."""
        return self.team.name if self.team_id else self.creator.get_username()

    @property
    def participant_key(self) -> str:
        """Stable identity of the participant: ``team:<id>`` or ``user:<id>``."""
        return f"team:{self.team_id}" if self.team_id else f"user:{self.creator_id}"

    @property
    def latest_evaluation(self):
        """The Evaluation of the current attempt, or None (not scored yet / failed)."""
        return self.evaluations.filter(attempt=self.attempt).first()


class StatusChange(models.Model):
    """One recorded move of a submission's status (its timeline): when, by whom — a user for
    web/API actions, else the worker's hostname — and why. Written only by
    ``arena.submissions.state``; ``source`` is empty for the creation entry."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="status_changes"
    )
    attempt = models.PositiveIntegerField()
    source = models.CharField(max_length=16, blank=True, choices=Submission.Status.choices)
    target = models.CharField(max_length=16, choices=Submission.Status.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    worker = models.CharField(max_length=255, blank=True, help_text="Hostname of the worker.")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Submission {self.submission_id}: {self.source or '∅'} → {self.target}"

    @property
    def actor(self) -> str:
        """Who made the change: the username, else the worker hostname, else "system"."""
        if self.user_id:
            return self.user.get_username()
        return self.worker or "system"
