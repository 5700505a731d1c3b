"""LeaderboardEntry: one ranked row of a phase's board, recomputed after each scoring."""

from __future__ import annotations

from django.db import models


class LeaderboardEntry(models.Model):
    phase = models.ForeignKey(
        "challenges.Phase", on_delete=models.CASCADE, related_name="leaderboard_entries"
    )
    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.CASCADE, related_name="leaderboard_entries"
    )
    participant = models.CharField(max_length=150)
    rank = models.PositiveIntegerField()
    score = models.FloatField(null=True, blank=True)
    values = models.JSONField(default=dict, help_text="Leaderboard column key -> value.")
    criterion_ranks = models.JSONField(
        default=dict, help_text="Rank-based rules: criterion key -> the entry's rank on it."
    )
    computed = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["phase", "rank", "participant"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "submission"], name="unique_board_entry")
        ]
        indexes = [models.Index(fields=["phase", "rank"], name="board_phase_rank")]

    def __str__(self) -> str:
        return f"#{self.rank} {self.participant} ({self.phase})"


class BoardRobustness(models.Model):
    """The cached robustness analysis of a phase's board (``evaluators.robustness``):
    computed by a Celery task when the board changes, never by a page view.

    ``board_digest`` identifies the board it was computed for (entries, evaluations, ranks,
    settings); ``result`` is the CLI's JSON schema (ranking, significance, bootstrap);
    ``figures`` the page's plotly figures, ready to embed."""

    class Status(models.TextChoices):
        READY = "ready", "ready"
        SKIPPED = "skipped", "skipped"
        FAILED = "failed", "failed"

    phase = models.OneToOneField(
        "challenges.Phase", on_delete=models.CASCADE, related_name="robustness"
    )
    board_digest = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices)
    message = models.TextField(blank=True, default="")
    samples = models.PositiveIntegerField(default=0)
    seed = models.IntegerField(default=0)
    entries = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict)
    figures = models.JSONField(default=dict, help_text="Figure name -> plotly figure JSON.")
    seconds = models.FloatField(default=0.0, help_text="Time the analysis took.")
    computed = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Robustness of {self.phase} ({self.status})"


class BoardSnapshot(models.Model):
    """The final board of a phase, frozen by an organizer: immutable once written.

    ``document`` is the signed snapshot document of ``evaluators.signing`` (``board`` = rows,
    per-case table, ranking rule, evaluators version, reference-set digest, freeze time;
    ``sha256`` of its canonical JSON; Ed25519 ``signature``; the signer's ``public_key``).
    A phase may be frozen more than once (after an unfreeze); its latest snapshot is the one
    shown."""

    phase = models.ForeignKey(
        "challenges.Phase", on_delete=models.CASCADE, related_name="board_snapshots"
    )
    created = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    signature = models.CharField(max_length=128)
    public_key = models.CharField(max_length=64)
    document = models.JSONField()

    class Meta:
        ordering = ["phase", "-created", "-id"]

    def __str__(self) -> str:
        return f"Final board of {self.phase} frozen {self.created:%Y-%m-%d %H:%M} ({self.sha256[:12]})"

    def save(self, *args, **kwargs) -> None:
        """Insert only: a snapshot is never rewritten."""
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"board snapshot {self.pk} is immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        """Refused: a published final board stays (it goes only with its phase)."""
        raise ValueError(f"board snapshot {self.pk} is immutable and cannot be deleted")


class Disqualification(models.Model):
    """An organizer's decision that a submission does not rank (rule breach): the board's
    recompute leaves it out; it stays visible to its owner with the reason. Removing the row
    (``requalify``) lets it rank again; both actions go to the audit log."""

    submission = models.OneToOneField(
        "submissions.Submission", on_delete=models.CASCADE, related_name="disqualification"
    )
    reason = models.CharField(max_length=300)
    decided_by = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Submission {self.submission_id} disqualified: {self.reason}"
