"""Markdown pages of a challenge (overview, rules, data, timeline, and others): reading them in
display order and an organizer's edit (audited). Rendering is the web app's (sanitised)."""

from __future__ import annotations

from django.db import transaction

from arena.challenges import audit
from arena.challenges.bundles.schema import SLUG
from arena.challenges.models import AuditEntry, Challenge, ChallengePage
from arena.challenges.pages_models import STANDARD_PAGES

MAX_BODY_CHARS = 200_000


class PageError(ValueError):
    """An edit that is refused; ``field`` names the field, ``str(exc)`` says what was expected."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def challenge_pages(challenge: Challenge) -> list[ChallengePage]:
    """The challenge's pages in display order (standard pages first, then by order, slug)."""
    rank = {slug: i for i, slug in enumerate(STANDARD_PAGES)}
    return sorted(challenge.pages.all(),
                  key=lambda p: (rank.get(p.slug, len(rank)), p.order, p.slug))


def update_page(challenge: Challenge, slug: str, *, body: str, title: str | None = None,
                by=None) -> ChallengePage:
    """Create or replace page ``slug`` of the challenge (``title`` None keeps the current one,
    or the slug's title for a new page) and write an audit entry with what changed. Raises
    :class:`PageError` for a bad slug, a body that is not text or is too long."""
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise PageError("page", f"expected a page slug (lowercase letters, digits, '-'), got {slug!r}")
    if not isinstance(body, str):
        raise PageError("body", "expected the page's markdown text")
    if len(body) > MAX_BODY_CHARS:
        raise PageError("body", f"at most {MAX_BODY_CHARS} characters, got {len(body)}")
    if title is not None and (not isinstance(title, str) or not title.strip() or len(title) > 200):
        raise PageError("title", "expected a title of 1 to 200 characters")
    with transaction.atomic():
        page = ChallengePage.objects.select_for_update().filter(challenge=challenge, slug=slug).first()
        created = page is None
        if created:
            order = len(STANDARD_PAGES) + challenge.pages.count()
            if slug in STANDARD_PAGES:
                order = STANDARD_PAGES.index(slug)
            page = ChallengePage(challenge=challenge, slug=slug, order=order,
                                 title=title or slug.replace("-", " ").title())
        old = {"title": page.title, "body": page.body}
        page.body = body
        if title is not None:
            page.title = title.strip()
        page.save()
        changes = audit.field_changes(page, old, ["title"])
        if created or old["body"] != body or changes:
            audit.record(AuditEntry.Action.PAGE_EDIT, challenge=challenge, actor=by,
                         summary=f"page {slug} {'created' if created else 'edited'}",
                         page=slug, changes=changes, body_chars=[len(old["body"]), len(body)])
    return page
