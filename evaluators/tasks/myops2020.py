"""MyoPS 2020: myocardial scar and edema in three-sequence cardiac MR (C0, DE, T2).

Official labels: 200 normal myocardium, 500 LV blood pool, 600 RV blood pool, 1220 edema,
2221 scar. Regions: scar {2221}, edema_and_scar {1220, 2221}. Metric: 3-D Dice per case
(both empty → 1, one empty → 0); ``hd95`` (pooled) is reported, not ranked.
Ranking (Arena convention; the official ranking script is not public): mean Dice per region,
rank on each, average the ranks. Leaderboard values are rounded to 3 decimals (Dice) and 2
decimals (HD95, mm) as the MyoPS 2020 results tables report them, and ranked on those rounded
values (equal rounded means tie); per-case values keep full precision.
"""

import numpy as np

from evaluators.metrics.pairs import MetricSpec
from evaluators.ranking import RankThenAggregate
from evaluators.tasks.base import CaseScores, Column
from evaluators.tasks.labelmap import LabelMapTask


class Myops2020(LabelMapTask):
    name = "myops2020"
    title = "MyoPS 2020 — myocardial pathology segmentation (scar, edema) in multi-sequence CMR"
    description = __doc__
    regions = ("scar", "edema_and_scar")
    metrics = ("dice", "hd95")
    label_map = {200: "myocardium", 500: "lv_blood_pool", 600: "rv_blood_pool", 1220: "edema",
                 2221: "scar"}
    region_labels = {"scar": (2221,), "edema_and_scar": (1220, 2221)}
    input_channels = {"0000": "C0", "0001": "DE", "0002": "T2"}
    leaderboard_columns = (
        Column("scar/dice", "Scar Dice"),
        Column("edema_and_scar/dice", "Edema+scar Dice"),
        Column("scar/hd95", "Scar HD95 (mm)", higher_is_better=False, unit="mm"),
        Column("edema_and_scar/hd95", "Edema+scar HD95 (mm)", higher_is_better=False, unit="mm"),
    )
    conventions = (
        "official: label values, regions, Dice; board values rounded as the official tables "
        "(Dice 3 decimals, HD95 2)",
        "Arena: ranking by average of per-region Dice ranks; HD95 reported with the max-distance "
        "penalty when one mask is empty",
    )

    @property
    def ranking(self):
        return RankThenAggregate(criteria=self.leaderboard_columns[:2])

    def official_specs(self, region: str) -> list[MetricSpec]:
        return [MetricSpec("dice", "dice"), MetricSpec("hd95", "hd95")]

    def ranking_scores(self, cases: list[CaseScores], aggregates: dict) -> dict[str, float]:
        return {
            f"{region}/{metric}": table_round(aggregates[region][metric]["mean"], metric)
            for region in self.regions
            for metric in self.metrics
        }

    def resampled_scores(self, cases: list[CaseScores], weights: np.ndarray) -> dict[str, np.ndarray]:
        """The resampled board values, each rounded as :func:`table_round` rounds the board's
        (Python's ``round`` per value, so a resample ranks exactly as the board would)."""
        scores = super().resampled_scores(cases, weights)
        for key, values in scores.items():
            decimals = TABLE_DECIMALS.get(key.rpartition("/")[2])
            if decimals is not None:
                scores[key] = np.array(
                    [v if np.isnan(v) else round(float(v), decimals) for v in values]
                )
        return scores


#: decimals of the official MyoPS 2020 results tables per metric
TABLE_DECIMALS = {"dice": 3, "hd95": 2}


def table_round(value: float | None, metric: str) -> float | None:
    """A leaderboard mean rounded as the MyoPS 2020 tables print it (``round(x, 3)`` for Dice,
    ``round(x, 2)`` for HD95 in mm; Python's round, half to even on the binary value)."""
    return None if value is None else round(float(value), TABLE_DECIMALS[metric])
