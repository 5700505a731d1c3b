"""The whole worker SIGKILLed while an algorithm container runs (real Podman engine, PostgreSQL +
Redis, gunicorn, a Celery worker on the cpu and gpu queues): its message stays unacknowledged in
Redis for hours, so only the sweep can save the submission. A new worker's sweep sees the
heartbeat go stale, removes the lost attempt's container and sends the job again; the
submission ends ``succeeded`` exactly once with one result, under the job's run attempt 2,
within the sweep timeout, and no container of it is left.

Needs the engine and images of the container tier (containers/prepare_tests.sh): without them
the test fails with the reason; ARENA_SKIP_CONTAINERS=1 is the only way to skip it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "containers"))

from container_helpers import REPO, SOCKET_URL, image  # noqa: E402

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.containers]

SLOW = "good-slow"  # containers/examples/good built with DELAY_S=6
ALGORITHM_PHASE = {"kind": "algorithm", "time_limit_s": 60, "memory_mb": 256, "cpus": 1,
                   "hide_logs": False, "max_upload_mb": 1024}


@pytest.fixture
def engine():
    """The Podman engine with the slow example image and its upload archive, or a failure."""
    from arena.execution.backends import EngineUnavailable
    from arena.execution.backends.docker_api import DockerApiBackend

    marker = REPO / "var" / "engine-unavailable.txt"
    if marker.is_file():
        pytest.fail(f"container engine could not be set up: {marker.read_text().strip()} "
                    "(set ARENA_SKIP_CONTAINERS=1 to opt this run out of the container tier)")
    try:
        backend = DockerApiBackend(SOCKET_URL)
    except EngineUnavailable as exc:
        pytest.fail(f"{exc}; run containers/setup_engine.sh (as root) or set ARENA_SKIP_CONTAINERS=1")
    archive = REPO / "var" / "images" / f"example-{SLOW}.tar"
    if not backend.image_exists(image(SLOW)) or not archive.is_file():
        pytest.fail(f"image {image(SLOW)} or its archive {archive.name} is missing; run "
                    "containers/build_images.sh")
    return backend, archive


@pytest.fixture
def algo_stack(tmp_path, engine, start_stack):
    from phantom import write_dataset

    dataset = tmp_path / "phantom"
    write_dataset(dataset, n_cases=2)
    env = {"ARENA_ENGINE_URL": SOCKET_URL, "ARENA_KEEP_LOADED_IMAGES": "1",
           "ARENA_PIDS_LIMIT": "64", "ARENA_LOG_LIMIT_MB": "4"}
    return start_stack("postgres", dataset, phase=ALGORITHM_PHASE, env=env)


def _job(stack, sub_id: int) -> tuple[str, int]:
    rows = stack.query("SELECT status, attempt FROM execution_job WHERE submission_id = %s",
                       (sub_id,))
    assert len(rows) == 1, rows
    return rows[0]


def test_worker_killed_while_a_container_runs(algo_stack, engine):
    stack = algo_stack
    backend, archive = engine
    with open(archive, "rb") as fh:
        response = stack.api("post", f"/phases/{stack.phase_id}/submissions/",
                             files={"file": (archive.name, fh)})
    assert response.status_code == 201, response.text
    sub_id = response.json()["id"]
    labels = {"arena.submission": str(sub_id)}
    deadline = time.monotonic() + 120
    while not backend.list_containers(labels):
        assert time.monotonic() < deadline, f"no container started:\n{stack.logs()}"
        stack.check_alive("worker")
        time.sleep(0.2)
    assert backend.list_containers(labels)[0].endswith("-a1")
    assert _job(stack, sub_id) == ("running", 1)
    stack.kill("worker")  # the whole worker: its message is not handed back for hours
    killed_at = time.monotonic()
    stack.start_worker("worker2")
    outcomes = stack.settle(1)
    took = time.monotonic() - killed_at
    outcome = outcomes[sub_id]
    assert outcome["status"] == "succeeded", (outcome, stack.logs())
    assert (outcome["attempt"], outcome["evaluations"], outcome["final_moves"]) == (1, 1, 1)
    assert _job(stack, sub_id) == ("succeeded", 2)
    assert backend.list_containers(labels) == []
    log = stack.logs(tail=200_000)
    assert "has no live task; sending it again" in log
    board = requests.get(f"{stack.url}/api/v1/phases/{stack.phase_id}/leaderboard/", timeout=30)
    deadline = time.monotonic() + 30
    while not board.json()["rows"] and time.monotonic() < deadline:
        time.sleep(0.5)
        board = requests.get(board.url, timeout=30)
    assert [row["submission_id"] for row in board.json()["rows"]] == [sub_id]
    print(f"worker SIGKILL while a container ran: scored after {took:.1f} s, job attempt 2")
