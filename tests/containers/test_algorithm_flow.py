"""Algorithm phases end to end: real Podman engine, real Celery worker (queues cpu,gpu), real
HTTP server on PostgreSQL + Redis. Every example image is uploaded through the API as the
archive `docker save` writes; the good one is loaded into the engine from its .tar.gz, run,
scored and ranked; each hostile one fails with its own reason; the worker keeps taking jobs,
no container is left behind; killing the worker process mid-run re-runs the job under a new
attempt and scores it exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from container_helpers import REPO, SOCKET_URL, image

pytestmark = [pytest.mark.containers, pytest.mark.slow]

sys.path.insert(0, str(REPO / "tests" / "integration"))
ARCHIVES = REPO / "var" / "images"

SEED = """
from django.contrib.auth import get_user_model
from arena.api.tokens import issue_token
from arena.challenges.models import Challenge, Phase
from arena.challenges.services import configure_phase_dataset
User = get_user_model()
user = User.objects.create_user("alice", "alice@example.org", "pw-alice-123")
challenge = Challenge.objects.create(slug="algo-it", title="Algorithm integration")
phase = Phase.objects.create(challenge=challenge, slug="test", title="Test", task="kits21",
    kind="algorithm", time_limit_s=15, memory_mb=256, cpus=1, hide_logs=False, quota_count=0,
    max_upload_mb=1024)
configure_phase_dataset(phase, r"{dataset}")
web = Phase.objects.create(challenge=challenge, slug="web", title="Web", task="kits21", order=1,
    kind="algorithm", time_limit_s=60, memory_mb=512, cpus=1, quota_count=0, max_upload_mb=1024)
configure_phase_dataset(web, r"{dataset}")
gpu = Phase.objects.create(challenge=challenge, slug="gpu", title="GPU", task="kits21", order=2,
    kind="algorithm", gpu=True, quota_count=0, max_upload_mb=1024)
configure_phase_dataset(gpu, r"{dataset}")
print(issue_token(user, "tests")[1], phase.pk)
"""

JOB_STATE = """
from arena.execution.models import Job
from arena.evaluation.models import Evaluation
job = Job.objects.get(submission_id={sub_id})
print(job.status, job.attempt, job.reason, Evaluation.objects.filter(submission_id={sub_id}).count())
"""


@pytest.fixture(scope="module")
def flow(backend, phantom_dataset, tmp_path_factory):
    from stack import Stack

    root, _ = phantom_dataset
    var = tmp_path_factory.mktemp("algo-stack") / "var"
    var.mkdir()
    stack = Stack(var, "postgres")
    # Keep loaded images: the example images are shared with the other container tests.
    stack.env.update(ARENA_ENGINE_URL=SOCKET_URL, ARENA_LOG_LIMIT_MB="4", ARENA_PIDS_LIMIT="64",
                     ARENA_KEEP_LOADED_IMAGES="1")
    try:
        stack.start()
        out = stack.manage("shell", "-c", SEED.format(dataset=root))
        token, phase_id = out.strip().splitlines()[-1].split()
        stack.headers = {"Authorization": f"Token {token}"}
        stack.phase_id = int(phase_id)
        joined = requests.post(f"{stack.url}/api/v1/challenges/algo-it/join/", headers=stack.headers)
        assert joined.json()["status"] == "approved"
        yield stack
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.stop()


def _upload(flow, name: str) -> int:
    path = next(p for p in (ARCHIVES / f"example-{name}.tar.gz", ARCHIVES / f"example-{name}.tar")
                if p.is_file())
    with open(path, "rb") as fh:
        response = requests.post(
            f"{flow.url}/api/v1/phases/{flow.phase_id}/submissions/", headers=flow.headers,
            files={"file": (path.name, fh)}, timeout=300,
        )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _wait(flow, sub_id: int, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        flow.check_alive()
        body = requests.get(f"{flow.url}/api/v1/submissions/{sub_id}/", headers=flow.headers).json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        time.sleep(0.5)
    raise AssertionError(f"submission {sub_id} did not finish:\n{flow.logs()}")


def _job_state(flow, sub_id: int) -> tuple[str, int, str, int]:
    out = flow.manage("shell", "-c", JOB_STATE.format(sub_id=sub_id))
    status, attempt, *rest = out.strip().splitlines()[-1].split()
    reason = rest[0] if len(rest) == 2 else ""
    return status, int(attempt), reason, int(rest[-1])


def test_good_image_is_loaded_run_scored_and_ranked(flow, backend):
    backend.remove_image(image("good"))  # the worker must load it from the uploaded .tar.gz
    assert not backend.image_exists(image("good"))
    sub_id = _upload(flow, "good")
    body = _wait(flow, sub_id)
    assert body["status"] == "succeeded", (body, flow.logs())
    assert backend.image_exists(image("good"))
    dice = body["metrics"]["aggregates"]
    assert dice and all(
        stats["mean"] == pytest.approx(1.0)
        for region in dice.values() for metric, stats in region.items() if metric == "dice"
    )
    deadline = time.monotonic() + 60
    while True:
        board = requests.get(f"{flow.url}/api/v1/phases/{flow.phase_id}/leaderboard/").json()
        if board["rows"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(board["rows"]) == 1, (board, flow.logs(tail=6000))
    (row,) = board["rows"]
    assert (row["rank"], row["participant"], row["submission_id"]) == (1, "alice", sub_id)
    assert _job_state(flow, sub_id) == ("succeeded", 1, "", 1)


def test_web_ui_upload_runs_scores_and_ranks(flow):
    """The same image in another phase is accepted; uploaded through the web form."""
    session = requests.Session()
    login = f"{flow.url}/accounts/login/"
    session.get(login)
    response = session.post(login, data={
        "username": "alice", "password": "pw-alice-123",
        "csrfmiddlewaretoken": session.cookies["csrftoken"]}, headers={"Referer": login})
    assert response.ok and "sessionid" in session.cookies
    phases = requests.get(f"{flow.url}/api/v1/challenges/algo-it/").json()["phases"]
    web_phase = next(p["id"] for p in phases if p["slug"] == "web")
    submit = f"{flow.url}/phases/{web_phase}/submit/"
    session.get(submit)
    with open(ARCHIVES / "example-good.tar.gz", "rb") as fh:
        response = session.post(
            submit, data={"csrfmiddlewaretoken": session.cookies["csrftoken"], "comment": "web"},
            files={"file": ("example-good.tar.gz", fh)}, headers={"Referer": submit},
            timeout=300,
        )
    assert response.ok and "/submissions/" in response.url, response.text[-2000:]
    sub_id = int(response.url.rstrip("/").rsplit("/", 1)[-1])
    assert _wait(flow, sub_id)["status"] == "succeeded"
    page = session.get(f"{flow.url}/submissions/{sub_id}/").text
    assert "succeeded" in page.lower()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        board = requests.get(f"{flow.url}/api/v1/phases/{web_phase}/leaderboard/").json()
        if board["rows"]:
            break
        time.sleep(0.5)
    assert [(r["rank"], r["participant"]) for r in board["rows"]] == [(1, "alice")]


def test_gpu_phase_on_a_worker_without_gpu_fails_clearly(flow):
    phases = requests.get(f"{flow.url}/api/v1/challenges/algo-it/").json()["phases"]
    gpu_phase = next(p["id"] for p in phases if p["slug"] == "gpu")
    with open(ARCHIVES / "example-good.tar.gz", "rb") as fh:
        response = requests.post(
            f"{flow.url}/api/v1/phases/{gpu_phase}/submissions/", headers=flow.headers,
            files={"file": ("example-good.tar.gz", fh)}, timeout=300)
    assert response.status_code == 201, response.text
    body = _wait(flow, response.json()["id"])
    assert body["status"] == "failed"
    assert body["error"].startswith("GPU unavailable") and "ARENA_GPU_IDS is empty" in body["error"]


def test_root_image_and_duplicate_are_refused_at_upload(flow):
    root = _wait(flow, _upload(flow, "root"))
    assert root["status"] == "failed" and "runs as root" in root["error"], root
    again = _wait(flow, _upload(flow, "good"))
    assert again["status"] == "failed" and "already submitted to this phase" in again["error"]


HOSTILE = {
    "sleep": "time limit exceeded",
    "oom": "out of memory",
    "forkbomb": "blocked: fork failed",
    "network": "blocked: network unreachable",
    "escape": "blocked: write outside /output refused",
    "flood": "log limit exceeded",
    "exit1": "FileNotFoundError: model weights not found",
    "garbage": "is not a readable NIfTI image",
}


def test_hostile_images_fail_with_their_own_reasons(flow, backend):
    ids = {name: _upload(flow, name) for name in HOSTILE}
    errors = {name: _wait(flow, sub_id)["error"] for name, sub_id in ids.items()}
    for name, needle in HOSTILE.items():
        assert needle in errors[name], (name, errors[name])
    assert "exited with code 1" in errors["exit1"]
    assert len(set(errors.values())) == len(HOSTILE)
    assert backend.list_containers({"arena.submission": str(ids["sleep"])}) == []


def _worker_child_pid(flow) -> int:
    worker = next(proc for proc, log in flow.procs if log.stem == "worker")
    out = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout
    children = [int(pid) for pid in out.split()]
    assert len(children) == 1, f"expected one pool process of worker {worker.pid}: {children}"
    return children[0]


def test_killed_worker_reruns_the_job_under_a_new_attempt(flow, backend):
    sub_id = _upload(flow, "good-slow")
    labels = {"arena.submission": str(sub_id)}
    deadline = time.monotonic() + 120
    while not backend.list_containers(labels):
        assert time.monotonic() < deadline, flow.logs()
        time.sleep(0.2)
    first = backend.list_containers(labels)
    assert first[0].endswith("-a1")
    os.kill(_worker_child_pid(flow), signal.SIGKILL)
    body = _wait(flow, sub_id)
    assert body["status"] == "succeeded", (body, flow.logs())
    status, attempt, _, evaluations = _job_state(flow, sub_id)
    assert (status, attempt, evaluations) == ("succeeded", 2, 1)
    assert backend.list_containers(labels) == []


def test_nothing_left_behind(flow, backend):
    leftover = [n for n in backend.list_containers({}) if n.startswith("arena-job")]
    assert leftover == []
    work = Path(flow.var_dir) / "work" / "jobs"
    assert not any(work.rglob("input")) and not any(work.rglob("output"))
