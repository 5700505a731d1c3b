"""Ranking robustness (evaluators.robustness): values derived by hand on small inputs,
the vectorised resampling against each task's official ``ranking_scores`` and ranking rule,
and the CLI's ``rank --json``."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from robustness_testutil import synthetic_cases, synthetic_entries, write_entries

from evaluators.aggregation import aggregate
from evaluators.ranking import Lexicographic, RankThenAggregate
from evaluators.robustness import analyse, column_significance, one_sided_p
from evaluators.tasks import get_task, task_names
from evaluators.tasks.base import Column

ROOT = Path(__file__).resolve().parents[2]


def upper_normal(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def test_wilcoxon_one_sided_by_hand():
    # d = x - y = (1, 2, -3, 4, 0): zero dropped, n = 4, |d| ranks 1 2 3 4, V = 1 + 2 + 4 = 7,
    # E[V] = n(n+1)/4 = 5, Var = n(n+1)(2n+1)/24 = 7.5; continuity 0.5 toward the mean.
    x = np.array([2.0, 3.0, 1.0, 5.0, 1.0])
    y = np.array([1.0, 1.0, 4.0, 1.0, 1.0])
    assert one_sided_p(x, y, True) == pytest.approx(upper_normal((7 - 5 - 0.5) / math.sqrt(7.5)))
    # "less": P(Z <= (7 - 5 + 0.5) / sigma)
    assert one_sided_p(x, y, False) == pytest.approx(1 - upper_normal(2.5 / math.sqrt(7.5)))


def test_wilcoxon_tie_correction_by_hand():
    # d = (1, 1, -2, 3): |d| ranks 1.5 1.5 3 4, V = 7; Var = (4*5*9 - (2^3 - 2)/2) / 24
    x = np.array([1.0, 1.0, 0.0, 3.0])
    y = np.zeros(4)
    y[2] = 2.0
    sigma = math.sqrt((180 - 3) / 24)
    assert one_sided_p(x, y, True) == pytest.approx(upper_normal((7 - 5 - 0.5) / sigma))


def test_no_difference_is_no_evidence():
    x = np.array([0.5, 0.7])
    assert one_sided_p(x, x.copy(), True) == 1.0
    assert one_sided_p(np.array([]), np.array([]), False) == 1.0


def test_holm_over_ordered_pairs_by_hand():
    # three entries, every case a > b > c by the same margins -> the six ordered pairs.
    cases = {f"c{i}": i for i in range(8)}
    values = {
        "a": {c: 0.9 + 0.001 * i for c, i in cases.items()},
        "b": {c: 0.8 + 0.002 * i for c, i in cases.items()},
        "c": {c: 0.7 + 0.003 * i for c, i in cases.items()},
    }
    pairs = {(p["a"], p["b"]): p for p in column_significance(["a", "b", "c"], values, True)}
    # all 8 differences positive: V = 36, E = 18, Var = 8*9*17/24 = 51
    p_win = upper_normal((36 - 18 - 0.5) / math.sqrt(51))
    p_lose = upper_normal((0 - 18 - 0.5) / math.sqrt(51))  # P(Z >= z), z far below 0
    assert pairs[("a", "b")]["p"] == pytest.approx(p_win)
    assert pairs[("b", "a")]["p"] == pytest.approx(p_lose)
    # Holm over 6: sorted p = 3 x p_win then 3 x p_lose -> 6p, max(6p, 5p, 4p) = 6p, ...; the
    # losing pairs: max(6 p_win, 3 p_lose) capped at 1 -> 1.
    assert pairs[("a", "c")]["p_holm"] == pytest.approx(6 * p_win)
    assert pairs[("c", "a")]["p_holm"] == pytest.approx(1.0)
    assert all(pairs[k]["a_better"] for k in (("a", "b"), ("a", "c"), ("b", "c")))
    assert not any(pairs[k]["a_better"] for k in (("b", "a"), ("c", "a"), ("c", "b")))


def test_lower_is_better_column_direction():
    values = {"low": {"c1": 1.0, "c2": 2.0, "c3": 1.5}, "high": {"c1": 5.0, "c2": 6.5, "c3": 7.0}}
    pairs = {(p["a"], p["b"]): p for p in column_significance(["low", "high"], values, False)}
    sigma = math.sqrt(3 * 4 * 7 / 24)
    assert pairs[("low", "high")]["p"] == pytest.approx(1 - upper_normal((0 - 3 + 0.5) / sigma))


def test_undefined_values_drop_the_case_from_the_pair():
    values = {"a": {"c1": 0.9, "c2": None, "c3": 0.8}, "b": {"c1": 0.5, "c2": 0.9, "c3": 0.6}}
    pairs = column_significance(["a", "b"], values, True)
    # two shared cases, both a > b: V = 3, E = 1.5, Var = 2*3*5/24 = 1.25
    assert pairs[0]["p"] == pytest.approx(upper_normal((3 - 1.5 - 0.5) / math.sqrt(1.25)))


def _two_case_entries(task):
    """Case c1: A far better; case c2: B slightly better. A ranks first unless the draw is
    {c2, c2} (probability 1/4)."""
    def entry(v1, v2):
        cases = synthetic_cases(task, 2, 0.8, np.random.default_rng(0))
        for case, value in zip(cases, (v1, v2), strict=True):
            for region in task.regions:
                case.values[region] = {m: value for m in task.metrics}
        from robustness_testutil import metrics_json
        return metrics_json(task, cases)
    return {"A": entry(0.9, 0.5), "B": entry(0.4, 0.6)}


def test_bootstrap_rank_one_probability_by_hand():
    task = get_task("kits21")
    result = analyse(task, _two_case_entries(task), samples=2000, seed=7)
    ranks = result.bootstrap["ranks"]
    assert abs(ranks["A"]["p_first"] - 0.75) < 0.04  # 4.4 standard errors
    assert ranks["A"]["p_first"] + ranks["B"]["p_first"] == pytest.approx(1.0)
    assert ranks["A"]["median"] == 1.0 and ranks["A"]["q975"] == 2.0
    # tau is +1 when A stays first, -1 when it drops: median +1, lower quartile within reach
    assert result.bootstrap["kendall_tau"]["median"] == 1.0
    assert [e["name"] for e in result.ranking] == ["A", "B"]


def test_dominating_entries_keep_their_ranks():
    task = get_task("myops2020")
    entries = {}
    for i, skill in enumerate((0.9, 0.7, 0.5)):
        cases = synthetic_cases(task, 10, 0.8, np.random.default_rng(0))
        for case in cases:
            for region in task.regions:
                case.values[region] = {"dice": skill, "hd95": 10 * (1 - skill)}
        from robustness_testutil import metrics_json
        entries[f"e{i}"] = metrics_json(task, cases)
    result = analyse(task, entries, samples=200, seed=1)
    assert result.bootstrap["kendall_tau"] == {"median": 1.0, "q25": 1.0, "q75": 1.0}
    assert result.bootstrap["ranks"]["e0"] == {"median": 1.0, "q025": 1.0, "q975": 1.0,
                                               "p_first": 1.0}
    assert result.bootstrap["ranks"]["e2"]["median"] == 3.0


@pytest.mark.parametrize("name", task_names())
def test_resampled_scores_match_the_official_scores_of_each_draw(name):
    """Vectorised resampling == the task's own ranking_scores on the drawn multiset of cases."""
    task = get_task(name)
    cases = synthetic_cases(task, 12, 0.7, np.random.default_rng(3), decimals=3, undefined=0.05)
    rng = np.random.default_rng(4)
    draws = rng.integers(0, len(cases), size=(6, len(cases)))
    weights = np.stack([np.bincount(d, minlength=len(cases)) for d in draws]).astype(float)
    weights = np.vstack([np.ones(len(cases)), weights])
    resampled = task.resampled_scores(cases, weights)
    for row, draw in enumerate([np.arange(len(cases)), *draws]):
        drawn = [cases[i] for i in draw]
        official = task.ranking_scores(drawn, aggregate(drawn))
        for key in task.ranking.keys:
            expected = official[key]
            got = resampled[key][row]
            if expected is None:
                assert math.isnan(got), key
            else:
                assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), (key, row)


def _random_values(rng, samples, entries, ties=True):
    values = rng.integers(0, 4, size=(samples, entries)).astype(float) if ties else \
        rng.random((samples, entries))
    values[rng.random(values.shape) < 0.1] = np.nan
    return values


@pytest.mark.parametrize("rule", [
    RankThenAggregate(criteria=(Column("a", "A"), Column("b", "B", False))),
    RankThenAggregate(criteria=(Column("a", "A"), Column("b", "B")), tiebreak=Column("c", "C")),
    RankThenAggregate(criteria=(Column("a", "A"), Column("b", "B"), Column("c", "C", False)),
                      normalize=True),
    Lexicographic(criteria=(Column("a", "A"), Column("b", "B", False))),
])
def test_vectorised_ranking_equals_the_rule(rule):
    rng = np.random.default_rng(11)
    values = {k: _random_values(rng, 40, 7) for k in ("a", "b", "c")}
    ranks = rule.rank_arrays(values)
    names = [f"n{j}" for j in range(7)]
    for s in range(40):
        entries = {n: {k: (None if np.isnan(values[k][s, j]) else float(values[k][s, j]))
                       for k in values} for j, n in enumerate(names)}
        expected = {e.name: e.rank for e in rule.rank(entries)}
        assert [expected[n] for n in names] == ranks[s].tolist()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evaluators", *args], cwd=ROOT,
                          capture_output=True, text=True)


def test_cli_json_schema_and_same_seed_same_bytes(tmp_path):
    task = get_task("kits21")
    args = write_entries(synthetic_entries(task, 4, 15, seed=2), tmp_path / "entries")
    outputs = []
    for i, seed in enumerate(("5", "5", "6")):
        out = tmp_path / f"r{i}.json"
        run = cli("rank", "--task", "kits21", *args, "--bootstrap", "300", "--seed", seed,
                  "--json", str(out))
        assert run.returncode == 0, run.stderr
        assert "rank" in run.stdout and "Kendall" in run.stdout
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]
    data = json.loads(outputs[0])
    assert set(data) == {"task", "ranking", "significance", "bootstrap"}
    assert data["task"] == "kits21"
    assert all(set(e) == {"name", "rank", "score"} for e in data["ranking"])
    assert list(data["significance"]) == [c.key for c in task.leaderboard_columns]
    column = data["significance"]["tumor/dice"]
    assert (column["region"], column["metric"], column["higher_is_better"]) == \
        ("tumor", "dice", True)
    assert data["significance"]["mean_dice"]["region"] is None
    assert len(column["pairs"]) == 12 and set(column["pairs"][0]) == \
        {"a", "b", "p", "p_holm", "a_better"}
    assert len(column["values"]["team00"]) == 15
    boot = data["bootstrap"]
    assert (boot["n"], boot["seed"]) == (300, 5)
    assert set(boot["kendall_tau"]) == {"median", "q25", "q75"}
    assert set(boot["ranks"]["team01"]) == {"median", "q025", "q975", "p_first"}


def test_cli_rejects_entries_scored_on_other_cases(tmp_path):
    task = get_task("myops2020")
    entries = synthetic_entries(task, 2, 5, seed=1)
    del entries["team01"]["case"]["case_0003"]
    args = write_entries(entries, tmp_path)
    run = cli("rank", "--task", "myops2020", *args, "--json", str(tmp_path / "r.json"))
    assert run.returncode == 2
    assert "team01: scored on other cases" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "r.json").exists()
    run = cli("rank", "--task", "myops2020", *args[:1], "--bootstrap", "0", "--json",
              str(tmp_path / "r.json"))
    assert run.returncode == 2 and "--bootstrap 0" in run.stderr
