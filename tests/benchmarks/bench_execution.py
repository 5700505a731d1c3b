"""Execution benchmark (not a test), against the real Podman engine.

1. Per-job overhead of an algorithm run for a 10-case test set, excluding the algorithm's own
   run: the whole gpu-queue job (``arena.execution.runner.run_job``: stale-container sweep,
   image check, input provisioning, /output tmpfs, container create/start/stop/remove, output
   validation + collection, hand-over) minus the container's own runtime. Goal < 2 s.
2. Import of a ~1 GB image archive (.tar.gz, incompressible layer): streaming validation +
   gzip decompression + load into the engine, in a fresh process; peak RSS. Goal < 200 MB.

    make bench-execution     # or: .venv/bin/python tests/benchmarks/bench_execution.py
Needs containers/setup_engine.sh and containers/build_images.sh to have run (as root).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOCKET = "unix:///run/podman/podman.sock"
BIG_TAG = "localhost/arena/bench-1g:latest"


def _django(var_dir: str) -> None:
    for path in (REPO / "tests" / "containers", REPO / "platform", REPO):
        sys.path.insert(0, str(path))
    os.environ.update(ARENA_VAR_DIR=var_dir, DJANGO_SETTINGS_MODULE="arena.settings",
                      ARENA_MODE="development",
                      ARENA_LOG_LEVEL="WARNING", ARENA_ENGINE_URL=SOCKET)
    for key in ("DATABASE_URL", "CELERY_BROKER_URL"):
        os.environ.pop(key, None)  # embedded SQLite + filesystem broker: hand-over = a message
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_job_overhead(runs: int, shape: tuple[int, int, int], n_cases: int = 10) -> dict:
    """Median/max overhead (s) of an ``n_cases`` job with the good example image, on the
    storage the environment selects (``ARENA_STORAGE``; bench_storage.py sets S3). The first
    run (it downloads the dataset into the worker's cache) is reported apart as ``cold``."""
    var_dir = tempfile.mkdtemp(prefix="arena-bench-exec-")
    _django(var_dir)
    from django.contrib.auth import get_user_model
    from phantom import write_dataset

    from arena.challenges.models import Challenge, Phase
    from arena.challenges.services import configure_phase_dataset
    from arena.execution import runner
    from arena.execution.backends import get_backend
    from arena.execution.models import AlgorithmImage, Job
    from arena.submissions.models import Submission

    dataset = Path(var_dir) / "dataset"
    write_dataset(dataset, n_cases=n_cases, shape=shape)
    image_id = get_backend().client.images.get("localhost/arena/example-good:latest").id
    user = get_user_model().objects.create_user("bench", "b@example.org", "pw")
    phase = Phase.objects.create(challenge=Challenge.objects.create(slug="b", title="B"),
                                 slug="p", title="P", task="kits21", kind="algorithm",
                                 memory_mb=2048, cpus=1, quota_count=0)
    configure_phase_dataset(phase, dataset)
    rows, cold = [], {}
    for i in range(runs + 1):  # the first run warms caches and is not counted
        sub = Submission.objects.create(phase=phase, creator=user, kind="algorithm",
                                        status="queued", file="x.tar")
        image = AlgorithmImage.objects.create(
            submission=sub, phase=phase, image_id=image_id, archive_sha256="0" * 64,
            size_bytes=0, architecture="amd64", user="1000:1000")
        job = Job.objects.create(submission=sub, submission_attempt=1, image=image)
        started = time.monotonic()
        if os.environ.get("ARENA_BENCH_PROFILE") and i == runs:
            import cProfile
            import pstats

            cProfile.runctx("runner.run_job(job.pk)", globals(), locals(), "/tmp/arena-job.prof")
            pstats.Stats("/tmp/arena-job.prof").sort_stats("cumtime").print_stats(25)
        else:
            runner.run_job(job.pk)
        wall = time.monotonic() - started
        job.refresh_from_db()
        assert job.status == "succeeded", (job.reason, job.error)
        row = {"wall_s": wall, "container_runtime_s": job.runtime_s,
               "overhead_s": wall - job.runtime_s, "provision_collect_s": job.overhead_s}
        if i:
            rows.append(row)
        else:
            cold = {k: round(v, 3) for k, v in row.items()}
        AlgorithmImage.objects.filter(pk=image.pk).delete()  # same image again next round
    overheads = [r["overhead_s"] for r in rows]
    return {
        "cases": n_cases, "shape_zyx": list(shape), "runs": runs, "cold_first_run": cold,
        "storage": os.environ.get("ARENA_STORAGE", "filesystem"),
        "overhead_median_s": round(statistics.median(overheads), 3),
        "overhead_max_s": round(max(overheads), 3),
        "provision_collect_median_s": round(statistics.median(r["provision_collect_s"] for r in rows), 3),
        "container_runtime_median_s": round(statistics.median(r["container_runtime_s"] for r in rows), 3),
        "goal_s": 2.0,
    }


def _build_big_archive(work: Path, size_mb: int) -> Path:
    archive = work / "bench-1g.tar.gz"
    context = work / "ctx"
    context.mkdir()
    (context / "Containerfile").write_text(
        "ARG BASE_IMAGE=localhost/arena/base-os:latest\nFROM ${BASE_IMAGE}\n"
        f"RUN head -c {size_mb}M /dev/urandom > /opt/weights.bin\nUSER 1000:1000\n"
        'ENTRYPOINT ["python3", "-c", "print(1)"]\n')
    subprocess.run(["podman", "build", "-q", "--network", "none", "-t", BIG_TAG, str(context)],
                   check=True, capture_output=True)
    with open(archive, "wb") as out:
        save = subprocess.Popen(["podman", "save", "--format", "docker-archive", BIG_TAG],
                                stdout=subprocess.PIPE)
        subprocess.run(["gzip", "-1"], stdin=save.stdout, stdout=out, check=True)
        save.wait()
    subprocess.run(["podman", "rmi", "-f", BIG_TAG], check=True, capture_output=True)
    return archive


# Peak RSS from VmHWM (the fresh mm after exec); ru_maxrss would inherit the parent's peak.
IMPORT_CHILD = r"""
import json, sys, time
def hwm_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
sys.path[:0] = [sys.argv[2] + "/platform", sys.argv[2]]
from pathlib import Path
from arena.execution.backends.docker_api import DockerApiBackend
from arena.execution.imagearchive import inspect_archive, open_tar_stream
path = Path(sys.argv[1])
t0 = time.monotonic()
info = inspect_archive(path, 20 * 2**30)
t1 = time.monotonic()
rss_validate = hwm_mb()
backend = DockerApiBackend(sys.argv[3])
with open_tar_stream(path) as stream:
    backend.load_image(stream, info.image_id)
t2 = time.monotonic()
print(json.dumps({"image_id": info.image_id, "layers_mb": round(info.size_bytes / 2**20),
                  "validate_s": round(t1 - t0, 2),
                  "peak_rss_after_validate_mb": round(rss_validate, 1), "load_s": round(t2 - t1, 2),
                  "peak_rss_mb": round(hwm_mb(), 1)}))
"""


def bench_import(size_mb: int) -> dict:
    """Validate + load a ~1 GB .tar.gz archive in a fresh process; peak RSS of that process."""
    with tempfile.TemporaryDirectory(prefix="arena-bench-import-") as tmp:
        archive = _build_big_archive(Path(tmp), size_mb)
        out = subprocess.run([sys.executable, "-c", IMPORT_CHILD, str(archive), str(REPO), SOCKET],
                             check=True, capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        result["archive_mb"] = round(archive.stat().st_size / 2**20)
        subprocess.run(["podman", "rmi", "-f", result["image_id"]], capture_output=True)
    result["goal_peak_rss_mb"] = 200
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shape", default="64,256,256", help="z,y,x of each test volume")
    parser.add_argument("--image-mb", type=int, default=1000)
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()
    shape = tuple(int(v) for v in args.shape.split(","))
    report = {"job_overhead": bench_job_overhead(args.runs, shape)}
    print(json.dumps(report, indent=1), flush=True)
    if not args.skip_import:
        report["image_import"] = bench_import(args.image_mb)
    results = REPO / "tests" / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "execution.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
