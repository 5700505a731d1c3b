"""KiTS21: kidney, tumor and cyst in CT (official rules).

Regions are the hierarchical evaluation classes kidney_and_mass {1,2,3}, mass {2,3},
tumor {2}. Metrics: ``dice`` and ``surface_dice`` (NSD at the final KiTS21 per-region
tolerances). Distances use the **prediction's** spacing, as the official evaluation does.
Empty masks: both empty → 1/1, one empty → 0/0. A reference given as a folder of sampled
segmentations is scored against each sample and averaged (the official test protocol): either
the kits21 repository's own layout ``<case>/segmentation_samples/group*/<sample>.nii.gz`` (also
``<case>/group*/…``; every sample of every group counts once, as the official
``evaluate_predicted_file_on_samples`` averages them) or sample files directly in ``<case>/``.
Missing predictions: Arena scores them as empty (0/0, counted); the official script evaluates
only the predictions present (``--missing official`` reproduces that offline).
Ranking: rank on mean dice and on mean surface dice, average the two ranks, rank again; ties
broken by tumor dice.
"""

from pathlib import Path

import numpy as np

from evaluators.errors import EvaluationInputError
from evaluators.io import case_stem, check_same_grid, read_volume
from evaluators.metrics.pairs import MetricSpec
from evaluators.ranking import RankThenAggregate
from evaluators.tasks.base import CaseScores, Column
from evaluators.tasks.labelmap import LabelMapTask, checked_labels

TOLERANCES_MM = {
    "kidney_and_mass": 1.0330772532390826,
    "mass": 1.1328796488598762,
    "tumor": 1.1498198361434828,
}


class Kits21(LabelMapTask):
    name = "kits21"
    title = "KiTS21 — kidney, tumor and cyst segmentation in CT"
    description = __doc__
    regions = ("kidney_and_mass", "mass", "tumor")
    metrics = ("dice", "surface_dice")
    label_map = {1: "kidney", 2: "tumor", 3: "cyst"}
    region_labels = {"kidney_and_mass": (1, 2, 3), "mass": (2, 3), "tumor": (2,)}
    input_channels = {"0000": "CT"}
    spacing_from = "pred"
    case_folders = True  # a reference case may be a folder of sampled segmentations
    region_means = {"mean_dice": "dice", "mean_sd": "surface_dice"}
    official_missing = "drop"  # the official script averages over the predictions present
    leaderboard_columns = (
        Column("mean_dice", "Mean Dice"),
        Column("mean_sd", "Mean Surface Dice"),
        Column("kidney_and_mass/dice", "Kidney+mass Dice"),
        Column("mass/dice", "Mass Dice"),
        Column("tumor/dice", "Tumor Dice"),
        Column("kidney_and_mass/surface_dice", "Kidney+mass Surface Dice"),
        Column("mass/surface_dice", "Mass Surface Dice"),
        Column("tumor/surface_dice", "Tumor Surface Dice"),
    )
    conventions = (
        "official: regions, tolerances, prediction spacing, empty rules, ranking",
        "Arena: HD95 and other extra metrics use the platform's empty rules (max distance "
        "penalty when one mask is empty)",
    )

    @property
    def ranking(self):
        return RankThenAggregate(
            criteria=(Column("mean_dice", "Mean Dice"), Column("mean_sd", "Mean Surface Dice")),
            tiebreak=Column("tumor/dice", "Tumor Dice"),
        )

    def official_specs(self, region: str) -> list[MetricSpec]:
        return [MetricSpec("dice", "dice"), MetricSpec("surface_dice", "nsd", TOLERANCES_MM[region])]

    def index_predictions(self, pred_dir: Path, cases: list[str]):
        prediction_set = super().index_predictions(pred_dir, cases)
        for case, path in prediction_set.files.items():
            if path.is_dir():
                prediction_set.problems.append(
                    f"{pred_dir.name}/{path.name}: a folder; expected one label map file "
                    f"{case}.nii.gz"
                )
        return prediction_set

    def score_case(
        self, case: str, pred: Path | None, ref: Path, extra_metrics: tuple[str, ...] = ()
    ) -> CaseScores:
        if not ref.is_dir():
            return super().score_case(case, pred, ref, extra_metrics)
        samples = reference_samples(ref)
        per_sample = self._score_samples(case, pred, samples, extra_metrics)
        merged = CaseScores(case, details={"reference_samples": len(samples)})
        for region in self.regions:
            merged.values[region] = {}
            for metric in per_sample[0].values[region]:
                values = [s.values[region][metric] for s in per_sample]
                defined = [v for v in values if v is not None]
                merged.values[region][metric] = float(np.mean(defined)) if defined else None
            notes = sorted({s.notes[region] for s in per_sample if region in s.notes})
            merged.notes[region] = ";".join([f"mean_of_{len(samples)}_samples", *notes])
        return merged

    def _score_samples(self, case: str, pred: Path | None, samples: list[Path],
                       extra_metrics: tuple[str, ...]) -> list[CaseScores]:
        """One CaseScores per reference sample; the prediction is decoded and checked once."""
        allowed = self.allowed_labels()
        pred_volume = read_volume(pred) if pred is not None else None
        pred_labels, pred_maxima = (
            checked_labels(pred_volume, allowed, case) if pred_volume else (None, None)
        )
        per_sample = []
        for sample in samples:
            ref_volume = read_volume(sample)
            ref_labels, ref_maxima = checked_labels(ref_volume, allowed, case)
            if pred_volume is None:
                labels, spacing = np.zeros_like(ref_labels), ref_volume.spacing
                maxima = (np.zeros_like(ref_maxima), ref_maxima)
            else:
                check_same_grid(pred_volume, ref_volume, case)
                labels, spacing = pred_labels, pred_volume.spacing  # official: pred spacing
                maxima = (pred_maxima, ref_maxima)
            scores = self.score_labels(case, labels, ref_labels, spacing, extra_metrics, maxima)
            if pred is None:
                scores.notes = {region: "missing_prediction" for region in self.regions}
            per_sample.append(scores)
        return per_sample

    def validate_case(self, case: str, pred: Path, ref: Path) -> None:
        for sample in reference_samples(ref) if ref.is_dir() else [ref]:
            super().validate_case(case, pred, sample)

    def ranking_scores(self, cases: list[CaseScores], aggregates: dict) -> dict[str, float]:
        scores: dict[str, float] = {}
        for region in self.regions:
            for metric in self.metrics:
                scores[f"{region}/{metric}"] = aggregates[region][metric]["mean"]
        scores["mean_dice"] = float(np.mean([scores[f"{r}/dice"] for r in self.regions]))
        scores["mean_sd"] = float(np.mean([scores[f"{r}/surface_dice"] for r in self.regions]))
        return scores


def reference_samples(folder: Path) -> list[Path]:
    """The sampled reference segmentations of a case folder: the kits21 repository's layout
    ``segmentation_samples/group*/*`` (or ``group*/*`` directly), every image of every group in
    (group, name) order; otherwise the image files directly in ``folder``."""
    base = folder / "segmentation_samples"
    base = base if base.is_dir() else folder
    groups = sorted(p for p in base.iterdir() if p.is_dir() and p.name.startswith("group"))
    if groups:
        samples = [s for g in groups for s in sorted(g.iterdir()) if s.is_file() and case_stem(s.name)]
    else:
        samples = sorted(p for p in folder.iterdir() if p.is_file() and case_stem(p.name))
    if not samples:
        raise EvaluationInputError(
            f"{folder}: reference folder holds no segmentation samples (expected "
            "segmentation_samples/group*/<sample>.nii.gz, group*/<sample>.nii.gz or "
            "<sample>.nii.gz files)"
        )
    return samples
