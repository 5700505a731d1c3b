"""Faults on a real stack (own redis-server, own PostgreSQL database, gunicorn, a Celery worker;
or the embedded SQLite + filesystem broker): after each, every submission ends in one final
state exactly once, with exactly one result, within the sweep timeout.

Jobs are held still deterministically, not by timing: validation by a reference file swapped
for a FIFO (opening it blocks until the test puts the real file back), scoring by a SHARE lock
on the Evaluation table (its INSERT waits). The liveness timeouts are a few seconds here
(faultstack.FAST), so a lost task is taken over by the new worker's sweep long before the
broker's visibility timeout (hours) would hand its message back."""

from __future__ import annotations

import os
import socket
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from faultstack import wait_until
from synthdata import make_predictions, zip_folder

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def _wait(predicate, what: str, stack, timeout: float = 60.0):
    return wait_until(predicate, what, stack, timeout, poll=0.2)


def _payload(dataset: Path, tmp: Path) -> bytes:
    return zip_folder(make_predictions(dataset, tmp / f"preds-{uuid.uuid4().hex[:6]}", shift=1))


def _status(stack, sub_id: int) -> str:
    return stack.query("SELECT status FROM submissions_submission WHERE id = %s", (sub_id,))[0][0]


def _assert_each_scored_once(outcomes: dict[int, dict], expected: int) -> None:
    assert len(outcomes) == expected, outcomes
    for sub_id, outcome in outcomes.items():
        assert outcome["status"] == "succeeded", (sub_id, outcome)
        assert outcome["attempt"] == 1, (sub_id, outcome)
        assert outcome["evaluations"] == 1, (sub_id, outcome)
        assert outcome["final_moves"] == 1, (sub_id, outcome)


class HeldReference:
    """Swap one stored reference file (the phase's dataset in the stack's filesystem storage,
    ``ARENA_VAR_DIR/datasets/…/references/``) for a FIFO: a validation or scoring task that stages
    the references opens it and blocks until :meth:`release`."""

    def __init__(self, var_dir: Path):
        stored = sorted((var_dir / "datasets").rglob("references/case_00000.nii.gz"))
        assert len(stored) == 1, f"expected one stored reference case_00000, found {stored}"
        self.path = stored[0]
        self.kept = self.path.with_name("held-case_00000.nii.gz")
        os.replace(self.path, self.kept)
        os.mkfifo(self.path)

    def release(self) -> None:
        os.replace(self.kept, self.path)  # atomically replaces the FIFO


def _blocked_inserts(conn) -> int:
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query ILIKE 'INSERT INTO \"evaluation_evaluation\"%%'"
    ).fetchone()[0]


@pytest.mark.parametrize("backend", ["postgres", "embedded"])
def test_worker_killed_while_validating(backend, request, dataset, tmp_path):
    stack = request.getfixturevalue("pg_stack" if backend == "postgres" else "embedded_stack")
    payload = _payload(dataset, tmp_path)
    held = HeldReference(stack.var_dir)
    response = stack.submit(payload)
    assert response.status_code == 201, response.text
    sub_id = response.json()["id"]
    _wait(lambda: _status(stack, sub_id) == "validating", "validation to start", stack)
    time.sleep(1.0)  # it beats while blocked on the FIFO
    stack.kill("worker")
    held.release()
    stack.start_worker("worker2")
    outcomes = stack.settle(1)
    _assert_each_scored_once(outcomes, 1)
    assert outcomes[sub_id]["takeovers"] == 1, outcomes


def test_worker_killed_while_scoring(pg_stack, dataset, tmp_path):
    stack = pg_stack
    with psycopg.connect(stack.dsn, autocommit=True) as watcher, psycopg.connect(stack.dsn) as locker:
        locker.execute("LOCK TABLE evaluation_evaluation IN SHARE MODE")
        response = stack.submit(_payload(dataset, tmp_path))
        assert response.status_code == 201, response.text
        _wait(lambda: _blocked_inserts(watcher) == 1, "scoring to block on its INSERT", stack)
        stack.kill("worker")
        locker.commit()
    stack.start_worker("worker2")
    outcomes = stack.settle(1)
    _assert_each_scored_once(outcomes, 1)
    assert sum(o["takeovers"] for o in outcomes.values()) == 1, outcomes


def test_every_database_connection_terminated_mid_job(pg_stack, dataset, tmp_path):
    stack = pg_stack
    with psycopg.connect(stack.dsn, autocommit=True) as watcher, psycopg.connect(stack.dsn) as locker:
        locker.execute("LOCK TABLE evaluation_evaluation IN SHARE MODE")
        ids = []
        for token in stack.tokens[:2]:
            response = stack.submit(_payload(dataset, tmp_path), token=token)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        _wait(lambda: _blocked_inserts(watcher) == 1, "scoring to block on its INSERT", stack)
        locker_pid = locker.execute("SELECT pg_backend_pid()").fetchone()[0]
        killed = watcher.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s "
            "AND pid NOT IN (pg_backend_pid(), %s)",
            (stack.db_name, locker_pid),
        ).fetchone()[0]
        assert killed >= 2  # at least the scoring task's and the web server's connections
        locker.commit()
    # The web server's pooled connections were dropped too: it still answers.
    assert stack.api("get", f"/submissions/{ids[0]}/").status_code == 200
    outcomes = stack.settle(2)
    _assert_each_scored_once(outcomes, 2)
    stack.check_alive()


def test_broker_killed_and_restarted_empty(pg_stack, dataset, tmp_path):
    stack = pg_stack
    with psycopg.connect(stack.dsn, autocommit=True) as watcher, psycopg.connect(stack.dsn) as locker:
        locker.execute("LOCK TABLE evaluation_evaluation IN SHARE MODE")
        for token in stack.tokens:
            response = stack.submit(_payload(dataset, tmp_path), token=token)
            assert response.status_code == 201, response.text
        _wait(lambda: _blocked_inserts(watcher) == 1, "scoring to block on its INSERT", stack)
        stack.redis.kill()  # every queued message is gone
        # An upload while the broker is down: refused with 503, or stored and sent later.
        down = stack.submit(_payload(dataset, tmp_path))
        assert down.status_code in (201, 503), (down.status_code, down.text)
        stack.redis.start()  # same port, empty
        locker.commit()
    expected = len(stack.tokens) + (1 if down.status_code == 201 else 0)
    outcomes = stack.settle(expected)
    _assert_each_scored_once(outcomes, expected)


def test_web_server_killed_during_upload(pg_stack, dataset, tmp_path):
    stack = pg_stack
    payload = _payload(dataset, tmp_path)
    boundary = "faults" + uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.zip\"\r\n"
        f"Content-Type: application/zip\r\n\r\n"
    ).encode() + payload + f"\r\n--{boundary}--\r\n".encode()
    head = (
        f"POST /api/v1/phases/{stack.phase_id}/submissions/ HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{stack.port}\r\nAuthorization: Token {stack.tokens[0]}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as conn:
        conn.sendall(head + body[: len(body) // 2])
        time.sleep(1.0)  # the server is reading the body
        stack.kill("web")
    assert stack.outcomes() == {}  # nothing half-stored
    stored = list((stack.var_dir / "media" / "submissions").rglob("*.zip"))
    assert stored == [], stored
    stack.start_web()
    response = stack.submit(payload)
    assert response.status_code == 201, response.text
    outcomes = stack.settle(1)
    _assert_each_scored_once(outcomes, 1)
