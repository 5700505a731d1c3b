"""A worker process killed in the middle of a scoring task: the message comes back
(``acks_late`` + ``reject_on_worker_lost``), the task runs again, and the result is written
exactly once. Deterministic: the test holds a SHARE lock on the Evaluation table, so the scoring
task blocks on its INSERT (holding the submission row lock) until the test lets it go."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psycopg
import pytest
import requests
from synthdata import make_predictions, zip_folder

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _wait(predicate, stack, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}:\n{stack.logs()}")


def _blocked_inserts(conn) -> int:
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query ILIKE 'INSERT INTO \"evaluation_evaluation\"%%'"
    ).fetchone()[0]


def test_killed_worker_task_runs_again_and_writes_once(pg_stack, it_dataset, tmp_path):
    stack = pg_stack
    headers = {"Authorization": f"Token {stack.token}"}
    api = f"{stack.url}/api/v1"
    requests.post(f"{api}/challenges/kits-it/join/", headers=headers).raise_for_status()
    worker = stack.procs[0][0]
    dsn = stack.env["DATABASE_URL"].replace("postgres://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as watcher, psycopg.connect(dsn) as locker:
        locker.execute("LOCK TABLE evaluation_evaluation IN SHARE MODE")  # held until commit
        preds = make_predictions(it_dataset, tmp_path / "preds", shift=1)
        response = requests.post(
            f"{api}/phases/{stack.phase_id}/submissions/",
            headers=headers,
            files={"file": ("preds.zip", zip_folder(preds))},
        )
        assert response.status_code == 201, response.text
        sub_id = response.json()["id"]
        _wait(lambda: _blocked_inserts(watcher) == 1, stack, "the scoring task to block")
        children = _children(worker.pid)
        assert len(children) == 1, children
        os.kill(children[0], signal.SIGKILL)
        # The replacement pool process receives the same message again and blocks again.
        _wait(
            lambda: _blocked_inserts(watcher) == 1 and _children(worker.pid) not in ([], children),
            stack,
            "the redelivered task to block again",
        )
        status = requests.get(f"{api}/submissions/{sub_id}/", headers=headers).json()["status"]
        assert status == "evaluating"
        locker.commit()  # let it finish
    body = _wait(
        lambda: (
            lambda b: b if b["status"] in ("succeeded", "failed") else None
        )(requests.get(f"{api}/submissions/{sub_id}/", headers=headers).json()),
        stack,
        "the submission to finish",
    )
    assert body["status"] == "succeeded", body
    assert body["attempt"] == 1
    with psycopg.connect(dsn) as conn:
        count = conn.execute(
            "SELECT count(*) FROM evaluation_evaluation WHERE submission_id = %s", (sub_id,)
        ).fetchone()[0]
    assert count == 1
    log = (stack.var_dir / "worker.log").read_text()
    assert "WorkerLostError" in log or "exited prematurely" in log, log[-3000:]
