"""The nnU-Net baseline submitted like a participant's algorithm (issue 5).

For KiTS and AMOS the image built offline from the tiny CPU model (``nnunet_trained``: trained
once per session, shared with the pipeline and container tests) is saved as a plain ``docker
save`` archive, uploaded to an algorithm phase through ``POST /api/v1/phases/<id>/submissions/``
of a real stack (HTTP server + Celery worker on PostgreSQL + Redis), loaded from that archive by
the worker into Podman, run in the production sandbox on unseen phantom cases, scored by the
platform (Dice > 0.5 on the large structures) and ranked on the phase's leaderboard.
Timings go to tests/artifacts/nnunet_submission_<task>.json.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from conftest import SOCKET_URL

from baselines.phantoms import generate_dataset

pytestmark = [pytest.mark.slow, pytest.mark.containers]
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))
ARTIFACTS = REPO / "tests" / "artifacts"
#: task -> (unseen test cases of its phase, regions whose platform Dice must exceed 0.5)
PHASES = {
    "kits21": (["kits_0100", "kits_0101"], ["kidney_and_mass"]),
    "amos22": (["amos_0101", "amos_0102"], ["liver", "spleen"]),
}

SEED = """
import json
from django.contrib.auth import get_user_model
from arena.api.tokens import issue_token
from arena.challenges.models import Challenge, Phase
from arena.challenges.services import configure_phase_dataset
user = get_user_model().objects.create_user("nnunet-team", "nnunet@example.org", "pw-nnunet-123")
challenge = Challenge.objects.create(slug="nnunet-baselines", title="nnU-Net baselines")
phases = {{}}
for order, (task, dataset) in enumerate(json.loads(r'{datasets}').items()):
    phase = Phase.objects.create(challenge=challenge, slug=task.replace("_", "-"), title=task,
        task=task, order=order, kind="algorithm", time_limit_s=600, memory_mb=4096, cpus=2,
        hide_logs=False, quota_count=0, max_upload_mb=4096)
    configure_phase_dataset(phase, dataset)
    phases[task] = phase.pk
print(json.dumps({{"token": issue_token(user, "tests")[1], "phases": phases}}))
"""


@pytest.fixture(scope="module")
def arena(engine, tmp_path_factory):
    """A started stack with one algorithm phase per task of :data:`PHASES` (2 unseen small
    phantom cases each) and an approved participant; ``phases`` maps task -> phase id."""
    from stack import Stack

    root = tmp_path_factory.mktemp("nnunet-submission")
    datasets = {task: str(generate_dataset(task, root / "phases" / task, case_ids=cases, seed=101))
                for task, (cases, _) in PHASES.items()}
    (root / "var").mkdir()
    stack = Stack(root / "var", "postgres")
    # Loaded images are removed by the test itself without pruning the build cache of the next;
    # the CPU image's archive (~1.7 GB) is close to the default 2048 MB upload cap.
    stack.env.update(ARENA_ENGINE_URL=SOCKET_URL, ARENA_KEEP_LOADED_IMAGES="1",
                     ARENA_MAX_UPLOAD_MB="4096")
    try:
        stack.start()
        seeded = json.loads(stack.manage("shell", "-c", SEED.format(datasets=json.dumps(datasets)))
                            .strip().splitlines()[-1])
        stack.headers = {"Authorization": f"Token {seeded['token']}"}
        stack.phases = seeded["phases"]
        joined = requests.post(f"{stack.url}/api/v1/challenges/nnunet-baselines/join/",
                               headers=stack.headers, timeout=30)
        assert joined.json()["status"] == "approved", joined.text
        yield stack
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.stop()
        shutil.rmtree(root / "var" / "media", ignore_errors=True)  # the stored 1.7 GB uploads


@pytest.fixture(scope="module")
def baseline_archive(nnunet_trained, tmp_path_factory):
    """``baseline_archive(task) -> (archive, image tag, build+save seconds)``: the image of the
    task's tiny model built by containers/nnunet/build.sh (every layer but the model's comes from
    the build cache) and saved as a plain .tar. Archives are removed afterwards."""
    out = tmp_path_factory.mktemp("nnunet-archives")

    def build(task: str) -> tuple[Path, str, float]:
        model, _ = nnunet_trained(task)
        tag, archive = f"localhost/arena/nnunet-{task}-submission:latest", out / f"nnunet-{task}.tar"
        started = time.perf_counter()
        result = subprocess.run(["bash", "containers/nnunet/build.sh", str(model), tag], cwd=REPO,
                                env={**os.environ, "ARENA_SAVE": str(archive)},
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stderr[-3000:]
        return archive, tag, time.perf_counter() - started

    yield build
    shutil.rmtree(out, ignore_errors=True)


def _forget_image(engine, image_id: str) -> None:
    """Untag ``image_id`` everywhere (build cache kept: noprune) so that the worker has to load
    it from the uploaded archive. Another tag of the same id can only be the container test's
    image of the same model, already run in this session."""
    for tag in engine.client.images.get(image_id).tags:
        engine.client.images.remove(tag, noprune=True)
    if engine.image_exists(image_id):
        engine.client.images.remove(image_id, noprune=True)
    assert not engine.image_exists(image_id), f"image {image_id[:19]} is still in the engine"


class _MultipartFile:
    """``multipart/form-data`` body of one file field, read from disk in chunks with its length
    known up front (``requests(files=...)`` would hold the 1.7 GB body in memory)."""

    def __init__(self, path: Path, field: str = "file"):
        self.boundary = uuid.uuid4().hex
        head = (f'--{self.boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                f'filename="{path.name}"\r\nContent-Type: application/x-tar\r\n\r\n').encode()
        tail = f"\r\n--{self.boundary}--\r\n".encode()
        self._length = len(head) + path.stat().st_size + len(tail)
        self._parts = [io.BytesIO(head), open(path, "rb"), io.BytesIO(tail)]

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        out = b""
        while self._parts and (size < 0 or len(out) < size):
            chunk = self._parts[0].read(-1 if size < 0 else size - len(out))
            if not chunk:
                self._parts.pop(0).close()
            out += chunk
        return out


def _upload(arena, phase_id: int, archive: Path) -> int:
    body = _MultipartFile(archive)
    response = requests.post(
        f"{arena.url}/api/v1/phases/{phase_id}/submissions/", data=body, timeout=600,
        headers={**arena.headers, "Content-Type": f"multipart/form-data; boundary={body.boundary}"})
    assert response.status_code == 201, response.text[-2000:]
    return response.json()["id"]


def _wait(arena, sub_id: int, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        arena.check_alive()
        body = requests.get(f"{arena.url}/api/v1/submissions/{sub_id}/", headers=arena.headers,
                            timeout=30).json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        time.sleep(1)
    raise AssertionError(f"submission {sub_id} did not finish:\n{arena.logs()}")


def _leaderboard(arena, phase_id: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        board = requests.get(f"{arena.url}/api/v1/phases/{phase_id}/leaderboard/", timeout=30).json()
        if board["rows"] or time.monotonic() > deadline:
            return board
        time.sleep(0.5)


@pytest.mark.parametrize("task", sorted(PHASES))
def test_baseline_image_submitted_through_the_api_is_scored_and_ranked(
    task, engine, arena, baseline_archive
):
    archive, tag, build_s = baseline_archive(task)
    image_id = engine.client.images.get(tag).id
    phase_id = arena.phases[task]
    _forget_image(engine, image_id)
    started = time.perf_counter()
    sub_id = _upload(arena, phase_id, archive)
    upload_s = time.perf_counter() - started
    archive.unlink()
    try:
        body = _wait(arena, sub_id)
    finally:
        loaded = engine.image_exists(image_id)  # only the worker can have loaded it, from the upload
        if loaded:
            engine.client.images.remove(image_id, noprune=True)
    done_s = time.perf_counter() - started
    assert body["status"] == "succeeded", (body, arena.logs(tail=6000))
    assert loaded, f"the worker did not load image {image_id[:19]} from the uploaded archive"
    job = requests.get(f"{arena.url}/api/v1/submissions/{sub_id}/job/", headers=arena.headers,
                       timeout=30).json()
    assert (job["status"], job["attempt"], job["exit_code"]) == ("succeeded", 1, 0), job
    aggregates = body["metrics"]["aggregates"]
    dice = {region: aggregates[region]["dice"]["mean"] for region in PHASES[task][1]}
    board = _leaderboard(arena, phase_id)
    assert len(board["rows"]) == 1, (board, arena.logs(tail=6000))
    (row,) = board["rows"]
    assert (row["rank"], row["participant"], row["submission_id"]) == (1, "nnunet-team", sub_id)
    ranking = body["metrics"]["ranking_scores"]
    first = board["columns"][0]["key"]
    assert row["values"][first] == pytest.approx(ranking[first])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"nnunet_submission_{task}.json").write_text(json.dumps(
        {"build_and_save_s": round(build_s, 1), "upload_s": round(upload_s, 1),
         "upload_to_scored_s": round(done_s, 1),
         "container_runtime_s": job["runtime_s"], "peak_memory_mb": job["peak_memory_mb"], "archive_mb": round(body["size"] / 2**20),
         "dice": dice, "leaderboard_row": row}, indent=1, default=str))
    print(f"\nnnU-Net {task} via API: build+save {build_s:.0f} s, upload {upload_s:.0f} s, "
          f"upload->scored {done_s:.0f} s (container {job['runtime_s']} s), dice {dice}, leaderboard rank {row['rank']} "
          f"{first}={row['values'][first]:.3f}")
    for region, value in dice.items():
        assert value > 0.5, f"{task} {region}: platform mean dice {value:.3f} <= 0.5"
