"""API v1 views. Every endpoint checks ``arena.challenges.permissions``; objects the requester
may not see answer 404 (their existence is not leaked), actions they may not do answer 403.
Nothing here reads or serves a phase's reference set."""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from arena.api.renderers import CSVTextRenderer, FirstRendererNegotiation
from arena.api.serializers import (
    ChallengeSerializer,
    JoinSerializer,
    LeaderboardSerializer,
    PhaseSerializer,
    SubmissionDetailSerializer,
    SubmissionSerializer,
    SubmissionUploadSerializer,
    TimelineEntrySerializer,
)
from arena.challenges import permissions as perms
from arena.challenges.models import Challenge, Phase
from arena.submissions.models import Submission
from arena.submissions.services import status_history


def _visible_challenge(request, slug: str) -> Challenge:
    challenge = Challenge.objects.filter(slug=slug).first()
    if challenge is None or not perms.can_view_challenge(request.user, challenge):
        raise NotFound(f"challenge '{slug}' does not exist")
    return challenge


def _visible_phase(request, phase_id: int) -> Phase:
    phase = Phase.objects.select_related("challenge").filter(pk=phase_id).first()
    if phase is None or not perms.can_view_challenge(request.user, phase.challenge):
        raise NotFound(f"phase {phase_id} does not exist")
    return phase


def _visible_submission(request, submission_id: int) -> Submission:
    sub = (
        Submission.objects.select_related("phase", "phase__challenge", "creator", "team")
        .filter(pk=submission_id)
        .first()
    )
    if sub is None or not perms.can_view_submission(request.user, sub):
        raise NotFound(f"submission {submission_id} does not exist")
    return sub


class ChallengeListView(APIView):
    """List the challenges visible to the requester, each with its phases."""

    @extend_schema(responses=ChallengeSerializer(many=True))
    def get(self, request):
        qs = perms.visible_challenges(request.user).prefetch_related("phases")
        return Response(ChallengeSerializer(qs, many=True).data)


class ChallengeDetailView(APIView):
    """One challenge with its phases."""

    @extend_schema(responses=ChallengeSerializer)
    def get(self, request, slug: str):
        return Response(ChallengeSerializer(_visible_challenge(request, slug)).data)


class JoinChallengeView(APIView):
    """Register the requester for a challenge (approved at once unless the challenge requires
    an organizer's approval, then ``pending``)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={201: JoinSerializer, 200: JoinSerializer})
    def post(self, request, slug: str):
        from arena.participation.models import Registration
        from arena.participation.services import ParticipationError, join_challenge

        challenge = _visible_challenge(request, slug)
        existed = Registration.objects.filter(user=request.user, challenge=challenge).exists()
        try:
            registration = join_challenge(request.user, challenge)
        except ParticipationError as exc:
            return Response({"error": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"challenge": challenge.slug, "status": registration.status},
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class PhaseDetailView(APIView):
    """One phase (never its reference location)."""

    @extend_schema(responses=PhaseSerializer)
    def get(self, request, phase_id: int):
        return Response(PhaseSerializer(_visible_phase(request, phase_id)).data)


class PhaseSubmissionsView(APIView):
    """GET: the requester's (and team-mates') submissions to the phase; organizers get every
    submission of the phase with ``?all=1``.
    POST (multipart field ``file``): upload a prediction archive (zip / tar.gz) or, for
    algorithm phases, a container image archive (optional fields ``comment`` and ``method``,
    the entry's method name on the board) → 201 ``{"id", "status", ...}``; refused
    uploads → 400 ``{"error": "..."}`` and nothing is stored; 503 with ``Retry-After`` when
    the web process's upload slots and queue are full (arena.uploadslots; nothing stored)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[OpenApiParameter("all", bool, description="organizers: every submission")],
        responses=SubmissionSerializer(many=True),
    )
    def get(self, request, phase_id: int):
        from arena.submissions.services import user_submissions

        phase = _visible_phase(request, phase_id)
        qs = user_submissions(request.user, phase)
        if request.query_params.get("all") in ("1", "true", "yes"):
            if not perms.is_organizer(request.user, phase.challenge):
                raise PermissionDenied("only the challenge's organizers can list all submissions")
            qs = Submission.objects.filter(phase=phase).select_related(
                "phase", "phase__challenge", "creator", "team"
            )
        return Response(SubmissionSerializer(qs, many=True, context={"request": request}).data)

    @extend_schema(request=SubmissionUploadSerializer, responses={201: SubmissionSerializer})
    def post(self, request, phase_id: int):
        from arena.submissions import services

        phase = _visible_phase(request, phase_id)
        try:
            # before request.FILES: a closed phase, a spent quota or an oversized declared body
            # is refused without Django parsing (or spooling to disk) the multipart body
            services.precheck_upload(request.user, phase, request.META.get("CONTENT_LENGTH"))
        except services.SubmissionRejected as exc:
            body = {"error": exc.message}
            if exc.field:
                body["fields"] = {exc.field: exc.message}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        upload = request.FILES.get("file")
        comment = request.data.get("comment", "") if hasattr(request.data, "get") else ""
        method = request.data.get("method", "") if hasattr(request.data, "get") else ""
        create = (
            services.create_algorithm_submission
            if phase.kind == Phase.Kind.ALGORITHM
            else services.create_prediction_submission
        )
        try:
            sub = create(request.user, phase, upload, comment=comment, method=method)
        except services.SubmissionRejected as exc:
            body = {"error": exc.message}
            if exc.field:
                body["fields"] = {exc.field: exc.message}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            SubmissionSerializer(sub, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class SubmissionDetailView(APIView):
    """Status, user-visible error, status timeline and (when visible) aggregate metrics of a
    submission. ``timeline``: every recorded status change, oldest first (worker hostnames
    only for organizers).
    ``?cases=1`` adds per-case rows when per-case results are released to the requester."""

    @extend_schema(
        parameters=[OpenApiParameter("cases", bool, description="include per-case rows")],
        responses=SubmissionDetailSerializer,
    )
    def get(self, request, submission_id: int):
        sub = _visible_submission(request, submission_id)
        data = SubmissionSerializer(sub, context={"request": request}).data
        data["timeline"] = TimelineEntrySerializer(
            status_history(
                sub, show_workers=perms.is_organizer(request.user, sub.phase.challenge)
            ),
            many=True,
        ).data
        if request.query_params.get("cases") in ("1", "true", "yes"):
            from arena.evaluation.services import case_table

            if not perms.can_view_submission_cases(request.user, sub):
                raise PermissionDenied("per-case results of this phase are not released")
            data["cases"] = case_table(sub)
        return Response(data)


class SubmissionReevaluateView(APIView):
    """Organizers: score a submission again (new attempt)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=SubmissionSerializer)
    def post(self, request, submission_id: int):
        from arena.evaluation.services import reevaluate_submission

        sub = _visible_submission(request, submission_id)
        if not perms.is_organizer(request.user, sub.phase.challenge):
            raise PermissionDenied("only the challenge's organizers can re-evaluate submissions")
        sub = reevaluate_submission(sub, by=request.user)
        return Response(SubmissionSerializer(sub, context={"request": request}).data)


class SubmissionCancelView(APIView):
    """The submitter (or an organizer): cancel a submission that has not finished."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=SubmissionSerializer)
    def post(self, request, submission_id: int):
        from arena.submissions.services import cancel_submission

        sub = cancel_submission(_visible_submission(request, submission_id), by=request.user)
        return Response(SubmissionSerializer(sub, context={"request": request}).data)


class PhaseReevaluateView(APIView):
    """Organizers: re-evaluate every finished submission of a phase."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses=inline_serializer("Reevaluated", {"requeued": serializers.IntegerField()}),
    )
    def post(self, request, phase_id: int):
        from arena.evaluation.services import reevaluate_phase

        phase = _visible_phase(request, phase_id)
        if not perms.is_organizer(request.user, phase.challenge):
            raise PermissionDenied("only the challenge's organizers can re-evaluate a phase")
        return Response({"requeued": reevaluate_phase(phase, by=request.user)})


def _final(request, phase: Phase) -> dict | None:
    """``{"frozen_at", "sha256", "snapshot"}`` of a frozen board's latest snapshot, else None."""
    from arena.leaderboards.snapshots import latest_snapshot

    snapshot = latest_snapshot(phase) if phase.frozen else None
    if snapshot is None:
        return None
    return {
        "frozen_at": snapshot.created.isoformat(),
        "sha256": snapshot.sha256,
        "snapshot": request.build_absolute_uri(reverse("api:leaderboard-snapshot", args=[phase.pk])),
    }


class LeaderboardView(APIView):
    """Ranked rows of the phase (``?format=csv`` for CSV). 403 when the board is hidden from
    the requester."""

    renderer_classes = [JSONRenderer, CSVTextRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"])],
        responses=LeaderboardSerializer,
    )
    def get(self, request, phase_id: int):
        from arena.leaderboards.services import (
            board_rule,
            leaderboard_columns,
            leaderboard_csv,
            leaderboard_rows,
        )

        phase = _visible_phase(request, phase_id)
        if not perms.can_view_leaderboard(request.user, phase):
            raise PermissionDenied("the leaderboard of this phase is not visible to you")
        if request.accepted_renderer.format == "csv":
            filename = f"{phase.challenge.slug}-{phase.slug}-leaderboard.csv"
            return Response(
                leaderboard_csv(phase, request.user),
                content_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        try:
            import evaluators

            ranking = evaluators.get_task(phase.task).ranking_description
        except Exception:
            ranking = ""
        return Response(
            {
                "phase": phase.pk,
                "task": phase.task,
                "ranking": ranking,
                "rule": board_rule(phase),
                "columns": [
                    {"key": c.key, "title": c.title, "higher_is_better": c.higher_is_better,
                     "unit": c.unit, "decimals": c.decimals}
                    for c in leaderboard_columns(phase)
                ],
                "rows": leaderboard_rows(phase, request.user),
                "robustness": request.build_absolute_uri(
                    reverse("api:leaderboard-robustness", args=[phase.pk])
                ),
                "final": _final(request, phase),
            }
        )


class PhaseInputsView(APIView):
    """A zip of the phase's test images (never references), streamed; approved participants
    and organizers of prediction phases only."""

    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request, phase_id: int):
        from arena.challenges.services import inputs_archive

        phase = _visible_phase(request, phase_id)
        if not request.user.is_authenticated:
            from rest_framework.exceptions import NotAuthenticated

            raise NotAuthenticated("log in (or send a token) to download the test images")
        if not perms.can_download_inputs(request.user, phase):
            raise PermissionDenied(
                "the test images are available to approved participants of prediction phases"
            )
        from arena import files

        try:
            name = inputs_archive(phase)
            stream = files.open_stream(name)
        except FileNotFoundError:
            raise NotFound("this phase has no test images configured")
        filename = f"{phase.challenge.slug}-{phase.slug}-inputs.zip"
        response = FileResponse(
            stream, as_attachment=True, filename=filename, content_type="application/zip"
        )
        response["Content-Length"] = str(files.size(name))
        return response

