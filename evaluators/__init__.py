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

import importlib
from typing import TYPE_CHECKING, Any

# The public names and the submodule that defines each. They are imported on first use (module
# ``__getattr__``, PEP 562), so ``import evaluators`` or ``from evaluators.report import X`` does
# not load SimpleITK, SciPy or NumPy: a platform process (web node, container-only worker) that
# never scores stays small. ``from evaluators import score_folder`` works as before.
_EXPORTS: dict[str, str] = {
    "EvaluationInputError": "evaluators.errors",
    "ScoringTimeoutError": "evaluators.errors",
    "RankedEntry": "evaluators.ranking",
    "write_report": "evaluators.report",
    "ScoreResult": "evaluators.scoring",
    "rank_submissions": "evaluators.scoring",
    "reference_digest": "evaluators.scoring",
    "score_folder": "evaluators.scoring",
    "validate_folder": "evaluators.scoring",
    "Task": "evaluators.tasks",
    "get_task": "evaluators.tasks",
    "list_tasks": "evaluators.tasks",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from evaluators.errors import EvaluationInputError, ScoringTimeoutError
    from evaluators.ranking import RankedEntry
    from evaluators.report import write_report
    from evaluators.scoring import (
        ScoreResult,
        rank_submissions,
        reference_digest,
        score_folder,
        validate_folder,
    )
    from evaluators.tasks import Task, get_task, list_tasks


def __getattr__(name: str) -> Any:
    """Module attribute hook (PEP 562): import the submodule defining public ``name`` on first
    access and cache the value in this module's namespace; unknown names raise
    ``AttributeError`` as for any module."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'evaluators' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazily imported public API included."""
    return sorted(set(globals()) | set(_EXPORTS))


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
