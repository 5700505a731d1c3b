"""Fixtures of the baselines tests: small phantom datasets generated once per session."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from baselines.nnunet.demo_models import TRAINING_CASES
from baselines.phantoms import generate_dataset

REPO = Path(__file__).resolve().parents[2]
NNUNET_PY = REPO / ".venv-nnunet" / "bin" / "python"
#: the rootful Podman API socket set up by containers/setup_engine.sh
SOCKET_URL = "unix:///run/podman/podman.sock"
#: task -> (training case ids, unseen test case ids, regions whose mean Dice must exceed 0.5);
#: AMOS uses its CT subset (ids < 500), which nnU-Net trains with CT normalisation
NNUNET_CASES = {
    "kits21": (TRAINING_CASES["kits21"], ["kits_0100", "kits_0101"], ["kidney_and_mass"]),
    "amos22": (TRAINING_CASES["amos22"], ["amos_0101", "amos_0102"], ["liver", "spleen"]),
}


def run_nnunet(*args: str, timeout: int) -> dict:
    """Run ``python -m baselines.nnunet ARGS`` in .venv-nnunet; return its last stdout line (JSON)."""
    assert NNUNET_PY.exists(), f"{NNUNET_PY} missing: run `make nnunet-env` (make test does)"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([str(NNUNET_PY), "-m", "baselines.nnunet", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"baselines.nnunet {args[0]} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def nnunet_trained(tmp_path_factory):
    """``nnunet_trained(task) -> (exported model dir, training stats)``: the tiny CPU schedule on
    small phantoms (:data:`NNUNET_CASES`), trained once per session."""
    cache: dict[str, tuple[Path, dict]] = {}

    def get(task: str) -> tuple[Path, dict]:
        if task not in cache:
            root = tmp_path_factory.mktemp(f"nnunet-{task}")
            ds = generate_dataset(task, root / "train", case_ids=NNUNET_CASES[task][0], seed=0)
            stats = run_nnunet("train", "--dataset", str(ds), "--work", str(root / "work"),
                               "--export", str(root / "model"), "--schedule", "tiny", "--device", "cpu",
                               timeout=1500)  # tiny CPU schedule: ~4-6 min on a loaded 2-core machine
            cache[task] = (root / "model", stats)
        return cache[task]

    return get


@pytest.fixture(scope="session")
def phantom_dataset(tmp_path_factory):
    """``phantom_dataset(task, n_cases=3, seed=0) -> Path``: a cached small dataset folder."""
    cache: dict[tuple, Path] = {}

    def make(task: str, n_cases: int = 3, seed: int = 0) -> Path:
        key = (task, n_cases, seed)
        if key not in cache:
            out = tmp_path_factory.mktemp("phantoms") / f"{task}-{n_cases}-{seed}"
            cache[key] = generate_dataset(task, out, preset="small", n_cases=n_cases, seed=seed)
        return cache[key]

    return make


@pytest.fixture(scope="module")
def engine():
    """The Docker-API backend on the Podman socket; a failure with the recorded reason where the
    engine could not be set up (ARENA_SKIP_CONTAINERS=1 skips these tests explicitly)."""
    from arena.execution.backends import EngineUnavailable
    from arena.execution.backends.docker_api import DockerApiBackend

    marker = REPO / "var" / "engine-unavailable.txt"
    if marker.is_file():
        raise AssertionError(
            f"container engine could not be set up: {marker.read_text().strip()} "
            "(set ARENA_SKIP_CONTAINERS=1 to opt this run out of the container tier)"
        )
    try:
        return DockerApiBackend(SOCKET_URL)
    except EngineUnavailable as exc:
        raise AssertionError(f"{exc}; run containers/setup_engine.sh (as root)")
