"""Storage benchmark (not a test): object storage through a real S3-protocol server process
(moto's standalone server, a stand-in for a real S3 service).

1. A ~1 GB container image archive uploaded through a web node (``make web``: gunicorn) and
   imported by a gpu worker node (``make worker QUEUES=gpu``, next to a ``QUEUES=cpu`` node for
   validation: download from S3 into scratch, streaming
   validation, streamed load into Podman) — nodes in separate ARENA_VAR_DIRs sharing only
   PostgreSQL, Redis and the S3 server. Peak RSS (VmHWM) of every web and worker process, and
   of a fresh worker-side process doing only the import (then loading evaluators' scoring stack,
   whose SimpleITK/SciPy pages are most of a scoring worker's resident size; ``import
   evaluators`` alone loads none of it, so a worker that never scores stays small). Goal < 200 MB.
2. Per-job overhead of an algorithm run with S3 staging for a 50-case phase
   (``bench_execution.bench_job_overhead`` on ``ARENA_STORAGE=s3``): the first (cold) run
   downloads the dataset into the worker's cache; later runs stage from that cache and upload
   the outputs to S3. Goal < 2 s.

    .venv/bin/python tests/benchmarks/bench_storage.py [--image-mb 1000] [--runs 3]
Needs containers/setup_engine.sh and containers/build_images.sh (Podman, example images),
PostgreSQL and Redis on 127.0.0.1 (as for the integration tests).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
for _path in (REPO / "tests" / "integration", REPO / "tests" / "containers",
              REPO / "tests" / "benchmarks", REPO):
    sys.path.insert(0, str(_path))

SEED = """
from django.contrib.auth import get_user_model
from arena.api.tokens import issue_token
from arena.challenges.models import Challenge, Phase
from arena.challenges.services import configure_phase_dataset
from arena.participation.models import Registration
user = get_user_model().objects.create_user("bench", "bench@example.org", "pw-bench-123")
challenge = Challenge.objects.create(slug="bench", title="Bench")
phase = Phase.objects.create(challenge=challenge, slug="algo", title="Algo", task="kits21",
    kind="algorithm", time_limit_s=60, memory_mb=512, cpus=1, quota_count=0, max_upload_mb=2048)
configure_phase_dataset(phase, r"{dataset}")
Registration.objects.create(user=user, challenge=challenge, status="approved")
print(issue_token(user, "test")[1], phase.pk)
"""


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _tree_hwm(pid: int) -> list[dict]:
    """``[{"pid", "cmd", "peak_rss_mb"}]`` of ``pid`` and its descendants (VmHWM)."""
    tree, out, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        todo += tree.get(current, [])
        try:
            status = Path(f"/proc/{current}/status").read_text()
            cmd = Path(f"/proc/{current}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:90]
        except OSError:
            continue
        hwm = next((int(line.split()[1]) for line in status.splitlines()
                    if line.startswith("VmHWM:")), 0)
        if "python" in cmd or "gunicorn" in cmd or "celery" in cmd:
            out.append({"pid": current, "cmd": cmd.strip(), "peak_rss_mb": round(hwm / 1024, 1)})
    return out


# A fresh worker-side process: stage the stored archive from S3 into scratch, validate it
# streaming, load it into the engine streaming (what start_algorithm_run + run_job do), then
# the same process loads evaluators' scoring stack (what validation / scoring load on first use).
IMPORT_CHILD = r"""
import json, os, sys, time
from pathlib import Path
def hwm_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
sys.path[:0] = [sys.argv[2] + "/platform", sys.argv[2]]
os.environ["DJANGO_SETTINGS_MODULE"] = "arena.settings"
import django
django.setup()
from arena import files
from arena.execution.backends.docker_api import DockerApiBackend
from arena.execution.imagearchive import inspect_archive, open_tar_stream
base = hwm_mb()
t0 = time.monotonic()
local = files.download_file(sys.argv[1], Path(os.environ["ARENA_VAR_DIR"]) / "work" / "image")
t1 = time.monotonic()
info = inspect_archive(local, 20 * 2**30)
t2 = time.monotonic()
with open_tar_stream(local) as stream:
    DockerApiBackend(sys.argv[3]).load_image(stream, info.image_id)
t3 = time.monotonic()
local.unlink()
peak = hwm_mb()
from evaluators import score_folder, validate_folder  # noqa: F401 (loads SimpleITK, SciPy)
print(json.dumps({"image_id": info.image_id, "baseline_mb": base, "download_s": round(t1 - t0, 1),
                  "validate_s": round(t2 - t1, 1), "load_s": round(t3 - t2, 1),
                  "peak_rss_mb": peak, "after_importing_evaluators_mb": hwm_mb()}))
"""


def _fresh_import(nodes, key: str, var: Path) -> dict:
    env = nodes.env(var)
    out = subprocess.run([sys.executable, "-c", IMPORT_CHILD, key, str(REPO),
                          "unix:///run/podman/podman.sock"], env=env, capture_output=True,
                         text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    subprocess.run(["podman", "rmi", "-f", result.pop("image_id")], capture_output=True)
    return result


def bench_upload_and_import(image_mb: int) -> dict:
    """Part 1: 1 GB upload through the web node and import on a worker node, peak RSS."""
    from bench_execution import _build_big_archive
    from nodes import Nodes
    from phantom import write_dataset

    work = Path(tempfile.mkdtemp(prefix="arena-bench-storage-"))
    archive = _build_big_archive(work, image_mb)
    dataset = work / "dataset"
    write_dataset(dataset, n_cases=3, shape=(16, 32, 32))
    nodes = Nodes(work / "nodes")
    try:
        nodes.start_web(work / "web-node")
        token, phase_id = nodes.manage(work / "admin", "shell", "-c",
                                       SEED.format(dataset=dataset)).split()[-2:]
        # A cpu node (validation, scoring, boards) and a gpu node (the image import and the
        # container run), as in production: each role's peak is its own.
        nodes.start_worker(work / "worker-node", "cpu",
                           ARENA_ENGINE_URL="unix:///run/podman/podman.sock")
        nodes.start_worker(work / "gpu-node", "gpu",
                           ARENA_ENGINE_URL="unix:///run/podman/podman.sock")
        time.sleep(5)
        roles = {"web": 0, "worker_cpu": 1, "worker_gpu": 2}
        idle = {role: _tree_hwm(nodes.procs[i][0].pid) for role, i in roles.items()}
        started = time.monotonic()
        out = subprocess.run(
            ["curl", "-sS", "--fail-with-body", "-H", f"Authorization: Token {token}",
             "-F", f"file=@{archive}", f"{nodes.url}/api/v1/phases/{phase_id}/submissions/"],
            check=True, capture_output=True, text=True).stdout
        upload_s = time.monotonic() - started
        sub_id = json.loads(out)["id"]
        body: dict = {}
        while time.monotonic() - started < 1800:
            nodes.check_alive()
            body = json.loads(subprocess.run(
                ["curl", "-sS", "-H", f"Authorization: Token {token}",
                 f"{nodes.url}/api/v1/submissions/{sub_id}/"], capture_output=True, text=True,
                check=True).stdout)
            if body["status"] in ("succeeded", "failed", "cancelled"):
                break
            time.sleep(1)
        done_s = time.monotonic() - started
        peak = {role: _tree_hwm(nodes.procs[i][0].pid) for role, i in roles.items()}
        web_files = [p for p in (work / "web-node").rglob("*") if p.is_file()]
        # The gpu pool process's peak when the image import ended (the runner logs it), before
        # the job reads the task spec and the inputs' headers (SimpleITK, SciPy).
        gpu_log = nodes.procs[2][1].read_text(errors="replace")
        at_import = [float(line.rsplit("so far ", 1)[1].split()[0]) for line in
                     gpu_log.splitlines() if "image ready, worker peak RSS so far" in line
                     and "None" not in line]
        keys = [k for k in nodes.s3.keys("media/submissions/")]
        fresh = _fresh_import(nodes, keys[0].removeprefix("media/"), work / "fresh-worker")
    finally:
        nodes.stop()
        subprocess.run(["rm", "-rf", str(work)])
    return {
        "archive_mb": round(archive.stat().st_size / 2**20) if archive.exists() else image_mb,
        "upload_s": round(upload_s, 1), "upload_to_terminal_s": round(done_s, 1),
        # The bench image prints and exits without outputs: the job ends "failed: missing
        # output" after the image was validated, loaded and run, which is what is measured.
        "final_status": body.get("status"), "error": (body.get("error") or "")[:160],
        "stored_in_bucket": keys, "files_left_in_web_var": len(web_files),
        "idle_peak_rss_mb": {role: max(p["peak_rss_mb"] for p in procs)
                             for role, procs in idle.items() if procs},
        "processes": peak,
        "fresh_worker_process_import": fresh,
        "web_peak_rss_mb": max(p["peak_rss_mb"] for p in peak["web"]),
        "worker_cpu_peak_rss_mb": max(p["peak_rss_mb"] for p in peak["worker_cpu"]),
        "worker_gpu_peak_rss_mb": max(p["peak_rss_mb"] for p in peak["worker_gpu"]),
        "worker_gpu_peak_rss_mb_when_image_ready": max(at_import, default=None),
        "goal_peak_rss_mb": 200,
    }


def bench_overhead_s3(runs: int, shape: tuple[int, int, int], cases: int) -> dict:
    """Part 2, in this process: ARENA_STORAGE=s3 on a moto server, embedded database."""
    from tests.support.s3server import start_s3_server

    server = start_s3_server()
    try:
        os.environ.update(server.env())
        from bench_execution import bench_job_overhead

        return bench_job_overhead(runs, shape, n_cases=cases)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--shape", default="32,128,128", help="z,y,x of each test volume")
    parser.add_argument("--image-mb", type=int, default=1000)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-overhead", action="store_true")
    args = parser.parse_args()
    report: dict = {}
    if not args.skip_import:
        report["upload_and_import"] = bench_upload_and_import(args.image_mb)
        print(json.dumps(report, indent=1), flush=True)
    if not args.skip_overhead:
        shape = tuple(int(v) for v in args.shape.split(","))
        report["job_overhead_s3"] = bench_overhead_s3(args.runs, shape, args.cases)
    results = REPO / "tests" / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "storage.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
