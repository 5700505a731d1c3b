"""CLI of the nnU-Net v2 baseline (run it with ``.venv-nnunet/bin/python``).

``train --dataset DIR --work DIR --export DIR [--task T] [--schedule tiny|short|default] [--device cpu|cuda]``
    convert an Arena dataset folder, plan + preprocess, train fold "all", export the model; prints
    the timing JSON.
``predict --model DIR --inputs DIR --out DIR [--device ...]``
    predict a folder in the task's layout.
``demo-model --task T --models DIR --work DIR [--schedule tiny] [--device cpu|cuda]``
    the demo leaderboards' model of a task (:mod:`baselines.nnunet.demo_models`): trained on
    small phantoms and exported to ``DIR/T`` unless already there; prints a JSON line.
``container``
    container contract: model from ARENA_NNUNET_MODEL (default /opt/model), ``/input`` ->
    ``/output`` (ARENA_INPUT / ARENA_OUTPUT override); CUDA when available.
Errors are one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time


def _device(arg: str | None) -> str:
    if arg:
        return arg
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    from baselines.nnunet.train import SCHEDULES

    parser = argparse.ArgumentParser(prog="python -m baselines.nnunet")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    t.add_argument("--dataset", required=True, help="Arena dataset folder (dataset.json, inputs/, references/)")
    t.add_argument("--work", required=True, help="nnU-Net work folder (raw, preprocessed, results)")
    t.add_argument("--export", required=True, help="folder for the exported model")
    t.add_argument("--task", help="override dataset.json's task")
    t.add_argument("--schedule", default="tiny", choices=sorted(SCHEDULES))
    t.add_argument("--device", choices=("cpu", "cuda"))
    t.add_argument("--processes", type=int, default=2)
    p = sub.add_parser("predict")
    p.add_argument("--model", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--device", choices=("cpu", "cuda"))
    d = sub.add_parser("demo-model")
    d.add_argument("--task", required=True)
    d.add_argument("--models", required=True, help="models root; the model goes to MODELS/TASK")
    d.add_argument("--work", required=True, help="scratch folder for phantoms and nnU-Net files")
    d.add_argument("--schedule", default="tiny", choices=sorted(SCHEDULES))
    d.add_argument("--device", choices=("cpu", "cuda"))
    sub.add_parser("container")
    args = parser.parse_args(argv)
    from baselines.reference.io import BaselineInputError

    try:
        if args.command == "train":
            return _train(args)
        if args.command == "demo-model":
            return _demo_model(args)
        from baselines.nnunet.predict import predict_folder

        if args.command == "predict":
            model, inputs, out = args.model, args.inputs, args.out
        else:
            model = os.environ.get("ARENA_NNUNET_MODEL", "/opt/model")
            inputs = os.environ.get("ARENA_INPUT", "/input")
            out = os.environ.get("ARENA_OUTPUT", "/output")
            os.environ.setdefault("nnUNet_results", tempfile.gettempdir())
        t0 = time.perf_counter()
        ids = predict_folder(model, inputs, out, device=_device(getattr(args, "device", None)))
        dt = time.perf_counter() - t0
        print(json.dumps({"cases": len(ids), "seconds": round(dt, 2),
                          "seconds_per_case": round(dt / max(len(ids), 1), 2)}))
        return 0
    except (BaselineInputError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _demo_model(args) -> int:
    from baselines.nnunet.demo_models import ensure_model

    model, stats = ensure_model(args.task, args.models, args.work, schedule_name=args.schedule,
                                device=_device(args.device))
    print(json.dumps({"task": args.task, "model": str(model), "trained": stats is not None,
                      **(stats or {})}))
    return 0


def _train(args) -> int:
    from baselines.nnunet.convert import convert_dataset, read_meta
    from baselines.nnunet.train import (
        SCHEDULES,
        export_model,
        plan_and_preprocess,
        set_work_dir,
        train,
    )

    schedule = SCHEDULES[args.schedule]
    meta = read_meta(args.dataset)
    task = args.task or meta["task"]
    paths = set_work_dir(args.work)
    t0 = time.perf_counter()
    convert_dataset(args.dataset, paths["nnUNet_raw"], task)
    plan_and_preprocess(task, schedule, num_processes=args.processes)
    t1 = time.perf_counter()
    trainer_dir, stats = train(task, schedule, device=_device(args.device))
    stats["prepare_seconds"] = round(t1 - t0, 2)
    export_model(task, trainer_dir, args.export, meta["channels"], schedule, stats)
    print(json.dumps({"task": task, "schedule": schedule.name, **stats}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
