"""nnU-Net v2 baseline end to end on CPU (slow tier): small phantoms -> convert -> plan/preprocess
-> tiny training schedule -> export -> predict unseen cases -> evaluators.score_folder.

Runs in the separate environment .venv-nnunet (``make nnunet-env``, a prerequisite of
``make test``). Timings are written to tests/artifacts/nnunet_<task>.json.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import evaluators
from baselines.phantoms import generate_dataset

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
NNUNET_PY = REPO / ".venv-nnunet" / "bin" / "python"
ARTIFACTS = REPO / "tests" / "artifacts"
#: task -> (training cases, regions whose mean Dice must exceed 0.5 on unseen cases)
CASES = {"kits21": (4, ["kidney_and_mass"]), "amos22": (4, ["liver", "spleen"])}


def _run(*args: str, timeout: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([str(NNUNET_PY), "-m", "baselines.nnunet", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"baselines.nnunet {args[0]} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def nnunet_python():
    assert NNUNET_PY.exists(), f"{NNUNET_PY} missing: run `make nnunet-env` (make test does)"
    return NNUNET_PY


@pytest.fixture(scope="module")
def trained(nnunet_python, tmp_path_factory):
    """task -> (exported model dir, training stats), trained once per module."""
    cache: dict[str, tuple[Path, dict]] = {}

    def get(task: str) -> tuple[Path, dict]:
        if task not in cache:
            root = tmp_path_factory.mktemp(f"nnunet-{task}")
            n_train, _ = CASES[task]
            ds = generate_dataset(task, root / "train", n_cases=n_train, seed=0)
            stats = _run("train", "--dataset", str(ds), "--work", str(root / "work"),
                         "--export", str(root / "model"), "--schedule", "tiny", "--device", "cpu",
                         timeout=600)
            cache[task] = (root / "model", stats)
        return cache[task]

    return get


@pytest.mark.parametrize("task", sorted(CASES))
def test_tiny_cpu_training_segments_large_structures(task, trained, tmp_path):
    model, stats = trained(task)
    info = json.loads((model / "arena_model.json").read_text())
    assert info["task"] == task and (model / "nnunet" / "fold_all" / "checkpoint_final.pth").is_file()
    test = generate_dataset(task, tmp_path / "test", n_cases=2, seed=101)  # unseen cases
    pred = tmp_path / "pred"
    timing = _run("predict", "--model", str(model), "--inputs", str(test / "inputs"), "--out", str(pred),
                  "--device", "cpu", timeout=300)
    result = evaluators.score_folder(task, pred, test / "references")
    agg = result.metrics_json["aggregates"]
    dice = {r: agg[r]["dice"]["mean"] for r in CASES[task][1]}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"nnunet_{task}.json").write_text(json.dumps(
        {"train": stats, "predict": timing, "dice": dice,
         "ranking_scores": result.metrics_json["ranking_scores"]}, indent=1))
    print(f"\nnnU-Net tiny CPU {task}: train {stats['train_seconds']} s "
          f"({stats['iterations_per_second']} it/s), predict {timing['seconds_per_case']} s/case, dice {dice}")
    for region, value in dice.items():
        assert value > 0.5, f"{task} {region}: mean dice {value:.3f} <= 0.5 ({stats})"
