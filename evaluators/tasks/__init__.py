"""Task registry: one module per challenge task."""

from functools import lru_cache

from evaluators.errors import EvaluationInputError
from evaluators.tasks.base import CaseScores, Column, Task

__all__ = ["CaseScores", "Column", "Task", "get_task", "list_tasks", "task_names"]


@lru_cache(maxsize=1)
def _registry() -> dict[str, Task]:
    from evaluators.tasks.amos22 import Amos22
    from evaluators.tasks.cosmos2022 import Cosmos2022
    from evaluators.tasks.kipa22 import Kipa22, Kipa22Corrected
    from evaluators.tasks.kits21 import Kits21
    from evaluators.tasks.myops2020 import Myops2020
    from evaluators.tasks.segrap2023 import SegRapTask1, SegRapTask2

    tasks = [
        Kits21(),
        SegRapTask1(),
        SegRapTask2(),
        Myops2020(),
        Cosmos2022(),
        Kipa22(),
        Kipa22Corrected(),
        Amos22(),
    ]
    return {task.name: task for task in tasks}


def task_names() -> list[str]:
    return list(_registry())


def get_task(name: str) -> Task:
    """The task spec called ``name`` (``kipa22-corrected`` is accepted for
    ``kipa22_corrected``); ``EvaluationInputError`` naming the known tasks otherwise."""
    key = name.strip().replace("-", "_")
    try:
        return _registry()[key]
    except KeyError:
        raise EvaluationInputError(
            f"unknown task {name!r}: expected one of {', '.join(_registry())}"
        )


def list_tasks() -> list[Task]:
    return list(_registry().values())
