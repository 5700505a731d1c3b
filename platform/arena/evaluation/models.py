"""Evaluation: the scored result of one submission attempt, written once.

``metrics_json`` is exactly ``evaluators.ScoreResult.metrics_json`` (per-case values,
aggregates, ranking scores, missing cases, notes); ``ranking_scores`` and ``aggregates`` are
copied out so list views never load the per-case payload.
"""

from __future__ import annotations

from django.db import models


class Evaluation(models.Model):
    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.CASCADE, related_name="evaluations"
    )
    attempt = models.PositiveIntegerField()
    evaluators_version = models.CharField(max_length=32)
    reference_digest = models.CharField(max_length=64)
    metrics_json = models.JSONField()
    aggregates = models.JSONField(default=dict)
    ranking_scores = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "attempt"], name="evaluation_once_per_attempt"
            )
        ]

    def __str__(self) -> str:
        return f"Evaluation of submission {self.submission_id} attempt {self.attempt}"
