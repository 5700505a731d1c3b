"""API v1: the robustness analysis of a phase's board
(``/api/v1/phases/<id>/leaderboard/robustness/``).

GET → the cached analysis: ``{"status", "message", "samples", "seed", "entries", "computed"}``
and, when ready, the ``evaluators rank --json`` schema (``task``, ``ranking``, ``significance``,
``bootstrap``). The per-case ``values`` of each significance column are included only for
requesters who may see per-case results. 404 ``{"detail"}`` while nothing has been computed;
403 when the board is hidden from the requester. Never runs an analysis."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from arena.api.views import _visible_phase
from arena.challenges import permissions as perms

_ROBUSTNESS = inline_serializer(
    "BoardRobustness",
    {
        "status": serializers.ChoiceField(choices=["ready", "skipped", "failed"]),
        "message": serializers.CharField(),
        "samples": serializers.IntegerField(),
        "seed": serializers.IntegerField(),
        "entries": serializers.IntegerField(),
        "computed": serializers.DateTimeField(),
        "task": serializers.CharField(required=False),
        "ranking": serializers.ListField(child=serializers.DictField(), required=False),
        "significance": serializers.DictField(required=False),
        "bootstrap": serializers.DictField(required=False),
    },
)


class LeaderboardRobustnessView(APIView):
    """The cached bootstrap and significance analysis of the phase's board."""

    @extend_schema(responses=_ROBUSTNESS)
    def get(self, request, phase_id: int):
        from arena.leaderboards.robustness import cached_result

        phase = _visible_phase(request, phase_id)
        if not perms.can_view_leaderboard(request.user, phase):
            raise PermissionDenied("the leaderboard of this phase is not visible to you")
        result = cached_result(phase, include_values=perms.can_view_per_case(request.user, phase))
        if result is None:
            raise NotFound("the robustness analysis of this board has not been computed yet")
        return Response(result)
