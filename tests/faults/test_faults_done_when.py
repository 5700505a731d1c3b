"""Issue 14's "Done when", as one scenario on PostgreSQL + Redis with `make web` and `make worker`
as separate processes (tests/faults/faultstack.py): 16 participants submit at once; while the
worker is scoring, the worker is SIGKILLed, the broker is killed and restarted empty, every
database connection is terminated, and a new worker is started. Every submission then ends
``succeeded`` exactly once (one final move, one result) with one board row each. A zip bomb
(2 GiB once expanded) and an archive with ``../`` and absolute entries are refused with nothing
written outside the upload, a valid submission right after them is scored, and 30 wrong
passwords for one account meet HTTP 429.

The worker is held mid-scoring deterministically (a SHARE lock on the Evaluation table makes its
INSERT wait), as in test_faults.py."""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import requests
from faultstack import wait_until
from synthdata import make_predictions, zip_folder

pytestmark = [pytest.mark.faults, pytest.mark.slow]

PARTICIPANTS = 16
#: Seconds the 16 submissions may take to be final after the faults (the issue allows 15 min).
SETTLE_S = 420


@pytest.fixture
def stack16(start_stack, dataset):
    return start_stack("postgres", dataset, users=PARTICIPANTS)


def _blocked_inserts(conn) -> int:
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query ILIKE 'INSERT INTO \"evaluation_evaluation\"%%'"
    ).fetchone()[0]


def _wait(predicate, what: str, stack, timeout: float = 120.0):
    return wait_until(predicate, what, stack, timeout, poll=0.3)


def _zip_bomb() -> bytes:
    """One member of 2 GiB of zeros, deflated to about 2 MB."""
    buf = io.BytesIO()
    chunk = bytes(2**24)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("case_00000.nii", "w", force_zip64=True) as member:
            for _ in range(2**31 // len(chunk)):
                member.write(chunk)
    return buf.getvalue()


def _traversal_zip(tag: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"../../escaped-{tag}.nii.gz", b"x" * 100)
        zf.writestr(f"/tmp/absolute-{tag}.nii.gz", b"y" * 100)
        zf.writestr("case_00000.nii.gz", b"z" * 100)
    return buf.getvalue()


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _web_login(stack, username: str, password: str, session: requests.Session) -> int:
    url = f"{stack.url}/accounts/login/"
    if "csrftoken" not in session.cookies:
        session.get(url, timeout=30)
    response = session.post(url, data={
        "username": username, "password": password,
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
    }, headers={"Referer": url}, timeout=30, allow_redirects=False)
    return response.status_code


def test_done_when(stack16, dataset, tmp_path):
    stack = stack16
    payloads = [
        zip_folder(make_predictions(dataset, tmp_path / f"preds{i}", shift=i % 3)) for i in range(3)
    ]
    # --- 16 at once, then every fault while the worker is scoring ---------------------------
    with psycopg.connect(stack.dsn, autocommit=True) as watcher, psycopg.connect(stack.dsn) as locker:
        locker.execute("LOCK TABLE evaluation_evaluation IN SHARE MODE")
        with ThreadPoolExecutor(PARTICIPANTS) as pool:
            responses = list(pool.map(
                lambda i: stack.submit(payloads[i % 3], token=stack.tokens[i]), range(PARTICIPANTS)
            ))
        assert [r.status_code for r in responses] == [201] * PARTICIPANTS, [r.text for r in responses]
        ids = {r.json()["id"] for r in responses}
        _wait(lambda: _blocked_inserts(watcher) >= 1, "a scoring task to block on its INSERT", stack)
        stack.kill("worker")
        stack.redis.kill()  # every queued message is gone
        stack.redis.start()  # same port, empty
        locker_pid = locker.execute("SELECT pg_backend_pid()").fetchone()[0]
        terminated = watcher.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s "
            "AND pid NOT IN (pg_backend_pid(), %s)", (stack.db_name, locker_pid),
        ).fetchone()[0]
        assert terminated >= 1  # the web server's pooled connections at least
        locker.commit()
    stack.start_worker("worker2", concurrency=2)
    outcomes = stack.settle(PARTICIPANTS, timeout=SETTLE_S)
    assert set(outcomes) == ids
    for sub_id, outcome in outcomes.items():
        assert outcome["status"] == "succeeded", (sub_id, outcome, stack.logs())
        assert (outcome["evaluations"], outcome["final_moves"]) == (1, 1), (sub_id, outcome)

    def board_ids():
        rows = stack.query(
            "SELECT submission_id FROM leaderboards_leaderboardentry WHERE phase_id = %s",
            (stack.phase_id,))
        return sorted(r[0] for r in rows) if len(rows) == PARTICIPANTS else None

    assert _wait(board_ids, "16 board rows", stack, timeout=120) == sorted(ids)

    # --- hostile archives refused, nothing written outside the upload -------------------------
    tag = uuid.uuid4().hex[:10]
    media = stack.var_dir / "media"
    before = _files_under(media)
    for name, archive, reasons in (
        ("bomb.zip", _zip_bomb(), ("compression ratio",)),
        ("traversal.zip", _traversal_zip(tag), ("outside the archive", "absolute path")),
    ):
        started = time.monotonic()
        response = stack.api("post", f"/phases/{stack.phase_id}/submissions/",
                             token=stack.tokens[0], files={"file": (name, archive)})
        title = response.text.split("<title>", 1)[-1].split("</title>", 1)[0][:300]
        assert response.status_code in (400, 413), (name, response.status_code, title,
                                                    stack.logs(tail=6000))
        assert any(reason in response.text for reason in reasons), (name, response.text)
        assert str(stack.var_dir) not in response.text  # no server path in the reason
        assert time.monotonic() - started < 30, name
    assert len(stack.outcomes()) == PARTICIPANTS  # no row for either
    assert _files_under(media) == before
    assert not Path(f"/tmp/absolute-{tag}.nii.gz").exists()
    assert not list(tmp_path.rglob(f"escaped-{tag}*")) and not list(Path("/tmp").glob(f"escaped-{tag}*"))
    uploads = stack.var_dir / "work" / "uploads"
    assert not uploads.exists() or not _files_under(uploads)

    # --- a valid submission right after them is scored ----------------------------------------
    response = stack.submit(payloads[0], token=stack.tokens[1])
    assert response.status_code == 201, response.text
    valid = response.json()["id"]
    final = stack.settle(PARTICIPANTS + 1, timeout=120)
    assert (final[valid]["status"], final[valid]["evaluations"]) == ("succeeded", 1)

    # --- 30 wrong passwords for one account meet HTTP 429 -------------------------------------
    session = requests.Session()
    codes = [_web_login(stack, "user2", f"wrong-{i}", session) for i in range(30)]
    assert 429 in codes, codes
    first = codes.index(429)
    assert first <= 10 and set(codes[first:]) == {429}, codes
    assert _web_login(stack, "user2", "pw-faults-123", session) == 429  # the cool-down holds
    stack.check_alive("web", "worker2")
