"""GPU check: nnU-Net v2 training speed and inference time on a ``full``-size phantom task.

``python -m baselines.gpu_check [--task kits21] [--cases 4] [--epochs 3] [--iterations 50]
[--work DIR]`` (``make gpu-check``) generates ``full`` phantoms, converts, plans and preprocesses
them with nnU-Net's default planner (3d_fullres, planned network and patch), trains fold "all"
for epochs × iterations on CUDA and prints one JSON line: iterations/s (first epoch excluded as
warm-up when there are several), seconds per epoch, inference seconds per case, the GPU name and
peak GPU memory. Exits with status 3 and a one-line message when no CUDA GPU is usable.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 3 no CUDA GPU)."""
    parser = argparse.ArgumentParser(prog="python -m baselines.gpu_check")
    parser.add_argument("--task", default="kits21")
    parser.add_argument("--cases", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--work", help="work folder (default: a temporary folder)")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("gpu-check: torch is not installed; run `make nnunet-env` (or use .venv-nnunet/bin/python)",
              file=sys.stderr)
        return 3
    if not torch.cuda.is_available():
        print(f"gpu-check: no CUDA GPU available (torch {torch.__version__}, "
              f"CUDA build: {torch.version.cuda or 'none'}); nothing measured", file=sys.stderr)
        return 3
    if args.work:
        return _run(args, Path(args.work))
    with tempfile.TemporaryDirectory(prefix="arena-gpu-check-") as tmp:
        return _run(args, Path(tmp))


def _run(args, work: Path) -> int:
    import torch

    from baselines.nnunet.convert import convert_dataset
    from baselines.nnunet.predict import predict_folder
    from baselines.nnunet.train import (
        Schedule,
        export_model,
        plan_and_preprocess,
        set_work_dir,
        train,
    )
    from baselines.phantoms import generate_dataset

    t0 = time.perf_counter()
    ds = work / "dataset"
    if not (ds / "dataset.json").is_file():
        generate_dataset(args.task, ds, preset="full", n_cases=args.cases, seed=0)
    t_gen = time.perf_counter() - t0
    paths = set_work_dir(work / "nnunet")
    schedule = Schedule("gpu-check", epochs=args.epochs, iterations=args.iterations, val_iterations=2)
    meta = json.loads((ds / "dataset.json").read_text())
    t1 = time.perf_counter()
    convert_dataset(ds, paths["nnUNet_raw"], args.task)
    plan_and_preprocess(args.task, schedule, num_processes=4)
    t_prep = time.perf_counter() - t1
    torch.cuda.reset_peak_memory_stats()
    trainer_dir, stats = train(args.task, schedule, device="cuda")
    epochs = _epoch_seconds(trainer_dir)
    timed = epochs[1:] if len(epochs) > 1 else epochs
    its = args.iterations * len(timed) / sum(timed) if timed else stats["iterations_per_second"]
    model = export_model(args.task, trainer_dir, work / "model", meta["channels"], schedule, stats)
    n_inf = min(2, args.cases)
    inp = work / "infer_inputs"
    inp.mkdir(exist_ok=True)
    for case in meta["cases"][:n_inf]:
        for f in (ds / "inputs").glob(f"{case}_*.nii.gz"):
            target = inp / f.name
            if not target.exists():
                target.symlink_to(f.resolve())
    t2 = time.perf_counter()
    predict_folder(model, inp, work / "infer_out", device="cuda")
    s_case = (time.perf_counter() - t2) / n_inf
    result = {
        "gpu": torch.cuda.get_device_name(0), "torch": torch.__version__, "task": args.task,
        "preset": "full", "configuration": schedule.configuration, "patch_size": stats["patch_size"],
        "batch_size": stats["batch_size"], "iterations_per_second": round(its, 3),
        "epoch_seconds": [round(e, 2) for e in epochs], "inference_seconds_per_case": round(s_case, 2),
        "peak_gpu_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2),
        "generate_seconds": round(t_gen, 1), "prepare_seconds": round(t_prep, 1),
    }
    print(json.dumps(result))
    return 0


def _epoch_seconds(trainer_dir: Path) -> list[float]:
    """Per-epoch wall times from nnU-Net's checkpoint logger (empty when unavailable)."""
    import torch

    ckpt = trainer_dir / "fold_all" / "checkpoint_final.pth"
    try:
        log = torch.load(ckpt, map_location="cpu", weights_only=False)["logging"]
        return [e - s for s, e in zip(log["epoch_start_timestamps"], log["epoch_end_timestamps"], strict=False)]
    except (KeyError, OSError, RuntimeError):
        return []


if __name__ == "__main__":
    sys.exit(main())
