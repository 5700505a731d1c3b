"""Load on PostgreSQL + Redis with the production web server: N concurrent submissions and M
concurrent leaderboard reads while scoring runs. Prints accepted / scored / lost / duplicated,
server errors (an upload answered 503 + Retry-After — the web process's upload slots and queue
full, nothing stored — is sent again after the wait and counted apart) and p50/p95 latencies:
of the uploads; of a burst of M anonymous board reads (all sent at once by a client process of
their own, plain ``http.client``, one connection each) one second after the uploads start, so they
compete with the uploads in the web processes; of the same burst once the uploads are in, while
the worker scores them; and of one visitor reading the board every 50 ms throughout. Writes
them to tests/benchmarks/results/load.json.

The stack is tests/faults/faultstack.py's: its own redis-server and PostgreSQL database, gunicorn
(``arena.wsgi``, production mode: DEBUG off; plain HTTP on the loopback, so the HTTPS redirect is
off) with pooled, bounded database connections (settings: psycopg pool, ARENA_DB_POOL_MAX per
process), and one Celery worker.

Run: ``.venv/bin/python tests/benchmarks/bench_load.py [--submissions 50] [--reads 200]
[--users 10] [--web-workers 2] [--threads 40] [--worker-concurrency 2]`` (``make web``'s
defaults).
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "faults"))
sys.path.insert(0, str(ROOT / "tests" / "platform"))

from faultstack import Stack  # noqa: E402
from synthdata import make_dataset, make_predictions, zip_folder  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) of ``values`` by nearest rank, in milliseconds (input: seconds)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


def _timed(call) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        result = call()
        status = result if isinstance(result, int) else result.status_code
    except (requests.RequestException, OSError, http.client.HTTPException):
        status = 0  # connection reset / refused / timeout
    return status, time.perf_counter() - started


def read_status(url: str) -> int:
    """GET ``url`` on a fresh connection and read the whole body; returns the status. Plain
    ``http.client``: 0.45 ms of client CPU per read against ``requests``' 2.1 ms (measured on
    this machine), so 200 reads at once from one process measured about 0.4 s of the client's
    own interpreter lock with ``requests``. Every read still opens its own connection and reads
    the whole answer: nothing of the server's work is saved or hidden."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("GET", parts.path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _burst(url: str, n: int, go, out) -> None:
    """Once ``go`` is set, ``n`` reads of ``url`` sent at once (a process of its own: the upload
    threads of the parent must not slow this client down; its threads are started before
    ``go``); puts ``[(status, seconds)]`` on ``out``."""
    with ThreadPoolExecutor(n) as pool:
        list(pool.map(lambda _: time.sleep(0.05), range(n)))  # start the n threads now
        go.wait(timeout=600)
        out.put(list(pool.map(lambda _: _timed(lambda: read_status(url)), range(n))))


def burst_client(url: str, n: int):
    """Start :func:`_burst` in a fresh process; returns ``(start, result)``: ``start()`` sends
    the burst, ``result()`` waits for its ``[(status, seconds)]``."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    child = ctx.Process(target=_burst, args=(url, n, go, out), daemon=True)
    child.start()

    def result() -> list[tuple[int, float]]:
        values = out.get(timeout=600)
        child.join(timeout=30)
        return values

    return go.set, result


def run(args: argparse.Namespace) -> dict:
    """Start the stack, apply the load, wait for scoring; returns the figures."""
    work = Path(tempfile.mkdtemp(prefix="arena-load-"))
    dataset = make_dataset(work / "dataset", n_cases=3)
    payloads = [
        zip_folder(make_predictions(dataset, work / f"preds{i}", shift=i % 3)) for i in range(3)
    ]
    stack = Stack(work / "stack", "postgres", env={
        "ARENA_MODE": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "ARENA_LOG_LEVEL": "WARNING",
        # production liveness defaults, not the fault suite's small ones
        "ARENA_HEARTBEAT_INTERVAL": "15", "ARENA_HEARTBEAT_TIMEOUT": "120",
        "ARENA_DISPATCH_GRACE": "30", "ARENA_SWEEP_INTERVAL": "30",
    })
    try:
        stack.seed(dataset, users=args.users)
        stack.start_web(workers=args.web_workers, threads=args.threads)
        stack.start_worker(concurrency=args.worker_concurrency)
        for token in stack.tokens:
            stack.api("post", "/challenges/kits-faults/join/", token=token).raise_for_status()
        board = f"{stack.url}/api/v1/phases/{stack.phase_id}/leaderboard/"
        started = time.perf_counter()
        ids: list[int] = []
        busy: list[int] = []
        # One reader that reads the board every 50 ms from the start until scoring is over: the
        # latency one visitor sees while the load runs (the burst below measures queueing).
        paced: list[tuple[int, float]] = []
        stop = threading.Event()

        def paced_reader() -> None:
            while not stop.is_set():
                paced.append(_timed(lambda: read_status(board)))
                stop.wait(0.05)

        start_reads, reads = burst_client(board, args.reads)
        start_reads2, reads2 = burst_client(board, args.reads)
        time.sleep(2.0)  # the client processes are up and waiting
        reader = threading.Thread(target=paced_reader, daemon=True)
        reader.start()
        with ThreadPoolExecutor(args.submissions) as uploads:
            def submit(i: int):
                # A 503 with Retry-After (every upload slot and queue place of the web process
                # taken, nothing stored) is sent again after the wait, as a client should; the
                # latency includes the wait, and the refusals are counted (``upload_busy_503``).
                for _ in range(10):
                    response = stack.submit(payloads[i % 3], token=stack.tokens[i % len(stack.tokens)])
                    if response.status_code != 503 or "Retry-After" not in response.headers:
                        break
                    busy.append(i)
                    time.sleep(float(response.headers["Retry-After"]))
                if response.status_code == 201:
                    ids.append(response.json()["id"])
                return response

            up = [uploads.submit(_timed, lambda i=i: submit(i)) for i in range(args.submissions)]
            # Board reads start once the first uploads are in, so they overlap the uploads and
            # scoring; they are sent by a client process of their own.
            time.sleep(1.0)
            start_reads()
            up_results = [f.result() for f in up]
            read_results = reads()
        upload_s = time.perf_counter() - started
        # The same burst once the uploads are in, while the worker still scores them.
        scoring_when_sent = sum(
            1 for o in stack.outcomes().values() if o["status"] not in ("succeeded", "failed"))
        start_reads2()
        scoring_results = reads2()
        deadline = time.monotonic() + args.settle
        outcomes: dict[int, dict] = {}
        while time.monotonic() < deadline:
            outcomes = stack.outcomes()
            if all(o["status"] in ("succeeded", "failed", "cancelled") for o in outcomes.values()):
                break
            time.sleep(1.0)
        total_s = time.perf_counter() - started
        stop.set()
        reader.join(timeout=70)
    finally:
        stack.stop()
    accepted = [s for s, _ in up_results if s == 201]
    return {
        "submissions": args.submissions,
        "board_reads": args.reads,
        "web": f"gunicorn {args.web_workers} workers x {args.threads} threads, psycopg pool",
        "worker_concurrency": args.worker_concurrency,
        "accepted": len(accepted),
        "refused_4xx": sum(1 for s, _ in up_results if 400 <= s < 500),
        "upload_busy_503": len(busy),
        "upload_server_errors": sum(1 for s, _ in up_results if s >= 500 or s == 0),
        "stored": len(outcomes),
        "scored": sum(1 for o in outcomes.values() if o["status"] == "succeeded"),
        "failed": sum(1 for o in outcomes.values() if o["status"] == "failed"),
        "lost": len(set(ids) - {k for k, o in outcomes.items() if o["status"] in ("succeeded", "failed")}),
        "duplicated": sum(1 for o in outcomes.values() if o["evaluations"] > 1 or o["final_moves"] > 1),
        "board_ok": sum(1 for s, _ in read_results if s == 200),
        "board_server_errors": sum(1 for s, _ in read_results if s >= 500 or s == 0),
        "upload_p50_ms": round(percentile([t for _, t in up_results], 0.50)),
        "upload_p95_ms": round(percentile([t for _, t in up_results], 0.95)),
        "board_p50_ms": round(percentile([t for _, t in read_results], 0.50)),
        "board_p95_ms": round(percentile([t for _, t in read_results], 0.95)),
        "board_mean_ms": round(statistics.fmean(t for _, t in read_results) * 1000),
        "scoring_burst_unfinished_submissions": scoring_when_sent,
        "scoring_burst_ok": sum(1 for s, _ in scoring_results if s == 200),
        "scoring_burst_server_errors": sum(1 for s, _ in scoring_results if s >= 500 or s == 0),
        "scoring_burst_p50_ms": round(percentile([t for _, t in scoring_results], 0.50)),
        "scoring_burst_p95_ms": round(percentile([t for _, t in scoring_results], 0.95)),
        "paced_board_reads": len(paced),
        "paced_board_server_errors": sum(1 for s, _ in paced if s >= 500 or s == 0),
        "paced_board_p50_ms": round(percentile([t for _, t in paced], 0.50)),
        "paced_board_p95_ms": round(percentile([t for _, t in paced], 0.95)),
        "uploads_and_reads_s": round(upload_s, 1),
        "all_final_s": round(total_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=50)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--settle", type=float, default=600, help="seconds to wait for scoring")
    figures = run(parser.parse_args())
    print(json.dumps(figures, indent=2))
    out = ROOT / "tests" / "benchmarks" / "results" / "load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
