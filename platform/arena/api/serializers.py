"""API serializers (output shapes; documented in the OpenAPI schema)."""

from __future__ import annotations

from rest_framework import serializers

from arena.challenges.models import Challenge, Phase
from arena.submissions.models import Submission


class PhaseSerializer(serializers.ModelSerializer):
    open = serializers.SerializerMethodField()

    class Meta:
        model = Phase
        fields = [
            "id",
            "slug",
            "title",
            "task",
            "kind",
            "open",
            "opens_at",
            "closes_at",
            "leaderboard_visibility",
            "show_per_case",
            "quota_count",
            "quota_period_days",
            "max_upload_mb",
        ]

    def get_open(self, phase: Phase) -> bool:
        return phase.is_open()


class ChallengeSerializer(serializers.ModelSerializer):
    phases = PhaseSerializer(many=True, read_only=True)

    class Meta:
        model = Challenge
        fields = ["slug", "title", "description", "requires_approval", "phases"]


class JoinSerializer(serializers.Serializer):
    challenge = serializers.CharField()
    status = serializers.CharField()


class SubmissionUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="zip or tar.gz of prediction files")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)
    method = serializers.CharField(
        required=False, allow_blank=True, max_length=100,
        help_text="Method name shown on the leaderboard (default: your last one in the phase, "
                  "else 'Unnamed method')",
    )


class SubmissionSerializer(serializers.ModelSerializer):
    phase = serializers.IntegerField(source="phase_id")
    participant = serializers.CharField(source="participant_label")
    baseline = serializers.BooleanField(source="is_baseline", read_only=True,
                                        help_text="An organizers' baseline entry")
    metrics = serializers.SerializerMethodField()
    queue_position = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "phase",
            "participant",
            "method",
            "baseline",
            "kind",
            "status",
            "error",
            "attempt",
            "sha256",
            "size",
            "comment",
            "created",
            "started",
            "finished",
            "queue_position",
            "metrics",
        ]

    def get_queue_position(self, sub: Submission) -> int | None:
        """Position among unfinished submissions (1 = next), null when finished."""
        from arena.submissions.services import queue_position

        return queue_position(sub)

    def get_metrics(self, sub: Submission) -> dict | None:
        """``{"aggregates", "ranking_scores", "evaluators_version", "reference_digest"}`` when
        scored and visible to the requester, else null."""
        from arena.challenges.permissions import can_view_metrics

        request = self.context.get("request")
        if sub.status != Submission.Status.SUCCEEDED or request is None:
            return None
        if not can_view_metrics(request.user, sub):
            return None
        evaluation = sub.latest_evaluation
        if evaluation is None:
            return None
        return {
            "aggregates": evaluation.aggregates,
            "ranking_scores": evaluation.ranking_scores,
            "evaluators_version": evaluation.evaluators_version,
            "reference_digest": evaluation.reference_digest,
        }


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    attempt = serializers.IntegerField()
    source = serializers.CharField(help_text="previous status; empty for the upload")
    target = serializers.CharField()
    by = serializers.CharField(help_text="user name, worker hostname (organizers) or 'worker'")
    reason = serializers.CharField()


class SubmissionDetailSerializer(SubmissionSerializer):
    """Schema of the detail view: the submission plus its status timeline."""

    timeline = TimelineEntrySerializer(many=True, read_only=True)

    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "timeline"]


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    unit = serializers.CharField(help_text='"" (ratio), "mm" or "%"')
    decimals = serializers.IntegerField(help_text="Decimals the board shows")


class RuleSerializer(serializers.Serializer):
    sentence = serializers.CharField(help_text="The ranking rule in one sentence")
    score = serializers.DictField(help_text='What "score" is: {"title", "higher_is_better"}')
    rank_based = serializers.BooleanField()
    criteria = serializers.ListField(child=serializers.DictField())
    tiebreak = serializers.DictField(allow_null=True)
    ties = serializers.CharField(help_text="How equal entries are ranked")
    groups = serializers.ListField(child=serializers.DictField(),
                                   help_text="Compact board: criterion groups (many criteria)")


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    tie = serializers.BooleanField(help_text="Another row shares this rank")
    criterion_ranks = serializers.DictField(child=serializers.IntegerField(),
                                            help_text="Rank-based rules: rank per criterion")
    participant = serializers.CharField()
    method = serializers.CharField(help_text="The entry's method name")
    baseline = serializers.BooleanField(help_text="An organizers' baseline entry (badge)")
    submission_id = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    values = serializers.DictField(child=serializers.FloatField(allow_null=True))
    created = serializers.DateTimeField()


class LeaderboardSerializer(serializers.Serializer):
    phase = serializers.IntegerField()
    task = serializers.CharField()
    ranking = serializers.CharField()
    rule = RuleSerializer(allow_null=True)
    columns = ColumnSerializer(many=True)
    rows = LeaderboardRowSerializer(many=True)
    robustness = serializers.URLField(help_text="The board's cached robustness analysis.")
    final = serializers.DictField(
        allow_null=True,
        help_text="Frozen boards: {frozen_at, sha256, snapshot (URL of the signed snapshot)}.",
    )
