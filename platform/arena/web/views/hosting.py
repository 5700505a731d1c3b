"""Hosting a challenge from the web: upload a bundle to create one (users holding
``challenges.add_challenge``), upload a new version of it and confirm changed references
(its organizers). The same ``import_bundle`` service as the API and ``import_challenge``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from arena.challenges import permissions as perms
from arena.challenges.models import Challenge
from arena.web.access import challenge_or_404
from arena.web.bundle_forms import BundleForm


def _import(request: HttpRequest, form: BundleForm):
    """(result, problems): the import's result, or the problems that refused the bundle."""
    from arena.challenges.bundles import BundleError, import_bundle

    try:
        return import_bundle(form.cleaned_data["bundle"], by=request.user), []
    except BundleError as exc:
        return None, exc.problems


def _success(request: HttpRequest, result) -> HttpResponse:
    verb = "created" if result.created else f"updated to bundle version {result.version.number}"
    messages.success(request, f"Challenge {result.challenge.title} {verb}: "
                     f"{len(result.phases)} phase(s).")
    if result.references_changed:
        messages.warning(request, "References changed in " + ", ".join(result.references_changed)
                         + ": confirm on the bundle page to re-evaluate their submissions.")
        return redirect("web:challenge_bundle", slug=result.challenge.slug)
    return redirect("web:challenge_detail", slug=result.challenge.slug)


@login_required
def challenge_new(request: HttpRequest) -> HttpResponse:
    """GET: the upload form and the bundle format in short; POST: create the challenge (the
    uploader becomes its organizer) or list every problem of a refused bundle (400)."""
    if not perms.can_create_challenge(request.user):
        return render(request, "web/challenge_new.html", {"allowed": False}, status=403)
    form = BundleForm(request.POST, request.FILES) if request.method == "POST" else BundleForm()
    problems = []
    if request.method == "POST" and form.is_valid():
        result, problems = _import(request, form)
        if result is not None:
            return _success(request, result)
    failed = request.method == "POST" and (problems or form.errors)
    return render(request, "web/challenge_new.html",
                  {"allowed": True, "form": form, "problems": problems},
                  status=400 if failed else 200)


def _organized_or_404(request: HttpRequest, slug: str) -> Challenge:
    challenge = challenge_or_404(request, slug)
    if not perms.is_organizer(request.user, challenge):
        raise Http404(f"No challenge '{slug}'.")
    return challenge


@login_required
def challenge_bundle(request: HttpRequest, slug: str) -> HttpResponse:
    """Organizers: the bundle versions of the challenge, the re-upload form and the reference
    changes waiting for confirmation."""
    challenge = _organized_or_404(request, slug)
    form = BundleForm(request.POST, request.FILES) if request.method == "POST" else BundleForm()
    problems = []
    if request.method == "POST" and form.is_valid():
        result, problems = _import(request, form)
        if result is not None:
            if result.challenge.pk != challenge.pk:
                messages.info(request, f"The bundle's slug is {result.challenge.slug}: it was "
                              "loaded as that challenge.")
            return _success(request, result)
    failed = request.method == "POST" and (problems or form.errors)
    context = {"challenge": challenge, "form": form, "problems": problems,
               "versions": list(challenge.bundle_versions.select_related("uploaded_by")[:50])}
    return render(request, "web/challenge_bundle.html", context, status=400 if failed else 200)


@login_required
@require_POST
def bundle_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    """Organizers: confirm the changed references; the phases' submissions are re-evaluated."""
    from arena.challenges.bundles.versions import awaiting_versions
    from arena.evaluation.bundles import confirm_reference_change

    challenge = _organized_or_404(request, slug)
    versions = list(awaiting_versions(challenge))
    if not versions:
        messages.info(request, "No reference change is waiting for confirmation.")
    else:
        count = sum(confirm_reference_change(v, by=request.user) for v in versions)
        messages.success(request, f"Confirmed: {count} submission(s) queued for re-evaluation.")
    return redirect("web:challenge_bundle", slug=challenge.slug)
