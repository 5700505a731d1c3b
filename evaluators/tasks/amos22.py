"""AMOS22: 15 abdominal organs in CT and MRI.

Official labels 1 spleen … 15 prostate/uterus; case ids < 500 are CT, ≥ 500 MRI.
Metrics: ``dice`` and ``nsd`` at τ = 1 mm (**Arena convention** for the tolerance).
Empty masks (**Arena convention**): both empty → the organ is not counted for that case; one
empty → 0/0. Aggregation: per case the mean over counted organs (region ``all``), then the mean
over cases ("case first": ``mean_dice``, ``mean_nsd``, ranked); CT and MRI are also reported
separately, and the "organ first" order (per organ the mean over the cases where it counts, then
the mean over organs: ``mean_dice_organwise``, ``mean_nsd_organwise``) is reported, not ranked.
The two orders differ only when organs are not counted in some cases. Missing predictions are
scored as empty (organs present in the reference 0/0). Ranking: rank on mean Dice and on mean
NSD, average the ranks.
"""

import re

import numpy as np

from evaluators.metrics.pairs import EmptyPolicy, MetricSpec
from evaluators.ranking import RankThenAggregate
from evaluators.tasks.base import CaseScores, Column, weighted_mean
from evaluators.tasks.labelmap import LabelMapTask, mean_of

ORGANS = (
    "spleen", "right_kidney", "left_kidney", "gallbladder", "esophagus", "liver", "stomach",
    "aorta", "inferior_vena_cava", "pancreas", "right_adrenal_gland", "left_adrenal_gland",
    "duodenum", "bladder", "prostate_uterus",
)
NSD_TOLERANCE_MM = 1.0


def modality(case: str) -> str:
    """``CT`` for case numbers < 500, ``MRI`` otherwise (the last number in the case id)."""
    numbers = re.findall(r"\d+", case)
    return "MRI" if numbers and int(numbers[-1]) >= 500 else "CT"


class Amos22(LabelMapTask):
    name = "amos22"
    title = "AMOS22 — 15 abdominal organs in CT and MRI"
    description = __doc__
    regions = ORGANS
    metrics = ("dice", "nsd")
    label_map = {i + 1: organ for i, organ in enumerate(ORGANS)}
    region_labels = {organ: (i + 1,) for i, organ in enumerate(ORGANS)}
    input_channels = {"0000": "CT or MRI"}
    empty_policy = EmptyPolicy(both_empty="skip")
    leaderboard_columns = (
        Column("mean_dice", "Mean Dice"),
        Column("mean_nsd", "Mean NSD (1 mm)"),
        Column("mean_dice_ct", "CT Dice"),
        Column("mean_nsd_ct", "CT NSD"),
        Column("mean_dice_mri", "MRI Dice"),
        Column("mean_nsd_mri", "MRI NSD"),
    )
    conventions = (
        "official: label map, CT/MRI split by case id",
        "Arena: NSD tolerance 1 mm; both-empty organs not counted; one empty → 0/0",
    )

    @property
    def ranking(self):
        return RankThenAggregate(criteria=self.leaderboard_columns[:2])

    def official_specs(self, region: str) -> list[MetricSpec]:
        return [MetricSpec("dice", "dice"), MetricSpec("nsd", "nsd", NSD_TOLERANCE_MM)]

    def score_case(self, case, pred, ref, extra_metrics=()) -> CaseScores:
        scores = super().score_case(case, pred, ref, extra_metrics)
        scores.subset = modality(case)
        scores.values["all"] = {
            metric: mean_of(scores.values[organ][metric] for organ in ORGANS)
            for metric in scores.values[ORGANS[0]]
        }
        return scores

    def ranking_scores(self, cases: list[CaseScores], aggregates: dict) -> dict[str, float]:
        scores = {f"mean_{m}": aggregates["all"][m]["mean"] for m in self.metrics}
        for subset in ("CT", "MRI"):
            chosen = [c for c in cases if c.subset == subset]
            for metric in self.metrics:
                scores[f"mean_{metric}_{subset.lower()}"] = mean_of(
                    c.values["all"][metric] for c in chosen
                )
        for organ in ORGANS:
            for metric in self.metrics:
                scores[f"{organ}/{metric}"] = aggregates[organ][metric]["mean"]
        for metric in self.metrics:
            scores[f"mean_{metric}_organwise"] = mean_of(
                scores[f"{organ}/{metric}"] for organ in ORGANS
            )
        return scores

    def case_subset(self, case: str) -> str | None:
        return modality(case)

    def resampled_scores(self, cases: list[CaseScores], weights: np.ndarray) -> dict:
        scores = super().resampled_scores(cases, weights)
        for metric in self.metrics:
            values = [c.values.get("all", {}).get(metric) for c in cases]
            scores[f"mean_{metric}"] = scores[f"all/{metric}"]
            for subset in ("CT", "MRI"):
                chosen = np.array([c.subset == subset for c in cases], dtype=np.float64)
                scores[f"mean_{metric}_{subset.lower()}"] = weighted_mean(values, weights * chosen)
        return scores

    def column_case_values(self, key: str, cases: list[CaseScores]):
        """``mean_<metric>`` is region ``all``; ``mean_<metric>_ct``/``_mri`` its CT/MRI cases."""
        for metric in self.metrics:
            for suffix, subset in (("", None), ("_ct", "CT"), ("_mri", "MRI")):
                if key == f"mean_{metric}{suffix}":
                    return "all", metric, {
                        c.case: c.values.get("all", {}).get(metric)
                        for c in cases
                        if subset is None or c.subset == subset
                    }
        return super().column_case_values(key, cases)
