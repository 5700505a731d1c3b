"""The skip allow-list (tests/skips_allowed.txt) and the ledger of skips seen in a session.

File format, one allowed skip per line: ``<test id pattern> | <reason pattern>``; both are
shell-style patterns (``fnmatch``) matched against the test's node id and the skip's reason
text. Blank lines and ``#`` comments are ignored. A line without both parts is an error naming
the file and line, so the list cannot silently allow everything."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

ALLOWLIST = Path(__file__).resolve().parents[1] / "skips_allowed.txt"


def parse_allowlist(text: str, source: str = "skips_allowed.txt") -> list[tuple[str, str]]:
    """(node id pattern, reason pattern) pairs of an allow-list text; ValueError on a malformed
    line (missing ``|``, empty pattern or empty reason)."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        nodeid, sep, reason = (part.strip() for part in line.partition("|"))
        if not sep or not nodeid or not reason:
            raise ValueError(
                f"{source}:{number}: expected '<test id pattern> | <reason pattern>', got {raw!r}"
            )
        entries.append((nodeid, reason))
    return entries


def skip_reason(longrepr: Any) -> str:
    """The reason text of a skip report's ``longrepr`` (``(path, line, 'Skipped: why')``)."""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        text = str(longrepr[2])
    else:
        text = str(longrepr)
    return text.removeprefix("Skipped: ").strip()


@dataclass
class SkipLedger:
    """Skips seen in this session; those no allow-list entry matches are in ``unlisted``."""

    entries: list[tuple[str, str]]
    unlisted: list[tuple[str, str]] = field(default_factory=list)
    allowed: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_file(cls, path: Path) -> SkipLedger:
        """The ledger for the allow-list at ``path`` (an absent file allows nothing)."""
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        return cls(parse_allowlist(text, source=str(path.name)))

    def is_allowed(self, nodeid: str, reason: str) -> bool:
        """Whether an entry matches both the node id and the reason."""
        return any(
            fnmatchcase(nodeid, id_pattern) and fnmatchcase(reason, reason_pattern)
            for id_pattern, reason_pattern in self.entries
        )

    def record(self, nodeid: str, longrepr: Any) -> None:
        """File one skip under ``allowed`` or ``unlisted``."""
        reason = skip_reason(longrepr)
        (self.allowed if self.is_allowed(nodeid, reason) else self.unlisted).append(
            (nodeid, reason)
        )
