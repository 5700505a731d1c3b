"""How robust a ranking is: bootstrap over test cases and pairwise significance per column.

Conventions (challengeR, Wiesenfarth et al., Sci Rep 2021):

- **Bootstrap.** A sample draws the test cases with replacement (the same draw for every
  entry); the task's full ranking rule is recomputed on it from the per-case values (missing
  cases as the task's missing rule scored them). Per entry: median rank, 2.5 % and 97.5 %
  quantiles (linear interpolation, R's type 7), probability of rank 1. Kendall's tau-b between
  the full ranking and each sample's ranking (median and quartiles of the defined taus).
  Resampled scores are rounded to 10 decimals before ranking, so that float summation order
  never decides a tie. ``numpy.random.default_rng(seed)``: the same seed gives the same result.
- **Significance.** Per leaderboard column and ordered pair (a, b): one-sided paired Wilcoxon
  signed-rank test that a is better than b (``greater`` when higher is better, else ``less``)
  on the cases where both values are defined, as R's ``wilcox.test(x, y, paired = TRUE,
  exact = FALSE, correct = TRUE)``: zero differences dropped, normal approximation with tie and
  continuity corrections. When every difference is zero (or no case is shared) there is no
  evidence: ``p = 1``. Holm's adjustment over all ordered pairs of the column; ``a_better`` when
  the adjusted p-value is below ``alpha`` (0.05).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests

from evaluators.errors import EvaluationInputError
from evaluators.scoring import rank_submissions
from evaluators.tasks import get_task

DEFAULT_SAMPLES = 1000
ALPHA = 0.05
_CHUNK = 100  # bootstrap samples ranked at once (bounds memory with many entries)


@dataclass
class Robustness:
    """The robustness analysis of one board. :meth:`to_json` is the CLI's documented schema;
    ``rank_counts`` (entry → rank → samples) and ``taus`` (one per sample, NaN when undefined)
    feed the platform's figures."""

    task: str
    ranking: list[dict]
    significance: dict[str, dict]
    bootstrap: dict
    rank_counts: dict[str, dict[int, int]] = field(default_factory=dict)
    taus: list[float] = field(default_factory=list)

    def to_json(self) -> dict:
        """``{"task", "ranking", "significance", "bootstrap"}`` (the issue-10 schema)."""
        return {
            "task": self.task,
            "ranking": self.ranking,
            "significance": self.significance,
            "bootstrap": self.bootstrap,
        }


def _finite(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _entry_cases(task, metrics_by_name: dict[str, dict]):
    """``(case ids, {name: [CaseScores in that order]})``; every entry must hold the same cases."""
    per_entry = {name: task.cases_from_metrics(m) for name, m in metrics_by_name.items()}
    names = list(per_entry)
    if not names:
        raise EvaluationInputError("no entries to analyse")
    reference = {c.case for c in per_entry[names[0]]}
    if not reference:
        raise EvaluationInputError(f"{names[0]}: metrics.json holds no per-case values ('case')")
    for name in names[1:]:
        cases = {c.case for c in per_entry[name]}
        if cases != reference:
            diff = sorted(reference ^ cases)
            raise EvaluationInputError(
                f"{name}: scored on other cases than {names[0]} ({len(diff)} differ, e.g. "
                f"{diff[0]}); every entry must be scored against the same reference set"
            )
    order = sorted(reference)
    ordered = {}
    for name, cases in per_entry.items():
        by_id = {c.case: c for c in cases}
        ordered[name] = [by_id[case] for case in order]
    return order, ordered


def case_weights(n_cases: int, samples: int, seed: int) -> np.ndarray:
    """``(samples, n_cases)`` counts of each case in each bootstrap draw (with replacement)."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_cases, size=(samples, n_cases))
    flat = (np.arange(samples)[:, None] * n_cases + draws).ravel()
    return np.bincount(flat, minlength=samples * n_cases).reshape(samples, n_cases).astype(float)


def bootstrap_ranks(task, entry_cases: dict[str, list], weights: np.ndarray) -> np.ndarray:
    """``(samples, entries)`` ranks by the task's rule on each weighted resample (entries in
    ``entry_cases`` order)."""
    rule = task.ranking
    names = list(entry_cases)
    out = np.empty((weights.shape[0], len(names)), dtype=np.int64)
    for start in range(0, weights.shape[0], _CHUNK):
        chunk = weights[start:start + _CHUNK]
        per_entry = [task.resampled_scores(entry_cases[n], chunk) for n in names]
        values = {}
        for key in rule.keys:
            missing = [n for n, s in zip(names, per_entry, strict=True) if key not in s]
            if missing:
                raise EvaluationInputError(f"{task.name}: score {key!r} cannot be resampled")
            values[key] = np.round(np.stack([s[key] for s in per_entry], axis=1), 10)
        out[start:start + _CHUNK] = rule.rank_arrays(values)
    return out


def bootstrap_summary(full: np.ndarray, ranks: np.ndarray, names: list[str]):
    """Per-entry rank statistics and Kendall's tau-b of each sample against ``full``."""
    summary = {}
    counts = {}
    for j, name in enumerate(names):
        column = ranks[:, j]
        summary[name] = {
            "median": float(np.median(column)),
            "q025": float(np.quantile(column, 0.025)),
            "q975": float(np.quantile(column, 0.975)),
            "p_first": float(np.mean(column == 1)),
        }
        values, freq = np.unique(column, return_counts=True)
        counts[name] = {int(v): int(f) for v, f in zip(values, freq, strict=True)}
    taus = []
    for row in ranks:
        if len(names) < 2:
            taus.append(math.nan)
            continue
        taus.append(float(stats.kendalltau(full, row).statistic))
    defined = np.array([t for t in taus if not math.isnan(t)])
    tau = {"median": None, "q25": None, "q75": None}
    if defined.size:
        tau = {"median": float(np.median(defined)), "q25": float(np.quantile(defined, 0.25)),
               "q75": float(np.quantile(defined, 0.75))}
    return summary, tau, counts, taus


def one_sided_p(x: np.ndarray, y: np.ndarray, higher_is_better: bool) -> float:
    """p-value of "x better than y" (R's paired ``wilcox.test``, normal approximation with
    tie and continuity corrections, zeros dropped); 1 when no difference is non-zero."""
    if x.size == 0 or not np.any(x != y):
        return 1.0
    result = stats.wilcoxon(
        x, y, zero_method="wilcox", correction=True, method="approx",
        alternative="greater" if higher_is_better else "less",
    )
    return float(result.pvalue)


def column_significance(
    names: list[str], values: dict[str, dict[str, float | None]], higher_is_better: bool,
    alpha: float = ALPHA,
) -> list[dict]:
    """Every ordered pair ``{"a", "b", "p", "p_holm", "a_better"}`` of one column, Holm over
    all of them. Pairs whose cases are all defined are tested in one vectorised
    ``scipy.stats.wilcoxon`` call; the others one by one on their shared cases."""
    cases = sorted({c for per_case in values.values() for c in per_case})
    table = np.array(
        [[np.nan if _finite(values[n].get(c)) is None else values[n][c] for c in cases]
         for n in names], dtype=np.float64,
    ).reshape(len(names), len(cases))
    pairs = [(i, j) for i in range(len(names)) for j in range(len(names)) if i != j]
    if not pairs:
        return []
    pvalues = np.ones(len(pairs))
    first = np.array([i for i, _ in pairs])
    second = np.array([j for _, j in pairs])
    diffs = table[first] - table[second]
    complete = ~np.isnan(diffs).any(axis=1) & (diffs != 0).any(axis=1)
    if complete.any():
        pvalues[complete] = stats.wilcoxon(
            table[first[complete]], table[second[complete]], axis=1, zero_method="wilcox",
            correction=True, method="approx",
            alternative="greater" if higher_is_better else "less",
        ).pvalue
    for k in np.flatnonzero(np.isnan(diffs).any(axis=1)):
        shared = ~np.isnan(diffs[k])
        pvalues[k] = one_sided_p(table[first[k], shared], table[second[k], shared],
                                 higher_is_better)
    adjusted = multipletests(pvalues, method="holm")[1]
    return [
        {"a": names[i], "b": names[j], "p": float(p), "p_holm": float(q),
         "a_better": bool(q < alpha)}
        for (i, j), p, q in zip(pairs, pvalues, adjusted, strict=True)
    ]


def significance(task, entry_cases: dict[str, list], alpha: float = ALPHA) -> dict[str, dict]:
    """The ``significance`` block: per leaderboard column its direction, the ``cases.csv``
    rows it is made of, the per-case values used and every ordered pair's test."""
    names = list(entry_cases)
    out = {}
    for column in task.leaderboard_columns:
        region = metric = None
        values = {}
        for name in names:
            region, metric, per_case = task.column_case_values(column.key, entry_cases[name])
            values[name] = {case: _finite(v) for case, v in per_case.items()}
        out[column.key] = {
            "higher_is_better": bool(column.higher_is_better),
            "region": region,
            "metric": metric,
            "values": values,
            "pairs": column_significance(names, values, column.higher_is_better, alpha),
        }
    return out


def analyse(
    task, metrics_by_name: dict[str, dict], samples: int = DEFAULT_SAMPLES, seed: int = 0,
    alpha: float = ALPHA,
) -> Robustness:
    """The full analysis of scored entries ``{name: metrics_json}`` (``task``: name or spec):
    the official ranking, significance per column and the bootstrap. Raises
    ``EvaluationInputError`` when entries were scored on different cases or ``samples`` < 1."""
    spec = get_task(task) if isinstance(task, str) else task
    if samples < 1:
        raise EvaluationInputError(f"--bootstrap {samples}: expected at least 1 sample")
    order, entry_cases = _entry_cases(spec, metrics_by_name)
    names = list(entry_cases)
    ranked = rank_submissions(spec, metrics_by_name)
    full_rank = {e.name: e.rank for e in ranked}
    full = np.array([full_rank[n] for n in names])
    weights = case_weights(len(order), samples, seed)
    ranks = bootstrap_ranks(spec, entry_cases, weights)
    summary, tau, counts, taus = bootstrap_summary(full, ranks, names)
    return Robustness(
        task=spec.name,
        ranking=[{"name": e.name, "rank": e.rank, "score": _finite(e.score)} for e in ranked],
        significance=significance(spec, entry_cases, alpha),
        bootstrap={"n": samples, "seed": seed, "kendall_tau": tau, "ranks": summary},
        rank_counts=counts,
        taus=taus,
    )
