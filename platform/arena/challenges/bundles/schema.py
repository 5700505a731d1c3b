"""``challenge.yaml`` → :class:`BundleSpec`: the manifest's fields, types and defaults.

Only ``slug``, ``title`` and ``phases`` (each with ``slug``, ``task`` and ``references``) are
required; everything else has a default (phase open now with no deadline, public board,
5 submissions a day, best submission counts, per-case results withheld, logs hidden, 1 h /
8 GB / 2 CPUs / no GPU for algorithm runs, 512 MB uploads). :func:`parse_manifest` collects
every problem instead of stopping at the first.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from arena.challenges.bundles.problems import MANIFEST, Problem
from arena.challenges.pages_models import STANDARD_PAGES

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
KINDS = ("predictions", "algorithm")
BOARDS = ("public", "participants", "hidden")
POLICIES = ("best", "latest")
#: challenge slugs taken by site URLs (``/challenges/new/``)
RESERVED = frozenset({"new"})


@dataclass
class PageSpec:
    slug: str
    title: str
    file: str
    order: int = 0


@dataclass
class PhaseSpec:
    slug: str
    title: str
    task: str
    references: str
    kind: str = "predictions"
    inputs: str | None = None
    description: str = ""
    opens: dt.datetime | None = None
    closes: dt.datetime | None = None
    daily_limit: int = 5
    leaderboard: str = "public"
    policy: str = "best"
    ranking_rule: str = ""
    show_per_case: bool = False
    hide_logs: bool = True
    time_limit_s: int = 3600
    memory_mb: int = 8192
    cpus: int = 2
    gpu: bool = False
    max_upload_mb: int = 512


@dataclass
class BundleSpec:
    slug: str
    title: str
    phases: list[PhaseSpec]
    description: str = ""
    public: bool = True
    requires_approval: bool = False
    pages: list[PageSpec] = field(default_factory=list)

    def manifest(self) -> dict[str, Any]:
        """JSON-safe form (datetimes as ISO 8601) stored with the bundle version."""
        def plain(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            if isinstance(value, dt.datetime):
                return value.isoformat()
            return value

        return plain(asdict(self))


# name → (type, default) of the optional phase fields; required ones are checked separately
_PHASE_OPTIONAL: dict[str, tuple[type, Any]] = {
    "title": (str, None), "kind": (str, "predictions"), "inputs": (str, None),
    "description": (str, ""), "opens": (dt.datetime, None), "closes": (dt.datetime, None),
    "daily_limit": (int, 5), "leaderboard": (str, "public"), "policy": (str, "best"),
    "ranking_rule": (str, ""), "show_per_case": (bool, False), "hide_logs": (bool, True),
    "time_limit_s": (int, 3600), "memory_mb": (int, 8192), "cpus": (int, 2),
    "gpu": (bool, False), "max_upload_mb": (int, 512),
}
_PHASE_REQUIRED = ("slug", "task", "references")
_TOP = {"slug", "title", "description", "public", "requires_approval", "pages", "phases"}
_POSITIVE = {"time_limit_s", "memory_mb", "cpus", "max_upload_mb"}


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field_name: str, message: str) -> None:
        self.problems.append(Problem(MANIFEST, field_name, message))


def _typed(value: Any, kind: type, where: str, out: _Collector) -> Any:
    """``value`` checked against ``kind`` (datetimes from ISO text or YAML timestamps; naive
    ones are UTC). Returns the converted value or None after recording a problem."""
    if value is None:
        return None
    if kind is bool:
        if isinstance(value, bool):
            return value
        out.add(where, f"expected true or false, got {value!r}")
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        out.add(where, f"expected a whole number >= 0, got {value!r}")
    elif kind is str:
        if isinstance(value, str):
            return value
        out.add(where, f"expected text, got {value!r}")
    elif kind is dt.datetime:
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            try:
                moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                out.add(where, f"expected a date and time like 2026-03-01T12:00:00Z, got {value!r}")
                return None
        else:
            out.add(where, f"expected a date and time like 2026-03-01T12:00:00Z, got {value!r}")
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return None


def _choice(value: str | None, choices: tuple[str, ...], where: str, out: _Collector) -> None:
    if value is not None and value not in choices:
        out.add(where, f"expected one of {', '.join(choices)}, got {value!r}")


def _slug(value: Any, where: str, out: _Collector) -> str | None:
    if not isinstance(value, str) or not SLUG.match(value):
        out.add(where, f"expected a slug (lowercase letters, digits and '-', at most 64 "
                       f"characters, e.g. my-kits), got {value!r}")
        return None
    return value


def _phase(raw: Any, index: int, out: _Collector) -> PhaseSpec | None:
    where = f"phases[{index}]"
    if not isinstance(raw, dict):
        out.add(where, f"expected a mapping with slug, task and references, got {raw!r}")
        return None
    for key in sorted(set(raw) - set(_PHASE_REQUIRED) - set(_PHASE_OPTIONAL)):
        out.add(f"{where}.{key}", f"unknown field; expected one of "
                                  f"{', '.join(sorted((*_PHASE_REQUIRED, *_PHASE_OPTIONAL)))}")
    for key in _PHASE_REQUIRED:
        if raw.get(key) in (None, ""):
            out.add(f"{where}.{key}", "required field is missing")
    slug = _slug(raw.get("slug"), f"{where}.slug", out) if raw.get("slug") else None
    values: dict[str, Any] = {}
    for key, (kind, default) in _PHASE_OPTIONAL.items():
        value = _typed(raw.get(key), kind, f"{where}.{key}", out) if key in raw else None
        values[key] = default if value is None else value
    for key in ("task", "references"):
        if raw.get(key) not in (None, "") and not isinstance(raw.get(key), str):
            out.add(f"{where}.{key}", f"expected text, got {raw.get(key)!r}")
    _choice(values["kind"], KINDS, f"{where}.kind", out)
    _choice(values["leaderboard"], BOARDS, f"{where}.leaderboard", out)
    _choice(values["policy"], POLICIES, f"{where}.policy", out)
    for key in _POSITIVE:
        if key in raw and values[key] == 0:
            out.add(f"{where}.{key}", "expected a number above 0, got 0")
    if values["kind"] == "algorithm" and not values["inputs"]:
        out.add(f"{where}.inputs", "required for algorithm phases (the images the container reads)")
    if values["opens"] and values["closes"] and values["closes"] <= values["opens"]:
        out.add(f"{where}.closes", "expected a time after opens")
    if not isinstance(raw.get("task"), str) or not isinstance(raw.get("references"), str):
        return None
    # with problems the phase is still returned (its data is checked too) but never loaded
    slug = slug or ""
    return PhaseSpec(slug=slug, task=raw["task"], references=raw["references"],
                     **{**values, "title": values["title"] or slug.replace("-", " ").title()})


def _pages(raw: Any, out: _Collector, present: set[str]) -> list[PageSpec]:
    """Pages named in the manifest (``pages: {slug: file}`` or a list of ``{slug, title,
    file}``); default: ``pages/<slug>.md`` for each file present under ``pages/``."""
    pages: list[PageSpec] = []
    if raw is None:
        names = sorted(p for p in present if p.startswith("pages/") and p.endswith(".md")
                       and p.count("/") == 1)
        for name in names:
            slug = name[len("pages/"):-len(".md")]
            if SLUG.match(slug):
                pages.append(PageSpec(slug, slug.replace("-", " ").title(), name))
            else:
                out.add("pages", f"page file {name}: expected a slug as its name (e.g. rules.md)")
    elif isinstance(raw, dict):
        for slug, file in raw.items():
            if _slug(slug, f"pages.{slug}", out) and _typed(file, str, f"pages.{slug}", out):
                pages.append(PageSpec(slug, slug.replace("-", " ").title(), file))
    elif isinstance(raw, list):
        for i, item in enumerate(raw):
            if not isinstance(item, dict) or not item.get("file") or not item.get("slug"):
                out.add(f"pages[{i}]", f"expected a mapping with slug, file (and title), got {item!r}")
                continue
            slug = _slug(item["slug"], f"pages[{i}].slug", out)
            title = _typed(item.get("title"), str, f"pages[{i}].title", out)
            file = _typed(item["file"], str, f"pages[{i}].file", out)
            if slug and file:
                pages.append(PageSpec(slug, title or slug.replace("-", " ").title(), file))
    else:
        out.add("pages", f"expected a mapping of page slug to markdown file, got {raw!r}")
    rank = {slug: i for i, slug in enumerate(STANDARD_PAGES)}
    pages.sort(key=lambda p: (rank.get(p.slug, len(rank)), p.slug))
    seen: set[str] = set()
    for order, page in enumerate(pages):
        page.order = order
        if page.slug in seen:
            out.add("pages", f"page {page.slug!r} is listed twice")
        seen.add(page.slug)
    return pages


def parse_manifest(data: Any, present: set[str]) -> tuple[BundleSpec | None, list[Problem]]:
    """Check the loaded YAML document ``data`` and build the spec; ``present``: the bundle's
    file names (posix, relative), for the default pages. Returns ``(spec, problems)``, every
    problem with ``file="challenge.yaml"`` and its field; with problems the spec holds only the
    parts that were valid (so the data checks still run on them) and must not be loaded; it
    is None when the document is not a mapping."""
    out = _Collector()
    if not isinstance(data, dict):
        out.add("", "expected a mapping with slug, title and phases at the top level")
        return None, out.problems
    for key in sorted(set(data) - _TOP):
        out.add(key, f"unknown field; expected one of {', '.join(sorted(_TOP))}")
    for key in ("slug", "title", "phases"):
        if data.get(key) in (None, "", []):
            out.add(key, "required field is missing")
    slug = _slug(data["slug"], "slug", out) if data.get("slug") else None
    if slug in RESERVED:
        out.add("slug", f"{slug!r} is reserved by the site; choose another slug")
        slug = None
    title = _typed(data.get("title"), str, "title", out)
    description = _typed(data.get("description"), str, "description", out) or ""
    public = _typed(data.get("public"), bool, "public", out)
    approval = _typed(data.get("requires_approval"), bool, "requires_approval", out)
    phases: list[PhaseSpec] = []
    raw_phases = data.get("phases")
    if raw_phases is not None and not isinstance(raw_phases, list):
        out.add("phases", "expected a list of phases")
    elif raw_phases:
        for i, raw in enumerate(raw_phases):
            phase = _phase(raw, i, out)
            if phase is not None:
                phases.append(phase)
        slugs = [p.get("slug") for p in raw_phases if isinstance(p, dict)]
        for dup in sorted({s for s in slugs if s and slugs.count(s) > 1}):
            out.add("phases", f"phase slug {dup!r} is used twice; expected unique slugs")
    pages = _pages(data.get("pages"), out, present)
    spec = BundleSpec(slug=slug or "", title=title or "", phases=phases, description=description,
                      public=True if public is None else public,
                      requires_approval=bool(approval), pages=pages)
    return spec, out.problems
