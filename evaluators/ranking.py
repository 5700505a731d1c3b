"""Ranking rules over several scored submissions: one small class per rule.

Every rule reads ``metrics_json["ranking_scores"]`` of each submission. Ranks are 1-based and
ties share the minimum rank (1, 1, 3). A submission without a value for a criterion is ranked
last on it.
"""

import math
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class RankedEntry:
    """One ranked submission: final ``rank``, the rule's ``score`` and the criteria values."""

    name: str
    rank: int
    score: float
    values: dict[str, float | None] = field(default_factory=dict)


class _Criterion(Protocol):
    key: str
    title: str
    higher_is_better: bool


def _value(scores: dict, key: str) -> float | None:
    value = scores.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def min_ranks(values: list[float | None], higher_is_better: bool) -> list[int]:
    """Competition ranks ("min" ties) of ``values``; ``None`` ranks after every number."""
    def sort_key(v):
        if v is None:
            return math.inf
        return -v if higher_is_better else v

    keys = [sort_key(v) for v in values]
    return [1 + sum(1 for other in keys if other < key) for key in keys]


@dataclass(frozen=True)
class RankThenAggregate:
    """Rank on each criterion, average the ranks; the final rank orders by that average
    (lower is better), ties broken by ``tiebreak``. With ``normalize`` the average is divided by
    the number of submissions (SegRap2023's score)."""

    criteria: tuple
    tiebreak: object | None = None
    normalize: bool = False

    def describe(self) -> str:
        names = ", ".join(c.title for c in self.criteria)
        text = f"rank on each of {len(self.criteria)} criteria ({names}), average the ranks"
        if self.normalize:
            text += ", divide by the number of submissions"
        text += ", order by that score (lower is better)"
        if self.tiebreak is not None:
            text += f"; ties broken by {self.tiebreak.title}"
        return text

    def rank(self, entries: dict[str, dict]) -> list[RankedEntry]:
        names = list(entries)
        if not names:
            return []
        per_criterion = [
            min_ranks([_value(entries[n], c.key) for n in names], c.higher_is_better)
            for c in self.criteria
        ]
        scores = [sum(r[i] for r in per_criterion) / len(self.criteria) for i in range(len(names))]
        if self.normalize:
            scores = [s / len(names) for s in scores]
        keys: list[tuple] = []
        for i, name in enumerate(names):
            tie = None
            if self.tiebreak is not None:
                tie = _value(entries[name], self.tiebreak.key)
                tie = math.inf if tie is None else (-tie if self.tiebreak.higher_is_better else tie)
            keys.append((scores[i], tie if tie is not None else 0.0))
        ranks = [1 + sum(1 for other in keys if other < key) for key in keys]
        return _entries(names, ranks, scores, entries, self.criteria)


@dataclass(frozen=True)
class Lexicographic:
    """Order by the first criterion, then the next for ties (e.g. COSMOS: QuanM, then vessel
    Dice). The score is the first criterion's value."""

    criteria: tuple

    def describe(self) -> str:
        return "order by " + ", then ".join(
            f"{c.title} ({'higher' if c.higher_is_better else 'lower'} is better)"
            for c in self.criteria
        )

    def rank(self, entries: dict[str, dict]) -> list[RankedEntry]:
        names = list(entries)

        def key(name: str) -> tuple:
            out = []
            for c in self.criteria:
                v = _value(entries[name], c.key)
                out.append(math.inf if v is None else (-v if c.higher_is_better else v))
            return tuple(out)

        keys = [key(n) for n in names]
        ranks = [1 + sum(1 for other in keys if other < k) for k in keys]
        scores = [_value(entries[n], self.criteria[0].key) for n in names]
        scores = [math.nan if s is None else s for s in scores]
        return _entries(names, ranks, scores, entries, self.criteria)


def _entries(names, ranks, scores, entries, criteria) -> list[RankedEntry]:
    ranked = [
        RankedEntry(n, r, float(s), {c.key: _value(entries[n], c.key) for c in criteria})
        for n, r, s in zip(names, ranks, scores, strict=True)
    ]
    return sorted(ranked, key=lambda e: (e.rank, e.name))
