"""A Celery worker's start-up imports (Django setup, the system checks Celery's Django fixup
runs — they load every URLconf and view —, and every app's tasks module found by autodiscovery)
load no scoring or charting library: SimpleITK, SciPy, pandas, statsmodels, scikit-image and
plotly are imported by the first task or page that needs them (SimpleITK by a container job
only where it reads the inputs' headers and the outputs), so a worker importing an image stays
small (issue 12: < 200 MB peak RSS through a 1 GB import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("SimpleITK", "scipy", "pandas", "statsmodels", "skimage", "plotly")

WORKER_START = f"""
import json, sys
import django
django.setup()
from arena.celery import app
app.loader.import_default_modules()   # what `celery worker` does before its first task
from django.core.checks import run_checks
run_checks()                          # Celery's Django fixup (validate_models)
import arena.execution.runner         # a container job, up to reading inputs' headers / outputs
tasks = sorted(n for n in app.tasks if n.startswith("arena."))
print(json.dumps({{"loaded": [m for m in {HEAVY!r} if m in sys.modules], "tasks": tasks}}))
"""


def test_worker_start_loads_no_scoring_or_chart_library(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "platform"), str(REPO)]),
               ARENA_MODE="development", ARENA_VAR_DIR=str(tmp_path),
               DJANGO_SETTINGS_MODULE="arena.settings")
    run = subprocess.run([sys.executable, "-c", WORKER_START], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["loaded"] == [], f"loaded at worker start: {out['loaded']}"
    # the tasks are registered all the same (the footprint is not bought by skipping them)
    assert {"arena.evaluation.tasks.score_submission", "arena.execution.tasks.run_job",
            "arena.submissions.tasks.validate_submission",
            "arena.leaderboards.tasks.recompute_leaderboard"} <= set(out["tasks"])
