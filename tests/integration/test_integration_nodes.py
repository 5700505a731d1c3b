"""Worker nodes (issue 12, item 3): ``make web`` and ``make worker`` run from two separate
folders (their own ARENA_VAR_DIR), sharing only PostgreSQL, Redis and an S3-protocol server
(moto's standalone server, started here). A prediction submission goes from upload to the
leaderboard with the numbers ``evaluators.score_folder`` gives; afterwards the web node's
folder holds no uploaded file, the bucket holds the upload and the predictions, and the
worker's folder holds no scratch left over (only its dataset cache). With the Podman engine
(containers/prepare_tests.sh), a GPU-queue worker node runs an algorithm submission too."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import requests
from synthdata import make_predictions, zip_folder

import evaluators

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.s3]

SEED = """
from django.contrib.auth import get_user_model
from arena.api.tokens import issue_token
from arena.challenges.models import Challenge, Phase
from arena.challenges.services import configure_phase_dataset
User = get_user_model()
user = User.objects.create_user("alice", "alice@example.org", "pw-alice-123")
challenge = Challenge.objects.create(slug="nodes-it", title="Nodes integration")
phase = Phase.objects.create(challenge=challenge, slug="test", title="Test", task="kits21")
configure_phase_dataset(phase, r"{dataset}")
algo = Phase.objects.create(challenge=challenge, slug="algo", title="Algo", task="kits21", order=1,
    kind="algorithm", time_limit_s=120, memory_mb=512, cpus=1, quota_count=0, max_upload_mb=2048)
configure_phase_dataset(algo, r"{algo_dataset}")
print(issue_token(user, "test")[1], phase.pk, algo.pk)
"""


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    import sys

    from nodes import Nodes
    from synthdata import make_dataset

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "containers"))
    from phantom import write_dataset

    root = tmp_path_factory.mktemp("nodes")
    dataset = make_dataset(root / "dataset", n_cases=3)
    algo_dataset = root / "algo-dataset"
    write_dataset(algo_dataset, n_cases=3)
    n = Nodes(root)
    n.web_var, n.worker_var, n.admin_var = root / "web-node", root / "worker-node", root / "admin"
    n.dataset = dataset
    try:
        n.start_web(n.web_var)
        out = n.manage(n.admin_var, "shell", "-c",
                       SEED.format(dataset=dataset, algo_dataset=algo_dataset))
        token, phase_id, algo_id = out.strip().splitlines()[-1].split()
        n.headers = {"Authorization": f"Token {token}"}
        n.phase_id, n.algo_id = int(phase_id), int(algo_id)
        n.start_worker(n.worker_var, "cpu")
        joined = requests.post(f"{n.url}/api/v1/challenges/nodes-it/join/", headers=n.headers)
        assert joined.json()["status"] == "approved", joined.text
        yield n
    except BaseException:
        print(n.logs())
        raise
    finally:
        n.stop()


def _wait(nodes, sub_id: int, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        nodes.check_alive()
        body = requests.get(f"{nodes.url}/api/v1/submissions/{sub_id}/", headers=nodes.headers).json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        time.sleep(0.5)
    raise AssertionError(f"submission {sub_id} did not finish:\n{nodes.logs()}")


def _board(nodes, phase_id: int) -> dict:
    deadline = time.monotonic() + 60
    while True:
        board = requests.get(f"{nodes.url}/api/v1/phases/{phase_id}/leaderboard/").json()
        if board["rows"] or time.monotonic() > deadline:
            return board
        time.sleep(0.5)


def test_prediction_submission_across_nodes(nodes, tmp_path):
    preds = make_predictions(nodes.dataset, tmp_path / "preds", shift=1)
    response = requests.post(f"{nodes.url}/api/v1/phases/{nodes.phase_id}/submissions/",
                             headers=nodes.headers, files={"file": ("preds.zip", zip_folder(preds))})
    assert response.status_code == 201, response.text
    sub_id = response.json()["id"]
    body = _wait(nodes, sub_id)
    assert body["status"] == "succeeded", (body, nodes.logs())
    expected = evaluators.score_folder("kits21", preds, nodes.dataset / "references").metrics_json
    assert body["metrics"]["aggregates"] == expected["aggregates"]
    assert body["metrics"]["reference_digest"] == expected["reference_digest"]
    board = _board(nodes, nodes.phase_id)
    assert [(r["rank"], r["participant"], r["submission_id"]) for r in board["rows"]] == [
        (1, "alice", sub_id)], nodes.logs()
    for column in board["columns"]:
        assert board["rows"][0]["values"][column["key"]] == expected["ranking_scores"][column["key"]]

    # The web node's folder holds no uploaded file (nor anything else); the bucket has it all.
    assert _files(nodes.web_var) == [], _files(nodes.web_var)
    keys = nodes.s3.keys()
    assert [k for k in keys if k.startswith("media/submissions/") and k.endswith("/preds.zip")]
    assert len([k for k in keys if k.startswith(f"media/predictions/{sub_id}/1/")]) == 3
    # The worker cleaned its scratch; only the content-addressed reference cache stays.
    left = _files(nodes.worker_var)
    assert all(p.startswith("work/datasets/") for p in left), left
    inputs = requests.get(f"{nodes.url}/api/v1/phases/{nodes.phase_id}/inputs/", headers=nodes.headers)
    assert inputs.status_code == 200 and inputs.content[:2] == b"PK"
    assert _files(nodes.web_var) == []


def _engine_ready() -> str | None:
    """None when Podman and the example image are usable here, else the reason."""
    socket = Path("/run/podman/podman.sock")
    if not socket.exists():
        return f"{socket} is missing (run containers/prepare_tests.sh as root)"
    found = subprocess.run(["podman", "image", "exists", "localhost/arena/example-good:latest"],
                           capture_output=True)
    if found.returncode != 0:
        return "image localhost/arena/example-good is not built (run containers/build_images.sh)"
    return None


@pytest.mark.containers
def test_algorithm_submission_on_a_gpu_queue_worker_node(nodes, tmp_path):
    """A second worker node (queue gpu, own folder) loads nothing it has (the engine already
    holds the image), runs the container on inputs staged from the bucket, stores the outputs;
    the cpu node scores them."""
    reason = _engine_ready()
    # The container tier's rule: a missing engine or image fails with its reason; the only way
    # out is ARENA_SKIP_CONTAINERS=1, which skips every "containers" test (tests/conftest.py).
    assert reason is None, f"{reason} (set ARENA_SKIP_CONTAINERS=1 to opt out of the container tier)"
    archive = tmp_path / "good.tar"
    subprocess.run(["podman", "save", "--format", "docker-archive", "-o", str(archive),
                    "localhost/arena/example-good:latest"], check=True, capture_output=True)
    gpu_var = nodes.root / "gpu-node"
    nodes.start_worker(gpu_var, "gpu", ARENA_ENGINE_URL="unix:///run/podman/podman.sock",
                       ARENA_KEEP_LOADED_IMAGES="1")
    with archive.open("rb") as fh:
        response = requests.post(f"{nodes.url}/api/v1/phases/{nodes.algo_id}/submissions/",
                                 headers=nodes.headers, files={"file": ("good.tar", fh)},
                                 timeout=600)
    assert response.status_code == 201, response.text
    sub_id = response.json()["id"]
    body = _wait(nodes, sub_id, timeout=480)
    assert body["status"] == "succeeded", (body, nodes.logs(tail=8000))
    dice = [stats["mean"] for region in body["metrics"]["aggregates"].values()
            for metric, stats in region.items() if metric == "dice"]
    assert dice and all(value == pytest.approx(1.0) for value in dice)
    board = _board(nodes, nodes.algo_id)
    assert [r["submission_id"] for r in board["rows"]] == [sub_id]
    assert _files(nodes.web_var) == []
    left = _files(gpu_var)
    assert all(p.startswith("work/datasets/") for p in left), left
    assert any("/inputs/" in p for p in left), left  # this node staged the test images
    assert len([k for k in nodes.s3.keys(f"media/predictions/{sub_id}/1/")]) == 3
