"""``make demo-nnunet`` (README): with a trained model under ``$ARENA_VAR_DIR/models/kits21``
(here the tiny CPU model of the session fixture, so nothing is trained twice), the target seeds
the demo, predicts the KiTS21 demo test set with nnU-Net and submits it as ``nnunet``: the demo
leaderboard gets an nnU-Net row beside the reference baseline, scored by the real pipeline.
A second run adds nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]

BOARD = r"""
import json
from arena.leaderboards.models import LeaderboardEntry
rows = LeaderboardEntry.objects.filter(phase__challenge__slug="kits21", phase__slug="test").order_by("rank")
print(json.dumps([{"participant": e.participant, "rank": e.rank, "values": e.values,
                   "comment": e.submission.comment, "method": e.submission.method,
                   "baseline": e.submission.is_baseline} for e in rows]))
"""


def _make_demo(env: dict) -> str:
    run = subprocess.run(["make", "demo-nnunet", "TASKS=kits21"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=1500)
    assert run.returncode == 0, f"make demo-nnunet failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return run.stdout


def test_make_demo_nnunet_adds_the_baseline_row(nnunet_trained, tmp_path):
    model, _ = nnunet_trained("kits21")
    var = tmp_path / "var"
    shutil.copytree(model, var / "models" / "kits21")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_"))}
    env.update(ARENA_VAR_DIR=str(var), ARENA_MODE="development")
    out = _make_demo(env)
    assert '"trained": false' in out, out[-2000:]  # the model was there: nothing trained
    assert "warning:" not in out, out[-3000:]
    board = subprocess.run([str(REPO / ".venv" / "bin" / "python"), "manage.py", "shell", "-c", BOARD],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert board.returncode == 0, board.stderr[-2000:]
    rows = json.loads(board.stdout.strip().splitlines()[-1])
    by_name = {row["participant"]: row for row in rows}
    assert {"reference-baseline", "bob", "carol", "nnunet"} <= set(by_name), rows
    nnunet_row = by_name["nnunet"]
    assert nnunet_row["comment"] == "demo: nnU-Net v2 baseline (tiny schedule)"
    assert (nnunet_row["method"], nnunet_row["baseline"]) == ("nnU-Net v2 (tiny CPU model)", True)
    assert nnunet_row["values"]["kidney_and_mass/dice"] > 0.5, nnunet_row
    # the learned baseline beats the non-learned reference baseline on the main metric
    assert nnunet_row["values"]["mean_dice"] > by_name["reference-baseline"]["values"]["mean_dice"], rows

    again = _make_demo(env)
    assert "0 new demo submissions" in again, again[-2000:]
