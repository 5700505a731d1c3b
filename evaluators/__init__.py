"""Arena evaluators: official-grade segmentation metrics, challenge task specs, folder scoring
and ranking. A pure library (no Django): the CLI, the platform and the evaluator container all
call the functions exported here.

Public API (stable; the platform depends on it):

- ``get_task(name) -> Task`` / ``list_tasks() -> list[Task]``: task specs (regions, metrics,
  label map, leaderboard columns, ranking rule).
- ``score_folder(task, pred_dir, ref_dir, *, jobs=1, extra_metrics=(), progress=None,
  case_timeout=None, total_timeout=None) -> ScoreResult``: score a prediction folder against a
  reference folder. Raises ``EvaluationInputError`` (one clear message naming file, expected
  and found) on bad input, its subclass ``ScoringTimeoutError`` ("scoring exceeded N s on case
  X") when a time budget runs out.
- ``validate_folder(task, pred_dir, ref_dir) -> list[str]``: the problems ``score_folder`` would
  raise for, without computing metrics (names, duplicates, geometry, label values).
- ``write_report(result, out_dir)``: ``cases.csv`` + ``metrics.json``, written atomically.
- ``rank_submissions(task, {name: metrics_json}) -> list[RankedEntry]``: the task's official
  ranking rule over several scored submissions.
- ``reference_digest(ref_dir) -> str``: sha256 over the reference set (names + bytes).
"""

__version__ = "0.1.0"

from evaluators.errors import EvaluationInputError, ScoringTimeoutError  # noqa: E402
from evaluators.ranking import RankedEntry  # noqa: E402
from evaluators.report import write_report  # noqa: E402
from evaluators.scoring import (  # noqa: E402
    ScoreResult,
    rank_submissions,
    reference_digest,
    score_folder,
    validate_folder,
)
from evaluators.tasks import Task, get_task, list_tasks  # noqa: E402

__all__ = [
    "__version__",
    "EvaluationInputError",
    "RankedEntry",
    "ScoreResult",
    "ScoringTimeoutError",
    "Task",
    "get_task",
    "list_tasks",
    "rank_submissions",
    "reference_digest",
    "score_folder",
    "validate_folder",
    "write_report",
]
