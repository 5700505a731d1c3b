"""API view of a submission's container job: ``GET /api/v1/submissions/<id>/job/``.

Mounted by ``arena.execution.urls`` (include it under ``api/v1/``). Same visibility as the
submission (404 otherwise); logs follow the phase's ``hide_logs``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from arena.challenges import permissions as perms
from arena.submissions.models import Submission


class SubmissionJobView(APIView):
    """The container job of a submission's current attempt (see presenters.job_summary)."""

    @extend_schema(
        responses=inline_serializer(
            "SubmissionJob",
            {
                "status": serializers.CharField(),
                "status_label": serializers.CharField(),
                "attempt": serializers.IntegerField(),
                "reason": serializers.CharField(),
                "error": serializers.CharField(),
                "exit_code": serializers.IntegerField(allow_null=True),
                "runtime_s": serializers.FloatField(allow_null=True),
                "peak_memory_mb": serializers.FloatField(allow_null=True),
                "engine": serializers.CharField(),
                "gpu": serializers.BooleanField(),
                "logs": serializers.DictField(child=serializers.CharField(), allow_null=True),
            },
        )
    )
    def get(self, request, submission_id: int):
        from arena.execution.presenters import job_summary

        sub = Submission.objects.select_related("phase", "phase__challenge").filter(
            pk=submission_id).first()
        if sub is None or not perms.can_view_submission(request.user, sub):
            raise NotFound(f"submission {submission_id} does not exist")
        summary = job_summary(sub, request.user)
        if summary is None:
            raise NotFound(f"submission {submission_id} has no container job")
        return Response(summary)
