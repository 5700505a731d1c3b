"""Scoring a prediction folder against a reference folder, in parallel over cases."""

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import evaluators
from evaluators.aggregation import aggregate
from evaluators.budget import run_with_budget
from evaluators.errors import EvaluationInputError
from evaluators.metrics.nearest import set_query_threads
from evaluators.ranking import RankedEntry
from evaluators.tasks import get_task
from evaluators.tasks.base import CaseScores, Task

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class CaseRow:
    """One row of ``cases.csv`` (long format)."""

    case: str
    region: str
    metric: str
    value: float | None
    note: str


@dataclass
class ScoreResult:
    """Everything ``score`` produces: per-case scores, the ``metrics.json`` content and rows."""

    task: Task
    cases: list[CaseScores]
    metrics_json: dict
    missing_cases: list[str] = field(default_factory=list)
    extra_files: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[CaseRow]:
        rows = []
        for case in self.cases:
            for region, metrics in case.values.items():
                note = case.notes.get(region, "")
                for metric, value in metrics.items():
                    rows.append(CaseRow(case.case, region, metric, value, note))
        return rows


def _resolve(task: str | Task) -> Task:
    return get_task(task) if isinstance(task, str) else task


def _check_folders(pred_dir: Path, ref_dir: Path) -> None:
    for label, folder in (("prediction", pred_dir), ("reference", ref_dir)):
        if not folder.is_dir():
            raise EvaluationInputError(f"{folder}: {label} folder does not exist or is not a folder")


def reference_digest(ref_dir: str | Path) -> str:
    """sha256 (hex) over the relative paths and bytes of every file of the reference set."""
    root = Path(ref_dir)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def validate_folder(task: str | Task, pred_dir: str | Path, ref_dir: str | Path) -> list[str]:
    """Problems that would stop scoring (duplicates, unreadable files, geometry or label
    mismatches), each a clear message; an empty list means the folder can be scored. Missing
    cases are not problems (they are scored by the task's missing rule)."""
    spec = _resolve(task)
    pred_dir, ref_dir = Path(pred_dir), Path(ref_dir)
    try:
        _check_folders(pred_dir, ref_dir)
        references = spec.reference_cases(ref_dir)
        predictions = spec.index_predictions(pred_dir, list(references))
    except EvaluationInputError as error:
        return [str(error)]
    problems = list(predictions.problems)
    for case, path in predictions.files.items():
        try:
            spec.validate_case(case, path, references[case])
        except EvaluationInputError as error:
            problems.append(str(error))
    return problems


def _score_one(args: tuple) -> CaseScores:
    task_name, case, pred, ref, extra = args
    return get_task(task_name).score_case(case, pred, ref, extra)


def score_folder(
    task: str | Task,
    pred_dir: str | Path,
    ref_dir: str | Path,
    *,
    jobs: int = 1,
    extra_metrics: tuple[str, ...] | list[str] = (),
    progress: Progress | None = None,
    case_timeout: float | None = None,
    total_timeout: float | None = None,
    missing: str = "score",
) -> ScoreResult:
    """Score every reference case against the prediction folder.

    Missing predictions are scored by the task's missing rule and listed; extra files are
    listed and ignored. ``jobs`` > 1 scores cases in that many processes (0 = all cores).
    Raises ``EvaluationInputError`` with one clear message on bad input.

    Time budget: with ``case_timeout`` and/or ``total_timeout`` (seconds; None = no limit) each
    case runs in a child process that is killed when its case runs over ``case_timeout`` or
    the folder over ``total_timeout``; then ``ScoringTimeoutError`` ("scoring exceeded N s on
    case X") is raised and nothing is returned (:mod:`evaluators.budget`).

    Missing cases: ``missing="score"`` (Arena's rule, the platform's) scores a reference case
    without prediction by the task's missing rule (an empty prediction) and counts it in every
    mean; ``"drop"`` leaves it out of the cases and means (still listed in ``missing_cases``);
    ``"official"`` is the task's official choice (``Task.official_missing``, e.g. KiTS21's
    script drops them), "score" where the official rule is not public.
    """
    if missing not in ("score", "drop", "official"):
        raise EvaluationInputError(
            f"missing: expected 'score', 'drop' or 'official', got {missing!r}"
        )
    for label, limit in (("case_timeout", case_timeout), ("total_timeout", total_timeout)):
        if limit is not None and not limit > 0:
            raise EvaluationInputError(f"{label}: expected a number of seconds > 0, got {limit!r}")
    spec = _resolve(task)
    pred_dir, ref_dir = Path(pred_dir), Path(ref_dir)
    extra = tuple(extra_metrics)
    for name in extra:  # fail fast on a bad metric name
        spec.metric_specs(spec.regions[0] if spec.regions else "", (name,))
    _check_folders(pred_dir, ref_dir)
    references = spec.reference_cases(ref_dir)
    predictions = spec.index_predictions(pred_dir, list(references))
    if predictions.problems:
        raise EvaluationInputError(predictions.problems[0])
    if missing == "official":
        missing = spec.official_missing or "score"
    work = [
        (spec.name, case, predictions.files.get(case), references[case], extra)
        for case in references
        if missing == "score" or case in predictions.files
    ]
    if not work:
        raise EvaluationInputError(
            f"{pred_dir}: no prediction matches a reference case, nothing to score with "
            "missing cases dropped"
        )
    jobs = (os.cpu_count() or 1) if jobs == 0 else max(1, jobs)
    results: list[CaseScores] = []
    if case_timeout is not None or total_timeout is not None:
        done = [0]

        def on_done(index: int, scores: CaseScores) -> None:
            done[0] += 1
            if progress:
                progress(done[0], len(work), scores.case)

        results = run_with_budget(
            _score_one, work, [item[1] for item in work], jobs=min(jobs, len(work)) or 1,
            case_timeout=case_timeout, total_timeout=total_timeout, on_done=on_done,
        )
    elif jobs == 1 or len(work) == 1:
        for i, item in enumerate(work):
            results.append(_score_one(item))
            if progress:
                progress(i + 1, len(work), item[1])
    else:
        # one process per core already: each KD-tree query single-threaded
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(work)), initializer=set_query_threads, initargs=(1,)
        ) as pool:
            for i, scores in enumerate(pool.map(_score_one, work)):
                results.append(scores)
                if progress:
                    progress(i + 1, len(work), scores.case)
    return build_result(spec, results, predictions.missing, predictions.extra, ref_dir)


def build_result(
    spec: Task,
    cases: list[CaseScores],
    missing: list[str],
    extra: list[str],
    ref_dir: Path,
) -> ScoreResult:
    """Aggregate case scores into the ``metrics.json`` structure."""
    aggregates = aggregate(cases)
    subsets = sorted({c.subset for c in cases if c.subset})
    metrics_json = {
        "task": spec.name,
        "evaluators_version": evaluators.__version__,
        "reference_digest": reference_digest(ref_dir),
        "case": {c.case: c.values for c in cases},
        "aggregates": aggregates,
        "ranking_scores": spec.ranking_scores(cases, aggregates),
        "missing_cases": list(missing),
        "extra_files": list(extra),
        "notes": [
            {"case": c.case, "region": region, "note": note}
            for c in cases
            for region, note in c.notes.items()
        ],
    }
    if subsets:
        metrics_json["aggregates_by_subset"] = {
            s: aggregate([c for c in cases if c.subset == s]) for s in subsets
        }
    details = {c.case: c.details for c in cases if c.details}
    if details:
        metrics_json["case_details"] = details
    return ScoreResult(spec, cases, metrics_json, list(missing), list(extra))


def rank_submissions(task: str | Task, metrics_by_name: dict[str, dict]) -> list[RankedEntry]:
    """Rank scored submissions (``{name: metrics_json}``) with the task's official rule.

    ``task`` is a task name or a :class:`evaluators.tasks.base.Task`. Lives here, above both
    ``evaluators.tasks`` and ``evaluators.ranking`` (tasks use the ranking rules, not the
    reverse)."""
    spec = _resolve(task)
    entries = {name: dict(m.get("ranking_scores", {})) for name, m in metrics_by_name.items()}
    return spec.ranking.rank(entries)
