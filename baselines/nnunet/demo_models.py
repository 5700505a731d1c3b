"""Tiny CPU nnU-Net models for the demo leaderboards (``make demo-nnunet``).

``ensure_model(task, models_root, work_root)`` trains the ``tiny`` schedule on small phantoms of
the task (the training cases below, seed 0: the set the CI tests train on) and exports the model
to ``models_root/<task>`` — only when no model is there yet. ``seed_demo`` then predicts the demo
test set with every model it finds under ``ARENA_MODELS_ROOT`` and submits the result as the
``nnunet`` account.
"""

from __future__ import annotations

import shutil
from pathlib import Path

#: task -> training case ids (AMOS: its CT subset, ids < 500, which nnU-Net normalises as CT)
TRAINING_CASES: dict[str, list[str]] = {
    "kits21": [f"kits_{i:04d}" for i in range(4)],
    "amos22": [f"amos_{i:04d}" for i in range(1, 5)],
}


def model_ready(model_dir: Path) -> bool:
    """Whether ``model_dir`` holds an exported model (``arena_model.json`` + the checkpoint)."""
    return (model_dir / "arena_model.json").is_file() and (
        model_dir / "nnunet" / "fold_all" / "checkpoint_final.pth"
    ).is_file()


def ensure_model(task: str, models_root: str | Path, work_root: str | Path, *,
                 schedule_name: str = "tiny", device: str = "cpu") -> tuple[Path, dict | None]:
    """The exported model of ``task`` under ``models_root`` (trained now when missing).

    Returns (model folder, training stats or ``None`` when the model was already there). The
    export goes to a temporary sibling first and is renamed into place: an interrupted run never
    leaves a half model that a later seed would use.
    """
    from baselines.nnunet.convert import convert_dataset, read_meta
    from baselines.nnunet.train import (
        SCHEDULES,
        export_model,
        plan_and_preprocess,
        set_work_dir,
        train,
    )
    from baselines.phantoms import generate_dataset

    if task not in TRAINING_CASES:
        raise ValueError(f"no demo training set for task {task!r}; expected one of "
                         f"{', '.join(sorted(TRAINING_CASES))}")
    model = Path(models_root) / task
    if model_ready(model):
        return model, None
    work = Path(work_root) / task
    if work.exists():
        shutil.rmtree(work)
    dataset = generate_dataset(task, work / "train", case_ids=TRAINING_CASES[task], seed=0)
    schedule = SCHEDULES[schedule_name]
    paths = set_work_dir(work / "nnunet")
    convert_dataset(dataset, paths["nnUNet_raw"], task)
    plan_and_preprocess(task, schedule)
    trainer_dir, stats = train(task, schedule, device=device)
    staging = model.with_name(f".{task}.partial")
    export_model(task, trainer_dir, staging, read_meta(dataset)["channels"], schedule, stats)
    if model.exists():
        shutil.rmtree(model)
    staging.rename(model)
    return model, stats
