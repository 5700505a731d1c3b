"""Non-learned reference baselines: the floor every submission should beat.

``predict_folder(task, inputs_dir, out_dir) -> list[str]`` reads ``<case>_<CCCC>.nii.gz`` images
(or one folder per case) and writes the task's prediction layout into ``out_dir``: a label map
``<case>.nii.gz`` (KiTS21, AMOS22, KiPA22, MyoPS2020, COSMOS2022 + ``<case>.json`` diagnosis) or
per-structure folders ``<case>/<Structure>.nii.gz`` (SegRap2023). Methods are intensity windows,
connected components and geometric priors (a mean-anatomy atlas placed by skull landmarks for
SegRap); see each module. Returns the case ids written.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path

from baselines.reference.io import BaselineInputError, OutputWriter, discover, load_case

#: task -> "module:function"; the function maps CaseImages to a label map array, or (SegRap)
#: a dict of structure masks, or (COSMOS) a (label map, diagnosis dict) pair
_PREDICTORS: dict[str, str] = {
    "kits21": "baselines.reference.abdomen:kits21",
    "amos22": "baselines.reference.abdomen:amos22",
    "kipa22": "baselines.reference.kipa22:kipa22",
    "kipa22_corrected": "baselines.reference.kipa22:kipa22",
    "myops2020": "baselines.reference.cardiac:myops2020",
    "cosmos2022": "baselines.reference.carotid:cosmos2022",
    "segrap2023_task1": "baselines.reference.headneck:segrap_task1",
    "segrap2023_task2": "baselines.reference.headneck:segrap_task2",
}
TASKS: tuple[str, ...] = tuple(_PREDICTORS)

__all__ = ["TASKS", "BaselineInputError", "predict_folder", "predictor"]


def predictor(task: str) -> Callable:
    """The per-case predictor of ``task``; ValueError naming the known tasks otherwise."""
    if task not in _PREDICTORS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    mod, fn = _PREDICTORS[task].split(":")
    return getattr(importlib.import_module(mod), fn)


def predict_folder(
    task: str,
    inputs_dir: str | Path,
    out_dir: str | Path,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[str]:
    """Predict every case of ``inputs_dir`` into ``out_dir`` (created if needed).

    Raises ValueError for an unknown task and BaselineInputError (message naming the file,
    what was expected and what was found) for unusable inputs.
    """
    fn = predictor(task)
    cases = discover(inputs_dir)
    writer = OutputWriter(out_dir)
    done: list[str] = []
    for i, (case_id, files) in enumerate(sorted(cases.items())):
        case = load_case(case_id, files)
        result = fn(case)
        if isinstance(result, dict):
            writer.structures(case, result)
        elif isinstance(result, tuple):
            labels, diagnosis = result
            writer.label_map(case, labels)
            writer.text(f"{case_id}.json", json.dumps({"diagnosis": diagnosis}))
        else:
            writer.label_map(case, result)
        done.append(case_id)
        if progress:
            progress(i + 1, len(cases), case_id)
    return done
