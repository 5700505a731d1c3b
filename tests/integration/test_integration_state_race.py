"""Workers racing for the same submission on real PostgreSQL (row locks with
``select_for_update``): exactly one claim, one finish (one Evaluation, one notification), one
terminal status when a cancel meets a finish, one failure reason when two workers fail.
The driver (state_race.py) runs in a subprocess against a fresh database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

pytestmark = [pytest.mark.integration]

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def race_results(tmp_path):
    db = f"arena_race_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is needed for this test: {exc}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db}",
        CELERY_BROKER_URL="memory://",
        DJANGO_SETTINGS_MODULE="arena.settings",
        ARENA_MODE="development",
        ARENA_VAR_DIR=str(tmp_path / "var"),
        PYTHONPATH=os.pathsep.join([str(REPO / "platform"), str(REPO)]),
    )
    try:
        proc = subprocess.run(
            [sys.executable, str(HERE / "state_race.py")],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-4000:]
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RACE-JSON ")]
        assert lines, f"the race driver printed no result:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        yield json.loads(lines[-1].removeprefix("RACE-JSON "))
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def test_workers_racing_for_one_submission(race_results):
    for row in race_results["claim"]:
        assert row["errors"] == []
        assert row["winners"] == 1, row
        assert row["status"] == "evaluating"
        assert [c[:2] for c in row["changes"]] == [["queued", "evaluating"]]

    for row in race_results["finish"]:
        assert row["errors"] == []
        assert row["winners"] == 1, row
        assert row["status"] == "succeeded"
        assert row["evaluations"] == 1 and row["notifications"] == 1
        assert [c[:2] for c in row["changes"]] == [["evaluating", "succeeded"]]

    for row in race_results["cancel_vs_finish"]:
        assert row["errors"] == []
        assert len(row["changes"]) == 1, row  # exactly one terminal move
        assert row["changes"][0][1] == row["status"] in ("succeeded", "cancelled")
        assert row["evaluations"] == (1 if row["status"] == "succeeded" else 0)
        if row["status"] == "cancelled":
            assert row["error"] == "Cancelled by olga."

    for row in race_results["fail_vs_fail"]:
        assert row["errors"] == []
        assert row["winners"] == 1, row
        assert row["status"] == "failed" and row["notifications"] == 1
        assert len(row["changes"]) == 1 and row["changes"][0][2] == row["error"]
        assert row["error"] in ("worker A crashed", "worker B crashed")
