"""Phantom dataset generators for the Arena tasks.

``generate_dataset(task, out_dir, preset="small", n_cases=3, seed=0)`` writes a dataset folder
(``dataset.json``, ``inputs/<case>_<CCCC>.nii.gz``, ``references/...``) for one task. Output is
deterministic: the same (task, preset, seed) gives byte-identical arrays, and case *i* does not
depend on how many cases are generated.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import numpy as np

from baselines.phantoms.dataset import (
    PRESETS,
    PhantomCase,
    write_dataset,
    write_label_map_reference,
)

#: task name -> (generator module, reference writer attribute or None for label maps)
_TASK_MODULES: dict[str, str] = {
    "kits21": "baselines.phantoms.kits21",
    "amos22": "baselines.phantoms.amos22",
    "kipa22": "baselines.phantoms.kipa22",
    "kipa22_corrected": "baselines.phantoms.kipa22",
    "myops2020": "baselines.phantoms.myops2020",
    "cosmos2022": "baselines.phantoms.cosmos2022",
    "segrap2023_task1": "baselines.phantoms.segrap2023",
    "segrap2023_task2": "baselines.phantoms.segrap2023",
}

TASKS: tuple[str, ...] = tuple(_TASK_MODULES)

__all__ = ["PRESETS", "TASKS", "PhantomCase", "generate_cases", "generate_dataset", "task_module"]


def task_module(task: str) -> ModuleType:
    """Generator module of ``task``; ValueError naming the known tasks otherwise."""
    if task not in _TASK_MODULES:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    return importlib.import_module(_TASK_MODULES[task])


def _check(task: str, preset: str, n_cases: int) -> ModuleType:
    mod = task_module(task)
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; expected one of {', '.join(PRESETS)}")
    if not isinstance(n_cases, int) or n_cases < 1:
        raise ValueError(f"n_cases must be a positive integer, got {n_cases!r}")
    return mod


def generate_cases(task: str, *, preset: str = "small", n_cases: int = 3, seed: int = 0,
                   case_ids: list[str] | None = None):
    """Yield the :class:`PhantomCase` objects of a dataset without writing anything.

    Case *i* uses the random stream ``(seed, i)``, so it is the same whatever ``n_cases`` is.
    ``case_ids`` replaces the default ids (and ``n_cases``), e.g. only AMOS CT ids (< 500).
    """
    mod = _check(task, preset, len(case_ids) if case_ids else n_cases)
    ids = list(case_ids) if case_ids else mod.case_ids(n_cases)
    for i, case_id in enumerate(ids):
        rng = np.random.default_rng([int(seed), i])
        yield mod.make_case(case_id, rng, preset, task) if getattr(mod, "TASK_AWARE", False) \
            else mod.make_case(case_id, rng, preset)


def generate_dataset(
    task: str, out_dir: str | Path, *, preset: str = "small", n_cases: int = 3, seed: int = 0,
    case_ids: list[str] | None = None,
) -> Path:
    """Write a phantom dataset folder for ``task`` at ``out_dir`` and return its path.

    ``out_dir`` must be new or empty; the folder appears atomically. ``case_ids`` (optional)
    replaces the default case ids, e.g. ``["amos_0001", "amos_0002"]`` for CT-only AMOS.
    Raises ValueError for an unknown task or preset or a non-positive ``n_cases``,
    FileExistsError for a non-empty ``out_dir``.
    """
    mod = _check(task, preset, len(case_ids) if case_ids else n_cases)
    channels = mod.channels(task) if callable(getattr(mod, "channels", None)) else mod.CHANNELS
    labels = mod.labels(task) if callable(getattr(mod, "labels", None)) else mod.LABELS
    meta = {
        "task": task,
        "channels": channels,
        "labels": {str(k): v for k, v in labels.items()},
        "preset": preset,
        "seed": int(seed),
        "generator": "baselines.phantoms",
    }
    meta.update(getattr(mod, "extra_meta", lambda t: {})(task))
    writer = getattr(mod, "reference_writer", None)
    write_reference = writer(task) if writer else write_label_map_reference
    cases = list(generate_cases(task, preset=preset, n_cases=n_cases, seed=seed, case_ids=case_ids))
    return write_dataset(Path(out_dir), meta, cases, write_reference)
