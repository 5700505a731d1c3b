"""API v1, organizers: phases and datasets of a challenge (the organizer pages' actions).

- ``GET /api/v1/challenges/<slug>/phases/`` → every phase with all its settings; ``POST`` the
  same (``slug``, ``task`` and any setting) → 201 the new phase.
- ``GET|PATCH /api/v1/challenges/<slug>/phases/<id>/`` → one phase / change settings.
- ``GET /api/v1/challenges/<slug>/phases/<id>/dataset/`` → case ids and digests;
  ``POST`` (multipart ``archive``: zip or tar.gz with the folders ``inputs`` and ``references``, optional
  ``reevaluate=true``) replaces the dataset → 200 the dataset.
- ``POST /api/v1/challenges/<slug>/phases/<id>/per-case/`` ``{"release": true|false}``.

Validation is the organizer pages' (``arena.challenges.phase_forms``): a bad value answers 400
``{"error", "fields": {field: message}}`` and nothing changes. Only the challenge's organizers
(and staff): others who see the challenge get 403, a challenge they cannot see 404; a phase of
another challenge 404. Every change goes to the audit log."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from arena.api.views import _visible_challenge
from arena.challenges import permissions as perms
from arena.challenges.models import Challenge, Phase
from arena.challenges.phase_forms import (
    CREATE_FIELDS,
    EDIT_FIELDS,
    RECOMPUTE_FIELDS,
    PhaseCreateForm,
    PhaseForm,
    initial_values,
    save_phase,
    set_per_case_release,
)


def organized_challenge(request, slug: str) -> Challenge:
    """The challenge if the requester organizes it; 404 when they cannot see it, else 403."""
    challenge = _visible_challenge(request, slug)
    if not perms.is_organizer(request.user, challenge):
        raise PermissionDenied(f"only the organizers of '{slug}' can do this")
    return challenge


def challenge_phase(challenge: Challenge, phase_id: int) -> Phase:
    """The phase of ``challenge`` (404 for a phase of another challenge)."""
    phase = Phase.objects.filter(pk=phase_id, challenge=challenge).select_related("challenge").first()
    if phase is None:
        raise NotFound(f"phase {phase_id} of '{challenge.slug}' does not exist")
    return phase


class ManagedPhaseSerializer(serializers.ModelSerializer):
    """A phase as organizers see it: every setting and a dataset summary (no storage names)."""

    cases = serializers.SerializerMethodField()

    class Meta:
        model = Phase
        fields = ["id", *CREATE_FIELDS, "frozen", "reference_digest", "dataset_imported", "cases"]

    def get_cases(self, phase: Phase) -> int:
        return phase.cases.count()


class PhaseInSerializer(serializers.ModelSerializer):
    """Writable settings (documentation of the request body; validation is the pages' form)."""

    class Meta:
        model = Phase
        fields = CREATE_FIELDS
        extra_kwargs = {name: {"required": False} for name in EDIT_FIELDS}


_CASES = inline_serializer("DatasetCaseOut", many=True, fields={
    "case_id": serializers.CharField(), "digest": serializers.CharField(),
    "input_files": serializers.IntegerField(), "reference_files": serializers.IntegerField(),
    "size": serializers.ListField(child=serializers.IntegerField())})
_DATASET = inline_serializer("DatasetOut", {
    "phase": serializers.IntegerField(), "task": serializers.CharField(),
    "reference_digest": serializers.CharField(), "imported": serializers.DateTimeField(allow_null=True),
    "cases": _CASES, "stale_submissions": serializers.IntegerField(),
    "requeued": serializers.IntegerField(allow_null=True, required=False)})
_DATASET_IN = inline_serializer("DatasetIn", {
    "archive": serializers.FileField(help_text="zip or tar.gz holding the folders 'inputs' and 'references'"),
    "reevaluate": serializers.BooleanField(
        required=False, help_text="re-evaluate the phase's submissions against the new references")})
_PER_CASE_IN = inline_serializer("PerCaseIn", {"release": serializers.BooleanField()})


def form_error(form) -> Response:
    """400 naming every invalid field (the first message of each)."""
    fields = {name: " ".join(errors) for name, errors in form.errors.items()}
    first = next(iter(fields.items()))
    return Response({"error": f"field '{first[0]}': {first[1]}", "fields": fields},
                    status=status.HTTP_400_BAD_REQUEST)


def _unknown(data, allowed: list[str]) -> Response | None:
    extra = sorted(set(data) - set(allowed))
    if not extra:
        return None
    return Response({"error": f"unknown field(s) {', '.join(extra)}; expected some of "
                     f"{', '.join(allowed)}", "fields": {k: "unknown field" for k in extra}},
                    status=status.HTTP_400_BAD_REQUEST)


def _plain(data) -> dict:
    """The request body as a plain dict (a form body's last value per key)."""
    if hasattr(data, "dict"):
        return data.dict()
    return dict(data) if isinstance(data, dict) else {}


def _saved(phase: Phase, changed: set[str]) -> None:
    if changed & RECOMPUTE_FIELDS:
        from arena.leaderboards.services import recompute_leaderboard

        recompute_leaderboard(phase)


class ManagedPhaseListView(APIView):
    """Organizers: the challenge's phases with every setting (GET) or a new phase (POST)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(responses=ManagedPhaseSerializer(many=True))
    def get(self, request, slug: str):
        challenge = organized_challenge(request, slug)
        return Response(ManagedPhaseSerializer(challenge.phases.all(), many=True).data)

    @extend_schema(request=PhaseInSerializer, responses={201: ManagedPhaseSerializer})
    def post(self, request, slug: str):
        challenge = organized_challenge(request, slug)
        data = _plain(request.data)
        refused = _unknown(data, CREATE_FIELDS)
        if refused:
            return refused
        defaults = initial_values(Phase(challenge=challenge), EDIT_FIELDS)
        form = PhaseCreateForm({**defaults, **data}, challenge=challenge)
        if not form.is_valid():
            return form_error(form)
        phase, _ = save_phase(form, request.user)
        return Response(ManagedPhaseSerializer(phase).data, status=status.HTTP_201_CREATED)


class ManagedPhaseView(APIView):
    """Organizers: one phase with every setting (GET) or changed settings (PATCH: only the
    fields sent change)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(responses=ManagedPhaseSerializer)
    def get(self, request, slug: str, phase_id: int):
        phase = challenge_phase(organized_challenge(request, slug), phase_id)
        return Response(ManagedPhaseSerializer(phase).data)

    @extend_schema(request=PhaseInSerializer, responses=ManagedPhaseSerializer)
    def patch(self, request, slug: str, phase_id: int):
        phase = challenge_phase(organized_challenge(request, slug), phase_id)
        data = _plain(request.data)
        refused = _unknown(data, EDIT_FIELDS)
        if refused:
            return refused
        form = PhaseForm({**initial_values(phase, EDIT_FIELDS), **data}, instance=phase)
        if not form.is_valid():
            return form_error(form)
        phase, changed = save_phase(form, request.user)
        _saved(phase, changed)
        return Response(ManagedPhaseSerializer(phase).data)


def dataset_body(phase: Phase) -> dict:
    """The dataset of a phase as the API shows it: case ids, digests, file counts, sizes."""
    from arena.evaluation.services import stale_submissions

    return {
        "phase": phase.pk,
        "task": phase.task,
        "reference_digest": phase.reference_digest,
        "imported": phase.dataset_imported,
        "cases": [
            {"case_id": c.case_id, "digest": c.digest, "input_files": len(c.input_files),
             "reference_files": len(c.reference_files), "size": c.geometry.get("size", [])}
            for c in phase.cases.order_by("case_id")
        ],
        "stale_submissions": len(stale_submissions(phase)) if phase.has_dataset else 0,
    }


class PhaseDatasetView(APIView):
    """Organizers: the phase's dataset (GET) or a new one from an archive (POST, multipart
    ``archive``; ``reevaluate=true`` to re-score the phase). A refused archive answers 400
    ``{"error", "fields": {"archive"}}`` and nothing is stored."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=_DATASET)
    def get(self, request, slug: str, phase_id: int):
        phase = challenge_phase(organized_challenge(request, slug), phase_id)
        return Response(dataset_body(phase))

    @extend_schema(request={"multipart/form-data": _DATASET_IN}, responses=_DATASET)
    def post(self, request, slug: str, phase_id: int):
        from arena.evaluation.dataset_upload import DatasetUploadError, replace_dataset

        phase = challenge_phase(organized_challenge(request, slug), phase_id)
        reevaluate = str(request.data.get("reevaluate", "")).lower() in ("1", "true", "yes", "on")
        refused = getattr(request._request, "upload_refused", None)  # the size-limit handler
        if refused:
            return Response({"error": f"field 'archive': {refused}", "fields": {"archive": refused}},
                            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        try:
            result = replace_dataset(phase, request.FILES.get("archive"), by=request.user,
                                     reevaluate=reevaluate)
        except DatasetUploadError as exc:
            return Response({"error": str(exc), "fields": {"archive": str(exc)},
                             "problems": exc.problems}, status=status.HTTP_400_BAD_REQUEST)
        return Response({**dataset_body(result.phase), "requeued": result.requeued})


class PhasePerCaseView(APIView):
    """Organizers: ``{"release": true}`` shows participants their per-case results,
    ``false`` withholds them (audited)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=_PER_CASE_IN, responses=ManagedPhaseSerializer)
    def post(self, request, slug: str, phase_id: int):
        phase = challenge_phase(organized_challenge(request, slug), phase_id)
        release = request.data.get("release") if hasattr(request.data, "get") else None
        if isinstance(release, str) and release.lower() in ("true", "false"):
            release = release.lower() == "true"
        if not isinstance(release, bool):
            return Response({"error": "field 'release': expected true or false",
                             "fields": {"release": "expected true or false"}},
                            status=status.HTTP_400_BAD_REQUEST)
        set_per_case_release(phase, release, request.user)
        return Response(ManagedPhaseSerializer(phase).data)
