"""API of organizer-hosted challenges: bundle upload (``POST /api/v1/challenges/``, the same
``import_bundle`` service as the web page and ``manage.py import_challenge``), confirmation of
changed references, and the challenge's markdown pages (read; organizers replace them)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from arena.api.views import ChallengeListView, _visible_challenge
from arena.challenges import permissions as perms

_PROBLEMS = inline_serializer("BundleProblems", {"problems": serializers.ListField(
    child=inline_serializer("BundleProblem", {"file": serializers.CharField(),
                                              "field": serializers.CharField(),
                                              "message": serializers.CharField()}))})
_IMPORTED = inline_serializer("BundleImported", {
    "id": serializers.IntegerField(), "slug": serializers.CharField(),
    "version": serializers.IntegerField(), "created": serializers.BooleanField(),
    "references_changed": serializers.ListField(child=serializers.CharField()),
    "phases": serializers.ListField(child=inline_serializer("BundlePhase", {
        "id": serializers.IntegerField(), "slug": serializers.CharField(),
        "task": serializers.CharField(), "kind": serializers.CharField()})),
})
_PAGE = inline_serializer("ChallengePage", {
    "slug": serializers.CharField(), "title": serializers.CharField(),
    "body": serializers.CharField(), "updated": serializers.DateTimeField(),
})


def _problems(items) -> Response:
    return Response({"problems": [p.as_dict() for p in items]}, status=status.HTTP_400_BAD_REQUEST)


class ChallengeListCreateView(ChallengeListView):
    """GET: the challenges visible to the requester. POST (multipart field ``bundle``, a zip
    with challenge.yaml at its root): create a challenge (201; needs the permission
    ``challenges.add_challenge``) or load a new version of one the requester organizes (200).
    A refused bundle answers 400 ``{"problems": [{"file", "field", "message"}, ...]}`` listing
    every problem; nothing is created or stored."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=inline_serializer("BundleUpload", {"bundle": serializers.FileField()}),
        responses={201: _IMPORTED, 200: _IMPORTED, 400: _PROBLEMS},
    )
    def post(self, request):
        from arena.challenges.bundles import BundleError, BundleForbidden, Problem, import_bundle

        user = request.user
        if not getattr(user, "is_authenticated", False):
            raise NotAuthenticated()
        if not perms.can_create_challenge(user) and not user.organized_challenges.exists():
            raise PermissionDenied("you may not create challenges (ask the site's staff for the "
                                   "permission 'Can add challenge')")
        upload = request.FILES.get("bundle")
        if upload is None:
            return _problems([Problem("", "bundle", "expected a multipart file field 'bundle' "
                                      "(a zip with challenge.yaml at its root)")])
        try:
            result = import_bundle(upload, by=user)
        except BundleForbidden as exc:
            raise PermissionDenied("; ".join(p.message for p in exc.problems)) from None
        except BundleError as exc:
            return _problems(exc.problems)
        return Response(result.as_dict(),
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class BundleConfirmView(APIView):
    """POST: confirm the changed references of the challenge's latest bundle versions and
    re-evaluate the submissions of the phases concerned → ``{"reevaluated": n}``; 400 when
    nothing waits for confirmation."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=inline_serializer(
        "BundleConfirmed", {"reevaluated": serializers.IntegerField(),
                            "versions": serializers.ListField(child=serializers.IntegerField())}))
    def post(self, request, slug: str):
        from arena.challenges.bundles.versions import awaiting_versions
        from arena.evaluation.bundles import confirm_reference_change

        challenge = _visible_challenge(request, slug)
        if not perms.is_organizer(request.user, challenge):
            raise PermissionDenied("only the challenge's organizers can confirm a bundle")
        versions = list(awaiting_versions(challenge))
        if not versions:
            return Response({"error": "no bundle version has changed references awaiting "
                             "confirmation"}, status=status.HTTP_400_BAD_REQUEST)
        count = sum(confirm_reference_change(v, by=request.user) for v in versions)
        return Response({"reevaluated": count, "versions": [v.number for v in versions]})


def _page_body(page) -> dict:
    return {"slug": page.slug, "title": page.title, "body": page.body,
            "updated": page.updated.isoformat()}


class ChallengePageView(APIView):
    """GET: one markdown page of the challenge (``body`` is the organizer's markdown; pages
    render it sanitised). PUT (JSON ``{"body", "title"?}``): organizers create or replace it;
    every edit is in the audit log."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(responses=_PAGE)
    def get(self, request, slug: str, page: str):
        challenge = _visible_challenge(request, slug)
        found = challenge.pages.filter(slug=page).first()
        if found is None:
            raise NotFound(f"challenge '{slug}' has no page '{page}'")
        return Response(_page_body(found))

    @extend_schema(request=inline_serializer("ChallengePageEdit", {
        "body": serializers.CharField(), "title": serializers.CharField(required=False)}),
        responses=_PAGE)
    def put(self, request, slug: str, page: str):
        from arena.challenges.pages import PageError, update_page

        if not getattr(request.user, "is_authenticated", False):
            raise NotAuthenticated()
        challenge = _visible_challenge(request, slug)
        if not perms.is_organizer(request.user, challenge):
            raise PermissionDenied("only the challenge's organizers can edit its pages")
        body = request.data.get("body")
        if body is None:
            return Response({"error": "body: required (the page's markdown)",
                             "fields": {"body": "required"}}, status=status.HTTP_400_BAD_REQUEST)
        try:
            saved = update_page(challenge, page, body=body, title=request.data.get("title"),
                                by=request.user)
        except PageError as exc:
            return Response({"error": f"{exc.field}: {exc}", "fields": {exc.field: str(exc)}},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(_page_body(saved))
