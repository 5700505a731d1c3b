"""The evaluator image scores /input against read-only /references exactly like the library."""

from __future__ import annotations

import json
import shutil
import time

import pytest

import evaluators
from arena.execution import workspace as ws
from arena.execution.backends import RunSpec

pytestmark = [pytest.mark.containers]


def test_evaluator_image_matches_the_library(backend, phantom_dataset, tmp_path):
    root, _ = phantom_dataset
    preds = tmp_path / "preds"
    shutil.copytree(root / "references", preds)
    first = sorted(preds.iterdir())[0]
    shutil.copyfile(root / "references" / sorted(p.name for p in preds.iterdir())[-1], first)
    workspace = ws.Workspace(tmp_path / "job")
    workspace.root.mkdir()
    ws.prepare_output(workspace, "1000:1000", 64)
    spec = RunSpec(
        image="localhost/arena/evaluator:latest", name=f"arena-eval-{time.time_ns()}",
        input_dir=preds, output_dir=workspace.output_dir, labels={"arena.test": "evaluator"},
        time_limit_s=120, memory_mb=1024, cpus=1, command=("--task", "kits21"),
        readonly_binds=((str(root / "references"), "/references"),),
    )
    result = backend.run(spec)
    try:
        assert result.exit_code == 0, result.stderr
        inside = json.loads((workspace.output_dir / "metrics.json").read_text())
    finally:
        ws.remove(workspace)
    expected = evaluators.score_folder("kits21", preds, root / "references").metrics_json
    assert inside["aggregates"] == expected["aggregates"]
    assert inside["ranking_scores"] == expected["ranking_scores"]
    assert inside["reference_digest"] == expected["reference_digest"]
