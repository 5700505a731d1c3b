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
    computed = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["phase", "rank", "participant"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "submission"], name="unique_board_entry")
        ]
        indexes = [models.Index(fields=["phase", "rank"], name="board_phase_rank")]

    def __str__(self) -> str:
        return f"#{self.rank} {self.participant} ({self.phase})"
