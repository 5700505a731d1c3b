"""What every task module provides: its spec (regions, metrics, labels, leaderboard columns,
ranking rule) and how one case is scored."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evaluators.errors import EvaluationInputError
from evaluators.io import FolderIndex, index_images
from evaluators.metrics.pairs import MetricSpec, parse_metric


@dataclass(frozen=True)
class Column:
    """A leaderboard column: ``key`` into ``metrics.json["ranking_scores"]``."""

    key: str
    title: str
    higher_is_better: bool = True
    #: unit of the values: "" (a ratio such as Dice), "mm" or "%"; sets the displayed decimals
    unit: str = ""

    @property
    def decimals(self) -> int:
        """Decimals shown on boards: Dice-like ratios 3, millimetres 2, percentages 1."""
        return {"mm": 2, "%": 1}.get(self.unit, 3)


#: readable title and unit of each per-region metric name (tasks' ``metrics`` and the
#: ``--metrics`` extras); direction as :class:`MetricSpec` has it
_METRIC_TITLES: dict[str, tuple[str, str, bool]] = {
    "dice": ("Dice", "", True),
    "surface_dice": ("Surface Dice", "", True),
    "nsd": ("NSD", "", True),
    "hd95": ("HD95 (mm)", "mm", False),
    "hd95_surfel": ("HD95, surfels (mm)", "mm", False),
    "hd": ("HD (mm)", "mm", False),
    "assd": ("ASSD (mm)", "mm", False),
    "avd": ("AVD (mm)", "mm", False),
    "avd_sitk": ("AVD (mm)", "mm", False),
    "quanm": ("QuanM (%)", "%", True),
    "accuracy": ("Accuracy", "", True),
}


def metric_column(metric: str) -> Column:
    """The :class:`Column` of one per-region metric name (key = ``metric``): readable title
    with its unit ("HD95 (mm)", "NSD (2 mm)" for ``nsd@2``), the unit that sets the decimals
    and the direction. Unknown names keep their text with underscores as spaces, unit ""."""
    kind, _, tolerance = metric.partition("@")
    if kind in _METRIC_TITLES:
        title, unit, higher = _METRIC_TITLES[kind]
        if tolerance:
            title = f"{title} ({tolerance} mm)"
        return Column(metric, title, higher, unit)
    return Column(metric, metric.replace("_", " "), True, "")


@dataclass
class CaseScores:
    """Scores of one case: ``values[region][metric]`` (``None`` = undefined, not counted),
    the empty/missing rule applied per region, the case's subset (e.g. CT/MRI) and
    task-specific JSON-able details."""

    case: str
    values: dict[str, dict[str, float | None]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    subset: str | None = None
    details: dict = field(default_factory=dict)


@dataclass
class PredictionSet:
    """Prediction files matched to reference cases."""

    files: dict[str, Path]
    missing: list[str]
    extra: list[str]
    problems: list[str]


class Task:
    """Base of every task. Subclasses set the class attributes and implement ``score_case``
    and ``ranking_scores``."""

    name: str = ""
    title: str = ""
    description: str = ""
    regions: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    label_map: dict[int, str] | None = None
    input_channels: dict[str, str] = {}
    leaderboard_columns: tuple[Column, ...] = ()
    conventions: tuple[str, ...] = ()
    #: prediction/reference cases may be sub-folders (per-structure layouts)
    case_folders: bool = False
    #: derived scores that are the mean over ``regions`` of one metric: {key: metric}
    region_means: dict[str, str] = {}
    #: how the official script treats a reference case without prediction: "score" (scored by
    #: the missing rule, counted in every mean) or "drop" (left out of the means); None = the
    #: official rule is not public. Arena always scores ("score"); ``missing="official"`` in
    #: ``score_folder`` (CLI ``--missing official``) reproduces the official choice offline.
    official_missing: str | None = None
    #: how the leaderboard values (``ranking_scores``) aggregate, when not per-case means
    board_note: str = ""

    # --- spec -----------------------------------------------------------------------------
    @property
    def ranking(self):  # -> evaluators.ranking.RankingRule
        raise NotImplementedError

    @property
    def ranking_description(self) -> str:
        return self.ranking.describe()

    def region_title(self, region: str) -> str:
        """Readable name of a region for pages (the region key itself unless a task knows
        better, e.g. SegRap's ``TemporalLobe_L`` → ``Temporal lobe (L)``)."""
        return region

    def metric_specs(self, region: str, extra_metrics: tuple[str, ...] = ()) -> list[MetricSpec]:
        """The official metrics of ``region`` followed by the requested extra ones."""
        specs = self.official_specs(region)
        names = {spec.name for spec in specs}
        for text in extra_metrics:
            spec = parse_metric(text)
            if spec.name not in names:
                specs.append(spec)
                names.add(spec.name)
        return specs

    def official_specs(self, region: str) -> list[MetricSpec]:
        return [parse_metric(name) for name in self.metrics]

    # --- folders --------------------------------------------------------------------------
    def reference_cases(self, ref_dir: Path) -> dict[str, Path]:
        """Reference entries by case id."""
        index = index_images(ref_dir, allow_dirs=self.case_folders)
        if index.duplicates:
            case, names = next(iter(index.duplicates.items()))
            raise EvaluationInputError(f"{ref_dir}: case {case} appears twice ({', '.join(names)})")
        if not index.files:
            raise EvaluationInputError(
                f"{ref_dir}: no reference cases found (expected files like <case>.nii.gz"
                + (" or <case>/ folders" if self.case_folders else "")
                + ")"
            )
        return index.files

    def index_predictions(self, pred_dir: Path, cases: list[str]) -> PredictionSet:
        """Match prediction files to reference ``cases``: missing, extra and duplicate ones."""
        index: FolderIndex = index_images(pred_dir, allow_dirs=self.case_folders)
        problems = [
            f"{pred_dir.name}/: case {case} appears more than once ({', '.join(names)}); "
            "expected exactly one file per case"
            for case, names in index.duplicates.items()
        ]
        wanted = set(cases)
        files = {case: path for case, path in index.files.items() if case in wanted}
        extra = sorted(set(index.files) - wanted) + [
            name for name in index.others if not self.is_sidecar(name, wanted)
        ]
        missing = [case for case in cases if case not in files]
        return PredictionSet(files, missing, extra, problems)

    def is_sidecar(self, name: str, cases: set[str]) -> bool:
        """Whether a non-image file is a legitimate companion of a case (e.g. COSMOS json)."""
        return False

    # --- scoring --------------------------------------------------------------------------
    def score_case(
        self, case: str, pred: Path | None, ref: Path, extra_metrics: tuple[str, ...] = ()
    ) -> CaseScores:
        raise NotImplementedError

    def validate_case(self, case: str, pred: Path, ref: Path) -> None:
        """Raise ``EvaluationInputError`` if the prediction can't be scored (geometry, labels)."""
        self.score_case(case, pred, ref)

    def ranking_scores(self, cases: list[CaseScores], aggregates: dict) -> dict[str, float]:
        raise NotImplementedError

    # --- resampling (evaluators.robustness) -------------------------------------
    def case_subset(self, case: str) -> str | None:
        """The subset of a case (e.g. CT/MRI) when it follows from the case id; else None."""
        return None

    def cases_from_metrics(self, metrics_json: dict) -> list[CaseScores]:
        """The per-case scores stored in a ``metrics.json`` (missing cases included, as the
        task's missing rule scored them), in stored order."""
        details = metrics_json.get("case_details", {})
        return [
            CaseScores(case, values, subset=self.case_subset(case), details=details.get(case, {}))
            for case, values in metrics_json.get("case", {}).items()
        ]

    def resampled_scores(self, cases: list[CaseScores], weights: np.ndarray) -> dict[str, np.ndarray]:
        """``ranking_scores`` of many resamples at once. ``weights`` is ``(samples, cases)``:
        how often each case of ``cases`` is drawn. Returns ``{key: (samples,)}`` with NaN where
        the score is undefined. The default is the mean of the defined values per
        ``region/metric`` (what ``aggregates[region][metric]["mean"]`` is on the resample);
        tasks with derived scores extend it."""
        scores = {}
        for region, metric in _region_metrics(cases):
            values = [c.values.get(region, {}).get(metric) for c in cases]
            scores[f"{region}/{metric}"] = weighted_mean(values, weights)
        for key, metric in self.region_means.items():
            stacked = np.stack([scores[f"{r}/{metric}"] for r in self.regions])
            with np.errstate(invalid="ignore"):
                scores[key] = np.nanmean(stacked, axis=0) if stacked.size else stacked
        return scores

    def column_case_values(self, key: str, cases: list[CaseScores]):
        """Per-case values of leaderboard column ``key``: ``(region, metric, {case: value})``.
        A ``region/metric`` column is those ``cases.csv`` rows; a derived column has region and
        metric ``None`` and a per-case value of the same definition. ``None`` = undefined."""
        region, sep, metric = key.partition("/")
        if sep:
            return region, metric, {c.case: c.values.get(region, {}).get(metric) for c in cases}
        if key in self.region_means:
            metric = self.region_means[key]
            return None, None, {
                c.case: mean_over_regions([c.values.get(r, {}).get(metric) for r in self.regions])
                for c in cases
            }
        raise ValueError(f"{self.name}: column {key!r} has no per-case definition")


def _region_metrics(cases: list[CaseScores]) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for case in cases:
        for region, metrics in case.values.items():
            for metric in metrics:
                seen[(region, metric)] = None
    return list(seen)


def weighted_mean(values: list, weights: np.ndarray) -> np.ndarray:
    """Mean of the defined (not ``None``/NaN) ``values`` of each weighted resample:
    ``weights`` ``(samples, cases)`` → ``(samples,)``, NaN where no defined value was drawn."""
    array = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    defined = ~np.isnan(array)
    total = weights @ np.where(defined, array, 0.0)
    count = weights @ defined.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.where(count > 0, count, 1.0), np.nan)


def mean_over_regions(per_region: list) -> float | None:
    """Mean of the defined values of one case over regions (``None`` when there is none)."""
    defined = [v for v in per_region if v is not None]
    return float(np.mean(defined)) if defined else None
