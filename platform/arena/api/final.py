"""API v1: final boards and the site's signing key.

``GET /api/v1/keys/`` → ``{"algorithm": "Ed25519", "public_key": base64 raw 32 bytes,
"public_key_pem"}`` (anyone). ``GET /api/v1/phases/<id>/leaderboard/snapshot/`` → the latest
signed snapshot document of a frozen board (``evaluators.signing`` format): organizers, and
board viewers once per-case results are released (it holds every entry's per-case table);
404 when the board was never frozen or the requester may not see it."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from arena.api.views import _visible_phase
from arena.challenges import permissions as perms


class KeysView(APIView):
    """The public key that verifies final board snapshots."""

    permission_classes = [AllowAny]

    @extend_schema(responses=inline_serializer("SigningKey", {
        "algorithm": serializers.CharField(),
        "public_key": serializers.CharField(help_text="base64 of the 32 raw key bytes"),
        "public_key_pem": serializers.CharField(),
    }))
    def get(self, request):
        from arena.leaderboards.signing import public_key_pem, public_key_text

        try:
            return Response({"algorithm": "Ed25519", "public_key": public_key_text(),
                             "public_key_pem": public_key_pem()})
        except ImproperlyConfigured as error:
            raise NotFound(f"no signing key is configured: {error}") from None


class SnapshotView(APIView):
    """The signed final snapshot of a frozen board."""

    @extend_schema(responses=inline_serializer("BoardSnapshot", {
        "format": serializers.CharField(),
        "board": serializers.DictField(),
        "sha256": serializers.CharField(),
        "algorithm": serializers.CharField(),
        "signature": serializers.CharField(),
        "public_key": serializers.CharField(),
    }))
    def get(self, request, phase_id: int):
        from arena.leaderboards.snapshots import latest_snapshot

        phase = _visible_phase(request, phase_id)
        snapshot = latest_snapshot(phase)
        if snapshot is None or not perms.can_download_snapshot(request.user, phase):
            raise NotFound(f"phase {phase_id} has no final board snapshot visible to you")
        return Response(snapshot.document)
