"""Label-map tasks: one label map per case; each region is a set of label values."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evaluators.io import Volume, as_label_map, check_same_grid, read_volumes
from evaluators.metrics.blocks import BlockedMask, label_blocks, slice_maxima
from evaluators.metrics.pairs import DEFAULT_POLICY, EmptyPolicy, evaluate_pair
from evaluators.tasks.base import CaseScores, Task


class LabelMapTask(Task):
    """Scoring shared by kits21, myops2020, amos22: read, check geometry and labels, crop to the
    joint foreground, evaluate each region with the task's metrics and empty rules."""

    region_labels: dict[str, tuple[int, ...]] = {}
    #: whose spacing the distances use: "pred" (KiTS21 official) or "ref"
    spacing_from: str = "ref"
    empty_policy: EmptyPolicy = DEFAULT_POLICY

    def allowed_labels(self) -> set[int]:
        return {0, *self.label_map}

    def read_labels(self, case: str, pred: Path | None, ref: Path) -> "LabelPair":
        """Reference and prediction label maps (an all-background prediction when missing),
        checked, with their per-slice maxima (the label check's one pass, reused to find the
        foreground blocks)."""
        ref_volume, *rest = read_volumes(ref) if pred is None else read_volumes(ref, pred, like=ref)
        ref_labels, ref_maxima = checked_labels(ref_volume, self.allowed_labels(), case)
        if not rest:
            empty = np.zeros_like(ref_labels)
            return LabelPair(empty, ref_labels, ref_volume, None,
                             (np.zeros_like(ref_maxima), ref_maxima))
        (pred_volume,) = rest
        check_same_grid(pred_volume, ref_volume, case)
        pred_labels, pred_maxima = checked_labels(pred_volume, self.allowed_labels(), case)
        return LabelPair(pred_labels, ref_labels, ref_volume, pred_volume,
                         (pred_maxima, ref_maxima))

    def read_pair(
        self, case: str, pred: Path | None, ref: Path
    ) -> tuple[np.ndarray, np.ndarray, Volume, Volume | None]:
        """Reference and prediction label maps (an all-background prediction when missing)."""
        pair = self.read_labels(case, pred, ref)
        return pair.pred, pair.ref, pair.ref_volume, pair.pred_volume

    def validate_case(self, case: str, pred: Path, ref: Path) -> None:
        self.read_pair(case, pred, ref)

    def score_labels(
        self,
        case: str,
        pred_labels: np.ndarray,
        ref_labels: np.ndarray,
        spacing: tuple[float, ...],
        extra_metrics: tuple[str, ...],
        maxima: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> CaseScores:
        """Per-region values, computed only inside the foreground blocks of the two label maps
        (found once per case, from the label check's per-slice ``maxima`` when given); each
        region works on the part of each block that holds its labels (the block's label
        profiles bound it: no pass of its own)."""
        scores = CaseScores(case)
        shape = tuple(ref_labels.shape)
        blocks = label_blocks((pred_labels, ref_labels), maxima)
        seen: list[tuple[BlockedMask, BlockedMask, dict]] = []
        allowed = self.allowed_labels()
        for region in self.regions:
            labels = self.region_labels[region]
            low = min(labels)
            parts = [b for b in (entry.sub_block(low) for entry in blocks) if b is not None]
            pred_mask = BlockedMask(
                shape, [(b, region_mask(pred_labels[b], labels, allowed)) for b in parts]
            )
            ref_mask = BlockedMask(
                shape, [(b, region_mask(ref_labels[b], labels, allowed)) for b in parts]
            )
            cache = next((c for p, r, c in seen if _same(p, pred_mask) and _same(r, ref_mask)), None)
            if cache is None:
                cache = {}
                seen.append((pred_mask, ref_mask, cache))
            result = evaluate_pair(
                pred_mask,
                ref_mask,
                spacing,
                self.metric_specs(region, extra_metrics),
                policy=self.empty_policy,
                image_shape=shape,
                distance_cache=cache,
            )
            scores.values[region] = result.values
            if result.note:
                scores.notes[region] = result.note
        return scores

    def score_case(
        self, case: str, pred: Path | None, ref: Path, extra_metrics: tuple[str, ...] = ()
    ) -> CaseScores:
        pair = self.read_labels(case, pred, ref)
        use_pred = self.spacing_from == "pred" and pair.pred_volume is not None
        spacing = pair.pred_volume.spacing if use_pred else pair.ref_volume.spacing
        scores = self.score_labels(case, pair.pred, pair.ref, spacing, extra_metrics, pair.maxima)
        if pred is None:
            scores.notes = {region: "missing_prediction" for region in self.regions}
        return scores


@dataclass
class LabelPair:
    """A case's checked label maps, their volumes and per-slice maxima (pred, ref)."""

    pred: np.ndarray
    ref: np.ndarray
    ref_volume: Volume
    pred_volume: Volume | None
    maxima: tuple[np.ndarray, np.ndarray]


def checked_labels(volume: Volume, allowed: set[int], case: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`evaluators.io.as_label_map` and the label map's per-slice maxima, in one pass
    over the voxels for the usual unsigned maps."""
    maxima = slice_maxima(volume.array)
    labels = as_label_map(volume, allowed, case, maxima)
    if labels is not volume.array:
        maxima = slice_maxima(labels)
    return labels, maxima


def _same(a: BlockedMask, b: BlockedMask) -> bool:
    if [block for block, _ in a.parts] != [block for block, _ in b.parts]:
        return False
    return all(np.array_equal(x, y) for (_, x), (_, y) in zip(a.parts, b.parts, strict=True))


def region_mask(
    labels: np.ndarray, values: tuple[int, ...], allowed: set[int] | None = None
) -> np.ndarray:
    """Boolean mask of the voxels whose label is in ``values``. With ``allowed`` (the label
    values the map was checked to hold), a region made of every allowed label from its smallest
    value up (KiTS21's kidney_and_mass {1, 2, 3}, mass {2, 3}) is one comparison
    ``labels >= min(values)``; otherwise a lookup table for uint8 maps (several times faster
    than ``np.isin`` on CT-sized volumes)."""
    if len(values) == 1:
        return labels == values[0]
    low = min(values)
    if allowed is not None and set(values) == {v for v in allowed if v >= low}:
        return labels >= low
    if labels.dtype == np.uint8:
        table = np.zeros(256, dtype=bool)
        table[list(values)] = True
        return table[labels]
    return np.isin(labels, values)


def mean_of(values) -> float | None:
    """Mean of the defined values (``None`` when there is none)."""
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None
