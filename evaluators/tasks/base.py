"""What every task module provides: its spec (regions, metrics, labels, leaderboard columns,
ranking rule) and how one case is scored."""

from dataclasses import dataclass, field
from pathlib import Path

from evaluators.errors import EvaluationInputError
from evaluators.io import FolderIndex, index_images
from evaluators.metrics.pairs import MetricSpec, parse_metric


@dataclass(frozen=True)
class Column:
    """A leaderboard column: ``key`` into ``metrics.json["ranking_scores"]``."""

    key: str
    title: str
    higher_is_better: bool = True


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
