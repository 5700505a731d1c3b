"""Evaluate a set of metrics on one (prediction, reference) pair of binary masks, applying the
empty-mask rules, with every surface metric derived from one crop and one distance computation.
"""

from dataclasses import dataclass, field

import numpy as np

from evaluators.errors import EvaluationInputError
from evaluators.metrics.blocks import BlockedMask, foreground_blocks
from evaluators.metrics.borders import border_distances
from evaluators.metrics.extent import image_diagonal_mm
from evaluators.metrics.sitk_contours import avd_sitk
from evaluators.metrics.surfels import surface_distances

KINDS = ("dice", "nsd", "hd95", "hd95_surfel", "hd", "assd", "avd_sitk")
_DISTANCE_KINDS = {"hd95", "hd95_surfel", "hd", "assd", "avd_sitk"}
_SURFEL_KINDS = {"nsd", "hd95_surfel"}
_BORDER_KINDS = {"hd95", "hd", "assd"}


@dataclass(frozen=True)
class MetricSpec:
    """One reported metric: its column ``name``, the kernel ``kind`` and an NSD tolerance."""

    name: str
    kind: str
    tolerance: float | None = None

    @property
    def higher_is_better(self) -> bool:
        return self.kind in ("dice", "nsd")


def parse_metric(text: str, default_tolerance: float | None = None) -> MetricSpec:
    """Parse a metric name: ``dice``, ``hd95``, ``hd95_surfel``, ``hd``, ``assd``,
    ``avd_sitk``, ``nsd@<τ mm>`` (or ``nsd`` with the task's tolerance)."""
    name = text.strip()
    kind, _, tol_text = name.partition("@")
    if kind not in KINDS:
        raise EvaluationInputError(
            f"unknown metric {name!r}: expected one of {', '.join(KINDS)} (nsd as nsd@<mm>)"
        )
    if kind == "nsd":
        if tol_text:
            try:
                tolerance = float(tol_text)
            except ValueError:
                raise EvaluationInputError(
                    f"metric {name!r}: tolerance {tol_text!r} is not a number (e.g. nsd@2.0)"
                )
            if tolerance < 0:
                raise EvaluationInputError(f"metric {name!r}: tolerance must be >= 0 mm")
            return MetricSpec(name, "nsd", tolerance)
        if default_tolerance is None:
            raise EvaluationInputError(f"metric {name!r} needs a tolerance, e.g. nsd@1.0")
        return MetricSpec(name, "nsd", default_tolerance)
    if tol_text:
        raise EvaluationInputError(f"metric {name!r}: only nsd takes a tolerance (@mm)")
    return MetricSpec(name, kind)


@dataclass(frozen=True)
class EmptyPolicy:
    """Rules for empty masks. Platform default: both empty → dice 1, nsd 1, distances 0;
    exactly one empty → dice 0, nsd 0, distances = image diagonal in mm ("max distance
    penalty"). ``both_empty="skip"`` leaves the value undefined (not counted)."""

    both_empty: str = "perfect"  # "perfect" | "skip"
    one_empty_distance: str = "diagonal"  # "diagonal" | "skip"


DEFAULT_POLICY = EmptyPolicy()


@dataclass
class PairResult:
    """Values by metric name (``None`` = undefined, not counted) and the empty rule applied."""

    values: dict[str, float | None] = field(default_factory=dict)
    note: str = ""


def _empty_value(spec: MetricSpec, both: bool, diagonal: float, policy: EmptyPolicy):
    if both:
        if policy.both_empty == "skip":
            return None
        return 1.0 if spec.higher_is_better else 0.0
    if spec.higher_is_better:
        return 0.0
    return diagonal if policy.one_empty_distance == "diagonal" else None


def evaluate_pair(
    pred: np.ndarray | BlockedMask,
    ref: np.ndarray | BlockedMask,
    spacing: tuple[float, ...],
    specs: list[MetricSpec],
    *,
    policy: EmptyPolicy = DEFAULT_POLICY,
    image_shape: tuple[int, ...] | None = None,
    distance_cache: dict | None = None,
) -> PairResult:
    """All ``specs`` for one pair of same-shape boolean masks (spacing in array order, mm).

    The masks are dense arrays or :class:`BlockedMask` s sharing one block list (what the
    label-map tasks build once per case). Work happens only inside the foreground blocks; the
    distance kernels run once per pair and every requested surface metric derives from them.
    ``image_shape`` is the full image's shape when dense masks are crops (for the max-distance
    penalty). ``distance_cache`` (a dict) keeps the distance computations of this pair, so a
    region with identical masks (e.g. KiTS21's mass and tumor when there is no cyst) reuses them.
    """
    if not isinstance(pred, BlockedMask):
        blocks = foreground_blocks(pred, ref)
        shape = image_shape or pred.shape
        pred, ref = BlockedMask.from_dense(pred, blocks), BlockedMask.from_dense(ref, blocks)
    else:
        shape = image_shape or pred.shape
    pred_count, ref_count = pred.count(), ref.count()
    result = PairResult()
    if not (pred_count and ref_count):
        both = not pred_count and not ref_count
        result.note = "both_empty" if both else ("pred_empty" if ref_count else "ref_empty")
        diagonal = image_diagonal_mm(shape, spacing)
        for spec in specs:
            result.values[spec.name] = _empty_value(spec, both, diagonal, policy)
        return result

    kinds = {spec.kind for spec in specs}
    cache = {} if distance_cache is None else distance_cache
    if kinds & _BORDER_KINDS and "borders" not in cache:
        cache["borders"] = border_distances(pred, ref, spacing)
    if kinds & _SURFEL_KINDS and "surfaces" not in cache:
        cache["surfaces"] = surface_distances(pred, ref, spacing)
    borders, surfaces = cache.get("borders"), cache.get("surfaces")
    for spec in specs:
        if spec.kind == "dice":
            overlap = sum(
                int(np.count_nonzero(p & r))
                for (_, p), (_, r) in zip(pred.parts, ref.parts, strict=True)
            )
            value = 2.0 * overlap / float(pred_count + ref_count)
        elif spec.kind == "nsd":
            value = surfaces.nsd(spec.tolerance)
        elif spec.kind == "hd95_surfel":
            value = surfaces.robust_hausdorff(95.0)
        elif spec.kind == "hd95":
            value = borders.hd95()
        elif spec.kind == "hd":
            value = borders.hd()
        elif spec.kind == "assd":
            value = borders.assd()
        else:
            value = avd_sitk(pred.dense_crop()[0], ref.dense_crop()[0], spacing)
        result.values[spec.name] = value
    return result
