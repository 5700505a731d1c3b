"""Template helpers of the Arena web UI: number formatting, dict lookup, unread count,
sanitised markdown."""

from __future__ import annotations

import math
from typing import Any

from django import template

register = template.Library()


@register.filter
def metric(value: Any, digits: int = 4) -> str:
    """Format a metric value with ``digits`` decimals; missing or not finite values read "–"."""
    if value is None or isinstance(value, bool):
        return "–"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "NaN" if math.isnan(number) else ("∞" if number > 0 else "−∞")
    return f"{number:.{int(digits)}f}"


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` for dicts (``None`` when absent or when ``mapping`` is not a dict)."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.simple_tag
def unread_notification_count(user: Any) -> int:
    """Number of unread in-app notifications of ``user`` (0 for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    from arena.notifications.services import unread_count

    return unread_count(user)


@register.simple_tag
def evaluators_version() -> str:
    """The installed ``evaluators`` library version (shown in the footer)."""
    import evaluators

    return evaluators.__version__


@register.filter
def chart_json(value: str | None) -> str:
    """A plotly JSON string made safe to embed in ``<script type="application/json">``
    (``<``, ``>`` and ``&`` escaped as JSON unicode escapes)."""
    from django.utils.safestring import mark_safe

    text = (value or "null").replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)


#: tags a description may use after rendering; everything else is removed by nh3
MARKDOWN_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> str:
    """User-written markdown (challenge and phase descriptions) as HTML sanitised by nh3: only
    ``MARKDOWN_TAGS``, links limited to http/https/mailto with ``rel="noopener noreferrer
    nofollow"``, no attributes that run script, no raw HTML passed through unsanitised."""
    import markdown as md
    import nh3
    from django.utils.safestring import mark_safe

    html = md.markdown(text or "", extensions=["tables", "fenced_code", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=MARKDOWN_TAGS,
        attributes={"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)
