"""Leaderboard benchmark (not a test): N submissions × M cases on PostgreSQL.

Creates a fresh database, fills one kits21 phase with ``--submissions`` scored submissions of
``--participants`` participants (``--cases`` cases each, full per-case ``metrics_json``), then
measures the ranking recompute, the robustness analysis of the board (the Celery task's work:
bootstrap + significance of the best 50 entries, run once here) and the p50/p95 of the leaderboard API (JSON and CSV) and the
leaderboard web page through Django's in-process test client. Goal: p95 < 300 ms, recompute < 2 s.

    make bench-platform          # or: .venv/bin/python tests/benchmarks/bench_leaderboard.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def _setup(db_name: str, var_dir: str) -> None:
    for path in (REPO / "platform", REPO):
        sys.path.insert(0, str(path))
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db_name}",
        ARENA_VAR_DIR=var_dir,
        DJANGO_SETTINGS_MODULE="arena.settings",
        ARENA_MODE="development",  # no HTTPS redirect for the test client; DEBUG off below
        DJANGO_DEBUG="0",
        ARENA_LOG_LEVEL="WARNING",
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def _metrics(rng: random.Random, quality: float, cases: int) -> dict:
    regions = ["kidney_and_mass", "mass", "tumor"]
    per_case = {}
    for i in range(cases):
        per_case[f"case_{i:05d}"] = {
            r: {
                "dice": min(1.0, max(0.0, rng.gauss(quality, 0.08))),
                "surface_dice": min(1.0, max(0.0, rng.gauss(quality, 0.1))),
            }
            for r in regions
        }
    aggregates, ranking = {}, {}
    for r in regions:
        aggregates[r] = {}
        for m in ("dice", "surface_dice"):
            values = [per_case[c][r][m] for c in per_case]
            mean = statistics.fmean(values)
            aggregates[r][m] = {
                "mean": mean,
                "std": statistics.pstdev(values),
                "median": statistics.median(values),
                "count": len(values),
            }
            ranking[f"{r}/{m}"] = mean
    ranking["mean_dice"] = statistics.fmean(ranking[f"{r}/dice"] for r in regions)
    ranking["mean_sd"] = statistics.fmean(ranking[f"{r}/surface_dice"] for r in regions)
    return {
        "task": "kits21",
        "evaluators_version": "0.1.0",
        "reference_digest": "0" * 64,
        "case": per_case,
        "aggregates": aggregates,
        "ranking_scores": ranking,
        "missing_cases": [],
        "extra_files": [],
        "notes": [],
    }


def _fill(n_submissions: int, n_participants: int, cases: int):
    from django.contrib.auth import get_user_model

    from arena.challenges.models import Challenge, Phase
    from arena.evaluation.models import Evaluation
    from arena.participation.models import Registration
    from arena.submissions.models import Submission

    User = get_user_model()
    rng = random.Random(0)
    challenge = Challenge.objects.create(slug="bench", title="Bench")
    phase = Phase.objects.create(challenge=challenge, slug="p", title="P", task="kits21")
    users = User.objects.bulk_create(
        [User(username=f"user{i:05d}", password="!") for i in range(n_participants)]
    )
    Registration.objects.bulk_create(
        [Registration(user=u, challenge=challenge, status="approved") for u in users]
    )
    subs = Submission.objects.bulk_create(
        [
            Submission(phase=phase, creator=users[i % n_participants], status="succeeded")
            for i in range(n_submissions)
        ]
    )
    batch = []
    for sub in subs:
        m = _metrics(rng, rng.uniform(0.5, 0.95), cases)
        batch.append(
            Evaluation(
                submission=sub,
                attempt=1,
                evaluators_version="0.1.0",
                reference_digest="0" * 64,
                metrics_json=m,
                aggregates=m["aggregates"],
                ranking_scores=m["ranking_scores"],
            )
        )
        if len(batch) == 200:
            Evaluation.objects.bulk_create(batch)
            batch = []
    Evaluation.objects.bulk_create(batch)
    return phase, users[0]


def _times(fn, repeat: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    import psycopg

    db_name = f"arena_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            _setup(db_name, var_dir)
            from django.db import connection
            from django.test import Client

            from arena.leaderboards.services import recompute_leaderboard

            t0 = time.perf_counter()
            phase, viewer = _fill(args.submissions, args.participants, args.cases)
            print(
                f"filled {args.submissions} submissions x {args.cases} cases, "
                f"{args.participants} participants in {time.perf_counter() - t0:.1f} s"
            )
            recompute = _times(lambda: recompute_leaderboard(phase), 5)
            from arena.leaderboards.robustness import compute_robustness

            t0 = time.perf_counter()
            analysis = compute_robustness(phase)
            print(f"robustness analysis ({analysis.status}, {analysis.entries} entries, "
                  f"{analysis.samples} samples): {time.perf_counter() - t0:.1f} s")
            client = Client()
            client.force_login(viewer)
            results = {"ranking recompute": recompute}
            urls = {
                "API leaderboard (JSON)": f"/api/v1/phases/{phase.pk}/leaderboard/",
                "API leaderboard (CSV)": f"/api/v1/phases/{phase.pk}/leaderboard/?format=csv",
                "web leaderboard page": f"/phases/{phase.pk}/leaderboard/",
            }
            for label, url in urls.items():
                status = client.get(url).status_code
                if status != 200:
                    print(f"{label}: HTTP {status}, skipped")
                    continue
                results[label] = _times(lambda url=url: client.get(url), args.repeat)
            print(f"\n{'measurement':28s} {'p50 ms':>9s} {'p95 ms':>9s} {'max ms':>9s}  (n)")
            for label, values in results.items():
                print(
                    f"{label:28s} {_pct(values, 0.5):9.1f} {_pct(values, 0.95):9.1f} "
                    f"{max(values):9.1f}  ({len(values)})"
                )
            page = client.get(urls["web leaderboard page"]).content.decode()
            present = all(f'id="chart-{n}"' in page for n in ("blob", "tau", "significance"))
            print(f"robustness figures on the page: {'yes' if present else 'NO'} "
                  f"({len(page) / 1e3:.0f} kB HTML)")
            rows = client.get(urls["API leaderboard (JSON)"]).json()["rows"]
            print(f"\nboard rows: {len(rows)}; database: {connection.vendor} {db_name}")
            connection.close()
    finally:
        if not args.keep_db:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
