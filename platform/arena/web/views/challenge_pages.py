"""The markdown pages of a challenge (overview, rules, data, timeline, …): shown sanitised to
everyone who may view the challenge, edited by its organizers (audited)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from arena.challenges import permissions as perms
from arena.challenges.models import Challenge
from arena.challenges.pages import PageError, challenge_pages, update_page
from arena.web.access import challenge_or_404
from arena.web.bundle_forms import PageForm


def challenge_counts(challenge: Challenge) -> dict[str, int]:
    """Approved participants and submissions (all phases) of the challenge."""
    from arena.submissions.models import Submission

    participants = challenge.registrations.filter(status="approved").count()
    submissions = Submission.objects.filter(phase__challenge=challenge).aggregate(
        n=Count("id", filter=~Q(status__in=Submission.NOT_COUNTED)))["n"]
    return {"participants": participants, "submissions": submissions or 0}


def page_view(request: HttpRequest, slug: str, page: str) -> HttpResponse:
    """One page of the challenge with the page tabs, phase dates and links to submit."""
    challenge = challenge_or_404(request, slug)
    pages = challenge_pages(challenge)
    current = next((p for p in pages if p.slug == page), None)
    if current is None:
        raise Http404(f"No page '{page}'.")
    context = {"challenge": challenge, "pages": pages, "current": current,
               "phases": list(challenge.phases.all()), "counts": challenge_counts(challenge),
               "is_organizer": perms.is_organizer(request.user, challenge)}
    return render(request, "web/challenge_page.html", context)


@login_required
def page_edit(request: HttpRequest, slug: str, page: str) -> HttpResponse:
    """Organizers: edit (or create) page ``page`` of the challenge."""
    challenge = challenge_or_404(request, slug)
    if not perms.is_organizer(request.user, challenge):
        raise Http404(f"No challenge '{slug}'.")
    current = challenge.pages.filter(slug=page).first()
    initial = {"title": current.title if current else page.replace("-", " ").title(),
               "body": current.body if current else ""}
    form = PageForm(request.POST) if request.method == "POST" else PageForm(initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_page(challenge, page, body=form.cleaned_data["body"],
                        title=form.cleaned_data["title"], by=request.user)
        except PageError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, "Page saved.")
            return redirect("web:challenge_page", slug=challenge.slug, page=page)
    context = {"challenge": challenge, "form": form, "page_slug": page, "current": current}
    return render(request, "web/challenge_page_edit.html", context,
                  status=400 if form.errors else 200)
