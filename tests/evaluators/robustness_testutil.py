"""Synthetic scored entries (``metrics.json`` content) for the robustness tests and benchmark.

Per-case values are drawn at random and rounded to a coarse grid so that ties and zero
differences occur; ``ranking_scores`` come from the task's own official ``ranking_scores``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from evaluators.aggregation import aggregate
from evaluators.tasks.base import CaseScores


def case_ids(task, n_cases: int) -> list[str]:
    if task.name == "amos22":  # CT below 500, MRI from 500 (case id rule)
        return [f"amos_{(i * 337) % 1000:04d}" for i in range(n_cases)]
    return [f"case_{i:04d}" for i in range(n_cases)]


def _value(rng, metric: str, skill: float, decimals: int) -> float:
    if metric in ("hd95", "hd", "avd"):
        return float(np.round(rng.gamma(2.0, 3.0 * (1.5 - skill)), decimals))
    return float(np.round(np.clip(rng.normal(skill, 0.08), 0, 1), decimals))


def synthetic_cases(task, n_cases: int, skill: float, rng, decimals: int = 2,
                    undefined: float = 0.0) -> list[CaseScores]:
    """One entry's per-case scores; a fraction ``undefined`` of values is ``None``."""
    cases = []
    for case in case_ids(task, n_cases):
        scores = CaseScores(case, subset=task.case_subset(case))
        if task.name == "cosmos2022":
            slices = []
            for z in range(3):
                slices.append({
                    "slice": z, "quanm": _value(rng, "quanm", skill, decimals) * 100,
                    "vessel_dice": _value(rng, "dice", skill, decimals),
                    "lumen_dice": _value(rng, "dice", skill, decimals),
                    "diagnosis_ref": int(rng.integers(0, 2)) if z < 2 else None,
                    "diagnosis_pred": int(rng.integers(0, 2)),
                })
            scores.details = {"slices": slices}
            def mean(key: str, slices=slices) -> float:
                return float(np.mean([s[key] for s in slices]))

            judged = [s for s in slices if s["diagnosis_ref"] is not None]
            scores.values = {
                "lumen": {"dice": mean("lumen_dice")}, "vessel": {"dice": mean("vessel_dice")},
                "quanm": {"quanm": mean("quanm")},
                "diagnosis": {"accuracy": float(np.mean(
                    [s["diagnosis_pred"] == s["diagnosis_ref"] for s in judged]))},
            }
        else:
            for region in task.regions:
                scores.values[region] = {
                    m: None if rng.random() < undefined else _value(rng, m, skill, decimals)
                    for m in task.metrics
                }
            if task.name == "amos22":
                scores.values["all"] = {
                    m: float(np.mean([scores.values[r][m] for r in task.regions
                                      if scores.values[r][m] is not None]))
                    for m in task.metrics
                }
        cases.append(scores)
    return cases


def metrics_json(task, cases: list[CaseScores]) -> dict:
    """The parts of ``metrics.json`` ranking and robustness read, from the official code."""
    data = {
        "task": task.name,
        "case": {c.case: c.values for c in cases},
        "ranking_scores": task.ranking_scores(cases, aggregate(cases)),
    }
    details = {c.case: c.details for c in cases if c.details}
    if details:
        data["case_details"] = details
    return data


def synthetic_entries(task, n_entries: int, n_cases: int, seed: int = 0, decimals: int = 2,
                      undefined: float = 0.0) -> dict[str, dict]:
    """``{name: metrics_json}`` for ``n_entries`` entries of graded skill."""
    rng = np.random.default_rng(seed)
    return {
        f"team{i:02d}": metrics_json(task, synthetic_cases(
            task, n_cases, 0.6 + 0.3 * rng.random(), rng, decimals, undefined))
        for i in range(n_entries)
    }


def write_entries(entries: dict[str, dict], root: Path) -> list[str]:
    """Write each entry as ``root/<name>/metrics.json``; the CLI's ``NAME=DIR`` arguments."""
    args = []
    for name, data in entries.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "metrics.json").write_text(json.dumps(data))
        args.append(f"{name}={folder}")
    return args
