"""Planning, preprocessing, training and export through nnU-Net v2's own Python APIs.

The nnU-Net folders live under one work directory: ``<work>/raw``, ``<work>/preprocessed``,
``<work>/results`` (exported as the ``nnUNet_raw`` / ``nnUNet_preprocessed`` / ``nnUNet_results``
environment variables nnU-Net reads). Schedules:

- ``default``: nnU-Net's own (1000 epochs × 250 iterations, planner's network and patch).
- ``short``: 100 epochs × 50 iterations, planner's network: a usable GPU baseline in minutes.
- ``tiny``: a CPU schedule for CI: the 2d configuration, 16 epochs × 25 iterations, the
  planner's topology with a quarter of the feature maps (capped at 64), batch 16, nnU-Net's own
  AdamW variant (``nnUNetTrainerAdam``, lr 1e-2: SGD with momentum 0.99 needs a few hundred
  iterations before it leaves the all-background solution) and 90 % foreground oversampling.
  Measured on AMOS small phantoms (15 organs): at lr 3e-3 the 400 iterations learned the liver
  and the stomach but left the spleen anywhere between 0.0 and 0.94 Dice from run to run; at
  1e-2 three runs gave spleen 0.955-0.972 and learned eight or more organs.

The trained model is exported as a self-contained folder: ``arena_model.json`` (task, channels,
schedule, timings) + ``nnunet/`` (dataset.json, plans.json, fold_all/checkpoint_final.pth), which
:mod:`baselines.nnunet.predict` and the container image load.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from baselines.nnunet.labels import DATASET_IDS, dataset_name


@dataclass(frozen=True)
class Schedule:
    """Training schedule; ``None`` fields keep nnU-Net's planned values."""

    name: str
    epochs: int
    iterations: int
    val_iterations: int
    batch_size: int | None = None
    feature_scale: float | None = None
    max_features: int | None = None
    configuration: str = "3d_fullres"
    initial_lr: float | None = None
    trainer: str = "nnUNetTrainer"
    oversample_foreground: float | None = None


SCHEDULES: dict[str, Schedule] = {
    "default": Schedule("default", epochs=1000, iterations=250, val_iterations=50),
    "short": Schedule("short", epochs=100, iterations=50, val_iterations=10),
    "tiny": Schedule("tiny", epochs=16, iterations=25, val_iterations=1, batch_size=16,
                     feature_scale=0.25, max_features=64, configuration="2d",
                     trainer="nnUNetTrainerAdam", initial_lr=1e-2, oversample_foreground=0.9),
}


#: nnunetv2 trainers imported from their own module. nnU-Net's name lookup imports every trainer
#: module, and some of those import timm -> torchvision, whose PyPI wheel is built against the CUDA
#: torch and cannot load next to the CPU wheel; importing the module directly avoids that.
_TRAINER_MODULES = {
    "nnUNetTrainer": "nnunetv2.training.nnUNetTrainer.nnUNetTrainer",
    "nnUNetTrainerAdam": "nnunetv2.training.nnUNetTrainer.variants.optimizer.nnUNetTrainerAdam",
}
#: trainer variants that differ from nnUNetTrainer only in the optimizer: their exported
#: checkpoints name nnUNetTrainer (same network), so inference never needs the variant
_OPTIMIZER_ONLY = {"nnUNetTrainerAdam"}


def trainer_class(name: str):
    """nnunetv2 trainer class by name (direct import for the known ones, else nnU-Net's lookup)."""
    import importlib

    if name in _TRAINER_MODULES:
        return getattr(importlib.import_module(_TRAINER_MODULES[name]), name)
    from nnunetv2.utilities.find_objects import recursive_find_trainer_class_by_name

    return recursive_find_trainer_class_by_name(name)


def set_work_dir(work: str | Path) -> dict[str, Path]:
    """Create ``raw``/``preprocessed``/``results`` under ``work`` and export nnU-Net's env vars."""
    work = Path(work).resolve()
    paths = {"nnUNet_raw": work / "raw", "nnUNet_preprocessed": work / "preprocessed",
             "nnUNet_results": work / "results"}
    for key, p in paths.items():
        p.mkdir(parents=True, exist_ok=True)
        os.environ[key] = str(p)
    os.environ.setdefault("nnUNet_n_proc_DA", "1")  # one augmentation worker (2-core CI)
    os.environ.setdefault("nnUNet_compile", "false")
    return paths


def _shrink_plans(plans_file: Path, schedule: Schedule) -> None:
    """Apply the schedule's batch size and feature-map scaling to the planned configuration."""
    plans = json.loads(plans_file.read_text())
    cfg = plans["configurations"][schedule.configuration]
    if schedule.batch_size is not None:
        cfg["batch_size"] = schedule.batch_size
    if schedule.feature_scale is not None:
        kw = cfg["architecture"]["arch_kwargs"]
        feats = [max(4, int(f * schedule.feature_scale)) for f in kw["features_per_stage"]]
        if schedule.max_features:
            feats = [min(f, schedule.max_features) for f in feats]
        kw["features_per_stage"] = feats
    plans_file.write_text(json.dumps(plans, indent=1))


def plan_and_preprocess(task: str, schedule: Schedule, num_processes: int = 2) -> None:
    """nnU-Net fingerprint extraction, experiment planning and preprocessing (one configuration)."""
    from nnunetv2.experiment_planning.plan_and_preprocess_api import (
        extract_fingerprints,
        plan_experiments,
        preprocess,
    )

    did = DATASET_IDS[task]
    extract_fingerprints([did], num_processes=num_processes, check_dataset_integrity=True,
                         clean=True, verbose=False)
    plan_experiments([did])
    plans_file = Path(os.environ["nnUNet_preprocessed"]) / dataset_name(task) / "nnUNetPlans.json"
    _shrink_plans(plans_file, schedule)
    preprocess([did], configurations=(schedule.configuration,), num_processes=(num_processes,),
               verbose=False)


def train(task: str, schedule: Schedule, device: str = "cpu") -> tuple[Path, dict]:
    """Train fold ``all`` with ``schedule`` on ``device``; returns (trainer output folder, stats)."""
    import torch

    if device == "cpu":
        torch.set_num_threads(max(1, os.cpu_count() or 1))
    pre = Path(os.environ["nnUNet_preprocessed"]) / dataset_name(task)
    plans = json.loads((pre / "nnUNetPlans.json").read_text())
    plans["continue_training"] = False
    dataset_json = json.loads((pre / "dataset.json").read_text())
    trainer = trainer_class(schedule.trainer)(plans=plans, configuration=schedule.configuration, fold="all",
                          dataset_json=dataset_json, device=torch.device(device))
    trainer.num_epochs = schedule.epochs
    trainer.num_iterations_per_epoch = schedule.iterations
    trainer.num_val_iterations_per_epoch = schedule.val_iterations
    if schedule.initial_lr is not None:
        trainer.initial_lr = schedule.initial_lr
    if schedule.oversample_foreground is not None:
        trainer.oversample_foreground_percent = schedule.oversample_foreground
    trainer.save_every = max(schedule.epochs, 1)
    t0 = time.perf_counter()
    trainer.run_training()
    seconds = time.perf_counter() - t0
    iters = schedule.epochs * schedule.iterations
    stats = {"train_seconds": round(seconds, 2), "iterations": iters,
             "iterations_per_second": round(iters / seconds, 3) if seconds > 0 else None,
             "device": device, "patch_size": trainer.configuration_manager.patch_size,
             "batch_size": trainer.configuration_manager.batch_size}
    return Path(trainer.output_folder_base), stats


def export_model(task: str, trainer_dir: Path, export_dir: str | Path, channels: dict[str, str],
                 schedule: Schedule, stats: dict) -> Path:
    """Copy the minimal inference files of a trained model to ``export_dir`` (replaced)."""
    export = Path(export_dir)
    if export.exists():
        shutil.rmtree(export)
    model = export / "nnunet"
    (model / "fold_all").mkdir(parents=True)
    for f in ("dataset.json", "plans.json"):
        shutil.copyfile(trainer_dir / f, model / f)
    src = trainer_dir / "fold_all" / "checkpoint_final.pth"
    dst = model / "fold_all" / "checkpoint_final.pth"
    if schedule.trainer in _OPTIMIZER_ONLY:
        import torch

        ckpt = torch.load(src, map_location="cpu", weights_only=False)
        ckpt["trainer_name"] = "nnUNetTrainer"
        torch.save(ckpt, dst)
    else:
        shutil.copyfile(src, dst)
    doc = {"task": task, "dataset_name": dataset_name(task), "configuration": schedule.configuration,
           "channels": channels, "schedule": asdict(schedule), **stats}
    (export / "arena_model.json").write_text(json.dumps(doc, indent=1))
    return export
