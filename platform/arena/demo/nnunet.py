"""nnU-Net baseline rows of the demo leaderboards: for each demo phase whose task has an exported
model under ``ARENA_MODELS_ROOT/<task>`` (``make demo-nnunet`` trains them), predict the phase's
test inputs with that model in the nnU-Net environment and submit the predictions as the
``nnunet`` account, through the same upload → validation → scoring path as everyone else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from arena.demo.predictions import DemoDataError

#: the account that holds the nnU-Net baseline rows (no password: nobody logs in as it)
USERNAME = "nnunet"
#: method name of the nnU-Net rows (baseline entries) on the demo boards
METHOD = "nnU-Net v2 (tiny CPU model)"
#: seconds one demo test set may take to predict on the CPU
PREDICT_TIMEOUT_S = 900


def model_for(task: str) -> Path | None:
    """The exported model folder of ``task``, or None when there is none."""
    from baselines.nnunet.demo_models import model_ready

    model = Path(settings.ARENA_MODELS_ROOT) / task
    return model if model_ready(model) else None


def comment_for(model: Path) -> str:
    """The submission comment (also the seed's idempotency key): the model's schedule."""
    try:
        info = json.loads((model / "arena_model.json").read_text())
        schedule = info.get("schedule", {}).get("name", "?")
    except (OSError, ValueError, AttributeError):
        schedule = "?"
    return f"demo: nnU-Net v2 baseline ({schedule} schedule)"


def model_digest(model: Path) -> str:
    """Short content hash of the model's ``arena_model.json`` (keys the cached predictions)."""
    import hashlib

    return hashlib.sha256((model / "arena_model.json").read_bytes()).hexdigest()[:12]


def baseline_account():
    """The ``nnunet`` user (created without a usable password)."""
    user, created = get_user_model().objects.get_or_create(username=USERNAME)
    if created:
        user.set_unusable_password()
        user.save()
    return user


def predict(model: Path, inputs_dir: Path, out: Path) -> Path:
    """Predictions of ``model`` for every case of ``inputs_dir``, written to ``out`` (kept when
    already complete). Raises :class:`DemoDataError` with the reason when it fails."""
    done = out.with_name(out.name + ".complete")  # beside the folder: not part of the upload
    if done.is_file():
        return out
    if out.exists():
        shutil.rmtree(out)  # an interrupted earlier run
    python = Path(settings.ARENA_NNUNET_PYTHON)
    if not python.is_file():
        raise DemoDataError(f"{python} missing: the nnU-Net environment (make nnunet-env)")
    env = dict(os.environ, PYTHONPATH=str(settings.REPO_ROOT))
    command = [str(python), "-m", "baselines.nnunet", "predict", "--model", str(model),
               "--inputs", str(inputs_dir), "--out", str(out), "--device", "cpu"]
    try:
        run = subprocess.run(command, cwd=settings.REPO_ROOT, env=env, capture_output=True,
                             text=True, timeout=PREDICT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise DemoDataError(f"nnU-Net prediction with {model} took over {PREDICT_TIMEOUT_S} s")
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        raise DemoDataError(f"nnU-Net prediction with {model} failed: {last}")
    done.write_text(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "{}")
    return out
