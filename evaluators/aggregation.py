"""Aggregation over cases: the ``aggregates`` block of ``metrics.json``."""

import numpy as np

from evaluators.tasks.base import CaseScores


def describe(values: list[float | None]) -> dict[str, float | int | None]:
    """Statistics of the defined values: mean, std (sample, ddof=1, as pandas ``describe``),
    median, p25, p75 (linear interpolation), min, max, count. Undefined (``None``) values are
    not counted; with no defined value every statistic is ``None`` and count 0."""
    defined = np.array([v for v in values if v is not None], dtype=np.float64)
    if defined.size == 0:
        return {k: None for k in ("mean", "std", "median", "p25", "p75", "min", "max")} | {
            "count": 0
        }
    return {
        "mean": float(defined.mean()),
        "std": float(defined.std(ddof=1)) if defined.size > 1 else 0.0,
        "median": float(np.median(defined)),
        "p25": float(np.percentile(defined, 25)),
        "p75": float(np.percentile(defined, 75)),
        "min": float(defined.min()),
        "max": float(defined.max()),
        "count": int(defined.size),
    }


def aggregate(cases: list[CaseScores]) -> dict[str, dict[str, dict]]:
    """``{region: {metric: describe(values over cases)}}`` in first-seen order."""
    collected: dict[str, dict[str, list]] = {}
    for case in cases:
        for region, metrics in case.values.items():
            for metric, value in metrics.items():
                collected.setdefault(region, {}).setdefault(metric, []).append(value)
    return {
        region: {metric: describe(values) for metric, values in metrics.items()}
        for region, metrics in collected.items()
    }
