"""Ranking rules over several scored submissions: one small class per rule.

Every rule reads ``metrics_json["ranking_scores"]`` of each submission. Ranks are 1-based and
ties share the minimum rank (1, 1, 3). A submission without a value for a criterion is ranked
last on it.
"""

import math
import os
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass
class RankedEntry:
    """One ranked submission: final ``rank``, the rule's ``score`` and the criteria values."""

    name: str
    rank: int
    score: float
    values: dict[str, float | None] = field(default_factory=dict)
    #: rank-based rules: the entry's rank on each criterion (criterion key -> rank)
    criterion_ranks: dict[str, int] = field(default_factory=dict)


class _Criterion(Protocol):
    key: str
    title: str
    higher_is_better: bool


def _value(scores: dict, key: str) -> float | None:
    value = scores.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _direction(criterion) -> str:
    return "higher is better" if criterion.higher_is_better else "lower is better"


def criterion_groups(criteria) -> list[tuple[str, list]]:
    """``region/metric`` criteria grouped by metric, in order: ``[(metric title, criteria)]``.
    The metric title is the part of the criteria titles they share at the end (``"Vein HD
    (mm)"``, ``"Tumor HD (mm)"`` → ``"HD (mm)"``)."""
    by_metric: dict[str, list] = {}
    for c in criteria:
        by_metric.setdefault(c.key.partition("/")[2], []).append(c)
    groups = []
    for metric, members in by_metric.items():
        reversed_titles = [c.title[::-1] for c in members]
        suffix = os.path.commonprefix(reversed_titles)[::-1] if len(members) > 1 else ""
        if " " in suffix and len(members) > 1:
            suffix = suffix[suffix.index(" ") + 1:] if not suffix.startswith(" ") else suffix
        groups.append((suffix.strip() or metric, members))
    return groups


def _criteria_phrase(criteria) -> str:
    """The criteria with their directions; many ``region/metric`` criteria are summarised."""
    if len(criteria) <= 8:
        return ", ".join(f"{c.title} ({_direction(c)})" for c in criteria)
    regions = list(dict.fromkeys(c.key.partition("/")[0] for c in criteria))
    parts = [f"{title} ({_direction(group[0])})" for title, group in criterion_groups(criteria)]
    return f"{len(regions)} structures × {', '.join(parts)}"


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
        """The rule in one sentence, each criterion with its direction, and the tie rule."""
        text = (f"Rank the entries on each of {len(self.criteria)} criteria "
                f"({_criteria_phrase(self.criteria)}), average the ranks")
        if self.normalize:
            text += " and divide by the number of entries"
        text += "; order by that score (lower is better)"
        if self.tiebreak is not None:
            text += (f"; equal scores are broken by {self.tiebreak.title} "
                     f"({_direction(self.tiebreak)})")
        return text + "; entries still equal share a rank."

    @property
    def score_title(self) -> str:
        """What ``RankedEntry.score`` is."""
        return "Mean rank / entries" if self.normalize else "Mean criterion rank"

    score_higher_is_better = False
    rank_based = True

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
        ranked = _entries(names, ranks, scores, entries, self.criteria)
        index = {n: i for i, n in enumerate(names)}
        for entry in ranked:
            entry.criterion_ranks = {
                c.key: r[index[entry.name]]
                for c, r in zip(self.criteria, per_criterion, strict=True)
            }
        return ranked

    @property
    def keys(self) -> list[str]:
        """The ``ranking_scores`` keys the rule reads (criteria, then the tie-break)."""
        return [c.key for c in self.criteria] + ([self.tiebreak.key] if self.tiebreak else [])

    def rank_arrays(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """Final ranks of many samples at once, exactly as :meth:`rank` orders one sample:
        ``values[key]`` is ``(samples, entries)`` (NaN = no value); returns ``(samples,
        entries)`` integer ranks (1-based, "min" ties)."""
        per_criterion = [
            _min_ranks_2d(_order_keys(values[c.key], c.higher_is_better)) for c in self.criteria
        ]
        scores = np.sum(per_criterion, axis=0, dtype=np.float64) / len(self.criteria)
        if self.normalize:
            scores = scores / scores.shape[1]
        if self.tiebreak is None:
            return _min_ranks_2d(scores)
        tie = _order_keys(values[self.tiebreak.key], self.tiebreak.higher_is_better)
        return _lexicographic_ranks([scores, tie])


@dataclass(frozen=True)
class Lexicographic:
    """Order by the first criterion, then the next for ties (e.g. COSMOS: QuanM, then vessel
    Dice). The score is the first criterion's value."""

    criteria: tuple

    def describe(self) -> str:
        """The rule in one sentence, each criterion with its direction, and the tie rule."""
        first, *rest = self.criteria
        text = f"Order the entries by {first.title} ({_direction(first)})"
        for c in rest:
            text += f", equal values then by {c.title} ({_direction(c)})"
        return text + "; entries equal on all share a rank."

    @property
    def score_title(self) -> str:
        """What ``RankedEntry.score`` is: the first criterion's value."""
        return self.criteria[0].title

    @property
    def score_higher_is_better(self) -> bool:
        return self.criteria[0].higher_is_better

    rank_based = False

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

    @property
    def keys(self) -> list[str]:
        """The ``ranking_scores`` keys the rule reads, in order."""
        return [c.key for c in self.criteria]

    def rank_arrays(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """Final ranks of many samples at once (see :meth:`RankThenAggregate.rank_arrays`)."""
        return _lexicographic_ranks(
            [_order_keys(values[c.key], c.higher_is_better) for c in self.criteria]
        )


def _order_keys(values: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Sort keys, smaller is better: NaN (no value) becomes +inf, ranked after every number."""
    keys = -np.asarray(values, dtype=np.float64) if higher_is_better else np.array(values, float)
    return np.where(np.isnan(keys), np.inf, keys)


def _min_ranks_2d(keys: np.ndarray) -> np.ndarray:
    """Row-wise competition ranks ("min" ties) of ``keys`` (smaller is better)."""
    order = np.argsort(keys, axis=1, kind="stable")
    sorted_keys = np.take_along_axis(keys, order, axis=1)
    # position of the first element equal to each sorted element = its min rank - 1
    new_group = np.ones_like(sorted_keys, dtype=bool)
    new_group[:, 1:] = sorted_keys[:, 1:] != sorted_keys[:, :-1]
    positions = np.broadcast_to(np.arange(keys.shape[1]), keys.shape)
    first = np.maximum.accumulate(np.where(new_group, positions, 0), axis=1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, first + 1, axis=1)
    return ranks


def _lexicographic_ranks(keys: list[np.ndarray]) -> np.ndarray:
    """Row-wise competition ranks of tuples ``(keys[0], keys[1], ...)`` (smaller is better)."""
    less = np.zeros(keys[0].shape + keys[0].shape[-1:], dtype=bool)
    equal = np.ones_like(less)
    for key in keys:
        a, b = key[:, None, :], key[:, :, None]  # a: other entry j, b: entry i -> [s, i, j]
        less |= equal & (a < b)
        equal &= a == b
    return 1 + less.sum(axis=2)


def _entries(names, ranks, scores, entries, criteria) -> list[RankedEntry]:
    ranked = [
        RankedEntry(n, r, float(s), {c.key: _value(entries[n], c.key) for c in criteria})
        for n, r, s in zip(names, ranks, scores, strict=True)
    ]
    return sorted(ranked, key=lambda e: (e.rank, e.name))
