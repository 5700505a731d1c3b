"""Label-map tasks: one label map per case; each region is a set of label values."""

from pathlib import Path

import numpy as np

from evaluators.io import Volume, as_label_map, check_same_grid, read_volume
from evaluators.metrics.crop import joint_box
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

    def read_pair(
        self, case: str, pred: Path | None, ref: Path
    ) -> tuple[np.ndarray, np.ndarray, Volume, Volume | None]:
        """Reference and prediction label maps (an all-background prediction when missing)."""
        ref_volume = read_volume(ref)
        ref_labels = as_label_map(ref_volume, self.allowed_labels(), case)
        if pred is None:
            return np.zeros_like(ref_labels), ref_labels, ref_volume, None
        pred_volume = read_volume(pred)
        check_same_grid(pred_volume, ref_volume, case)
        pred_labels = as_label_map(pred_volume, self.allowed_labels(), case)
        return pred_labels, ref_labels, ref_volume, pred_volume

    def validate_case(self, case: str, pred: Path, ref: Path) -> None:
        self.read_pair(case, pred, ref)

    def score_labels(
        self,
        case: str,
        pred_labels: np.ndarray,
        ref_labels: np.ndarray,
        spacing: tuple[float, ...],
        extra_metrics: tuple[str, ...],
    ) -> CaseScores:
        """Per-region values on the joint foreground box of the two label maps."""
        scores = CaseScores(case)
        shape = ref_labels.shape
        box = joint_box(shape, pred_labels > 0, ref_labels > 0, margin=1)
        if box is not None:
            pred_labels, ref_labels = pred_labels[box], ref_labels[box]
        for region in self.regions:
            labels = self.region_labels[region]
            pred_mask = region_mask(pred_labels, labels)
            ref_mask = region_mask(ref_labels, labels)
            result = evaluate_pair(
                pred_mask,
                ref_mask,
                spacing,
                self.metric_specs(region, extra_metrics),
                policy=self.empty_policy,
                image_shape=shape,
            )
            scores.values[region] = result.values
            if result.note:
                scores.notes[region] = result.note
        return scores

    def score_case(
        self, case: str, pred: Path | None, ref: Path, extra_metrics: tuple[str, ...] = ()
    ) -> CaseScores:
        pred_labels, ref_labels, ref_volume, pred_volume = self.read_pair(case, pred, ref)
        use_pred = self.spacing_from == "pred" and pred_volume is not None
        spacing = pred_volume.spacing if use_pred else ref_volume.spacing
        scores = self.score_labels(case, pred_labels, ref_labels, spacing, extra_metrics)
        if pred is None:
            scores.notes = {region: "missing_prediction" for region in self.regions}
        return scores


def region_mask(labels: np.ndarray, values: tuple[int, ...]) -> np.ndarray:
    """Boolean mask of the voxels whose label is in ``values`` (a lookup table for uint8 maps,
    several times faster than ``np.isin`` on CT-sized volumes)."""
    if len(values) == 1:
        return labels == values[0]
    if labels.dtype == np.uint8:
        table = np.zeros(256, dtype=bool)
        table[list(values)] = True
        return table[labels]
    return np.isin(labels, values)


def mean_of(values) -> float | None:
    """Mean of the defined values (``None`` when there is none)."""
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None
