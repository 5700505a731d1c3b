"""Robustness benchmark (not a test): bootstrap + significance for E entries x N cases.

Times ``evaluators.robustness.analyse`` (1,000 bootstrap samples by default) and, in
the same run, the straightforward peer: per sample the task's official ``ranking_scores`` on
the drawn cases and the rule's ``rank`` (timed on a few samples and scaled), and the pairwise
tests one ``scipy.stats.wilcoxon`` call per pair. Goal: < 30 s for 50 x 50 on 2 cores.

    .venv/bin/python tests/benchmarks/bench_robustness.py [--entries 50 --cases 50 --samples 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "evaluators")]

import numpy as np  # noqa: E402
from robustness_testutil import synthetic_entries  # noqa: E402

from evaluators.aggregation import aggregate  # noqa: E402
from evaluators.robustness import _entry_cases, analyse, one_sided_p  # noqa: E402
from evaluators.tasks import get_task  # noqa: E402


def peer_bootstrap_seconds(task, entries: dict, samples: int, timed: int = 10) -> float:
    """Seconds for ``samples`` samples the plain way, extrapolated from ``timed`` samples."""
    _, cases = _entry_cases(task, entries)
    n = len(next(iter(cases.values())))
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(timed):
        draw = rng.integers(0, n, n)
        scores = {}
        for name, per_case in cases.items():
            drawn = [per_case[i] for i in draw]
            scores[name] = task.ranking_scores(drawn, aggregate(drawn))
        task.ranking.rank(scores)
    return (time.perf_counter() - start) / timed * samples


def peer_significance_seconds(task, entries: dict, pairs: int = 200) -> float:
    """Seconds for every column's ordered pairs, one scipy call each (scaled from ``pairs``)."""
    _, cases = _entry_cases(task, entries)
    names = list(cases)
    column = task.leaderboard_columns[0]
    values = {n: task.column_case_values(column.key, cases[n])[2] for n in names}
    start = time.perf_counter()
    done = 0
    for a in names:
        for b in names:
            if a == b or done >= pairs:
                continue
            x = np.array(list(values[a].values()))
            y = np.array(list(values[b].values()))
            one_sided_p(x, y, column.higher_is_better)
            done += 1
    total_pairs = len(names) * (len(names) - 1) * len(task.leaderboard_columns)
    return (time.perf_counter() - start) / done * total_pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--tasks", default="kits21,segrap2023_task1,amos22")
    args = parser.parse_args()
    print(f"{args.entries} entries x {args.cases} cases, {args.samples} bootstrap samples")
    print(f"{'task':<20}{'arena s':>10}{'peer s':>10}{'ratio':>8}  goal < 30 s")
    for name in args.tasks.split(","):
        task = get_task(name)
        entries = synthetic_entries(task, args.entries, args.cases, seed=1)
        start = time.perf_counter()
        analyse(task, entries, samples=args.samples, seed=0)
        arena = time.perf_counter() - start
        peer = peer_bootstrap_seconds(task, entries, args.samples) + \
            peer_significance_seconds(task, entries)
        verdict = "ok" if arena < 30 else "SLOW"
        print(f"{name:<20}{arena:>10.2f}{peer:>10.1f}{peer / arena:>7.1f}x  {verdict}")


if __name__ == "__main__":
    main()
