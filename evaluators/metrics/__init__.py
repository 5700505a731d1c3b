"""Metric kernels of the evaluation spec (``shared/notes/challenges.md`` §1).

Every distance is in millimetres; spacing is given in **array axis order** (z, y, x for a
SimpleITK array). Kernels take boolean masks and return floats or ``None`` when a value is
undefined (an empty mask); :mod:`evaluators.metrics.pairs` applies the empty-mask rules.
"""

from evaluators.metrics.borders import BorderDistances, border_distances
from evaluators.metrics.overlap import dice
from evaluators.metrics.pairs import MetricSpec, PairResult, evaluate_pair, parse_metric
from evaluators.metrics.surfels import SurfaceDistances, surface_distances

__all__ = [
    "BorderDistances",
    "MetricSpec",
    "PairResult",
    "SurfaceDistances",
    "border_distances",
    "dice",
    "evaluate_pair",
    "parse_metric",
    "surface_distances",
]
