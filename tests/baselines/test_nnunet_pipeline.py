"""nnU-Net v2 baseline end to end on CPU (slow tier): small phantoms -> convert -> plan/preprocess
-> tiny training schedule -> export -> predict unseen cases -> evaluators.score_folder.

Runs in the separate environment .venv-nnunet (``make nnunet-env``, a prerequisite of
``make test``). Timings are written to tests/artifacts/nnunet_<task>.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import NNUNET_CASES as CASES
from conftest import run_nnunet

import evaluators
from baselines.phantoms import generate_dataset

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts"


@pytest.mark.parametrize("task", sorted(CASES))
def test_tiny_cpu_training_segments_large_structures(task, nnunet_trained, tmp_path):
    model, stats = nnunet_trained(task)
    info = json.loads((model / "arena_model.json").read_text())
    assert info["task"] == task and (model / "nnunet" / "fold_all" / "checkpoint_final.pth").is_file()
    test = generate_dataset(task, tmp_path / "test", case_ids=CASES[task][1], seed=101)  # unseen
    pred = tmp_path / "pred"
    timing = run_nnunet("predict", "--model", str(model), "--inputs", str(test / "inputs"), "--out", str(pred),
                  "--device", "cpu", timeout=900)
    result = evaluators.score_folder(task, pred, test / "references")
    agg = result.metrics_json["aggregates"]
    dice = {r: agg[r]["dice"]["mean"] for r in CASES[task][2]}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"nnunet_{task}.json").write_text(json.dumps(
        {"train": stats, "predict": timing, "dice": dice,
         "ranking_scores": result.metrics_json["ranking_scores"]}, indent=1))
    print(f"\nnnU-Net tiny CPU {task}: train {stats['train_seconds']} s "
          f"({stats['iterations_per_second']} it/s), predict {timing['seconds_per_case']} s/case, dice {dice}")
    for region, value in dice.items():
        assert value > 0.5, f"{task} {region}: mean dice {value:.3f} <= 0.5 ({stats})"
