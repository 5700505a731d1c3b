"""Time budget of folder scoring (evaluators.budget): cases in killable child processes."""

import subprocess
import sys
import time

import numpy as np
import pytest
from evaluators_testutil import write_labels

import evaluators
from evaluators.budget import run_with_budget

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def _folders(tmp_path, n=3):
    rng = np.random.default_rng(5)
    for i in range(n):
        ref = np.zeros((12, 40, 40), np.uint8)
        ref[3:9, 10:30, 8:28] = 1
        ref[4:7, 12:18, 10:16] = 2
        pred = ref.copy()
        pred[rng.random(ref.shape) < 0.02] = 0
        write_labels(tmp_path / "ref" / f"case_{i:05d}.nii.gz", ref, (0.8, 0.8, 2.5))
        write_labels(tmp_path / "pred" / f"case_{i:05d}.nii.gz", pred, (0.8, 0.8, 2.5))
    return tmp_path / "pred", tmp_path / "ref"


@pytest.mark.parametrize("jobs", [1, 2])
def test_budgeted_scoring_equals_in_process_scoring(tmp_path, jobs):
    pred, ref = _folders(tmp_path)
    plain = evaluators.score_folder("kits21", pred, ref)
    seen = []
    budgeted = evaluators.score_folder("kits21", pred, ref, jobs=jobs, case_timeout=600,
                                       total_timeout=3600,
                                       progress=lambda done, total, case: seen.append(done))
    assert budgeted.metrics_json == plain.metrics_json
    assert seen == [1, 2, 3]


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_case_over_budget_is_killed_and_named():
    start = time.monotonic()
    with pytest.raises(evaluators.ScoringTimeoutError, match=r"^scoring exceeded 0.5 s on case slow$"):
        run_with_budget(_sleep, [0.0, 30.0, 0.0], ["a", "slow", "c"], jobs=2, case_timeout=0.5)
    assert time.monotonic() - start < 10  # not the 30 s the case would have taken


def test_errors_of_a_case_propagate_unchanged(tmp_path):
    def bad(_):
        raise evaluators.EvaluationInputError("case x: broken")

    with pytest.raises(evaluators.EvaluationInputError, match="case x: broken"):
        run_with_budget(bad, [1], ["x"], case_timeout=60)


def test_cli_case_timeout(tmp_path):
    pred, ref = _folders(tmp_path, n=1)
    run = subprocess.run(
        [sys.executable, "-m", "evaluators", "score", "--task", "kits21", "--pred", str(pred),
         "--ref", str(ref), "--out", str(tmp_path / "out"), "--case-timeout", "0.001", "--quiet"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert run.returncode == 2
    assert "error: scoring exceeded 0.001 s on case case_00000" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out" / "metrics.json").exists()
    ok = subprocess.run(
        [sys.executable, "-m", "evaluators", "score", "--task", "kits21", "--pred", str(pred),
         "--ref", str(ref), "--out", str(tmp_path / "out"), "--case-timeout", "600", "--quiet"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert ok.returncode == 0, ok.stderr
