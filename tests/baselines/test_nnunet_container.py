"""The nnU-Net baseline image (containers/nnunet) built offline with the tiny KiTS model inside,
run through the platform's production sandbox (Podman, no network, uid 1000, read-only root,
limits) on unseen phantom cases, and scored: Dice > 0.5 on kidney_and_mass."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from conftest import NNUNET_CASES

import evaluators
from baselines.phantoms import generate_dataset

pytestmark = [pytest.mark.slow, pytest.mark.containers]
REPO = Path(__file__).resolve().parents[2]
TAG = "localhost/arena/nnunet-kits21-test:latest"


def test_nnunet_image_in_sandbox_scores_kidneys(engine, nnunet_trained, tmp_path):
    from arena.execution import workspace as ws
    from arena.execution.backends import RunSpec

    model, _ = nnunet_trained("kits21")
    t0 = time.perf_counter()
    build = subprocess.run(["bash", "containers/nnunet/build.sh", str(model), TAG], cwd=REPO,
                           capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stderr[-3000:]
    build_s = time.perf_counter() - t0
    test = generate_dataset("kits21", tmp_path / "test", case_ids=NNUNET_CASES["kits21"][1], seed=101)
    workspace = ws.Workspace(tmp_path / "job")
    doc = ws.provision_inputs(workspace, test / "inputs", NNUNET_CASES["kits21"][1], {"0000": "CT"}, "kits21")
    ws.prepare_output(workspace, "1000:1000", 256)
    try:
        result = engine.run(RunSpec(
            image=TAG, name=f"arena-test-nnunet-{int(time.time() * 1000)}",
            input_dir=workspace.input_dir, output_dir=workspace.output_dir,
            labels={"arena.job": "test-nnunet", "arena.attempt": "1", "arena.test": "baselines"},
            time_limit_s=600, memory_mb=4096, cpus=2, pids_limit=256, tmp_mb=1024))
        assert result.exit_code == 0 and not result.timed_out, (result.exit_code, result.stderr[-3000:])
        assert sorted(p.name for p in workspace.output_dir.iterdir()) == [f"{c['id']}.nii.gz" for c in doc["cases"]]
        scores = evaluators.score_folder("kits21", workspace.output_dir, test / "references").metrics_json
    finally:
        ws.remove(workspace)
    dice = scores["aggregates"]["kidney_and_mass"]["dice"]["mean"]
    print(f"\nnnU-Net image: build {build_s:.0f} s, run {result.runtime_s:.1f} s for 2 cases, kidney_and_mass dice {dice:.3f}")
    assert dice > 0.5
