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
