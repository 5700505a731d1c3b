"""The web node's memory stays bounded while a 2 GiB body streams in, through the web submit
form and through the API, and nothing is left in its temporary folders afterwards.

The stack is faultstack's (`make web`: gunicorn, 2 processes x 8 threads, on PostgreSQL + Redis)
with the phase's upload limit above 2 GiB, so the whole body really is read, spooled and
checked (it is not an archive: HTTP 400). The resident memory of the web process tree (the
gunicorn master and its workers, from /proc) is sampled every 50 ms while the body is sent; the
issue's failure was a body buffered whole (RAM or temporary folder) before its size was
checked."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

pytestmark = [pytest.mark.faults, pytest.mark.slow]

BODY = 2 * 2**30
#: Growth of the web process tree's resident memory allowed while the body streams in (an
#: eighth of the body: what a body buffered whole would exceed many times over).
MAX_GROWTH_MB = 256


def _tree(root: int) -> list[int]:
    """``root`` and all its descendants (from /proc/<pid>/stat parent ids)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        except OSError:
            continue
        total += int(match.group(1)) if match else 0
    return total / 1024


class Sampler:
    """Peak RSS of a process tree, sampled in a thread until :meth:`stop`."""

    def __init__(self, root: int):
        self.root, self.peak, self._stop = root, 0.0, threading.Event()
        self.baseline = _rss_mb(_tree(root))
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _rss_mb(_tree(self.root)))

    def stop(self) -> float:
        """Stop; the growth of the peak over the baseline, MB."""
        self._stop.set()
        self._thread.join(timeout=5)
        return self.peak - self.baseline


def _stream(port: int, path: str, headers: dict[str, str], field: dict[str, str]) -> tuple[int, str]:
    """POST a multipart body with a ``file`` part of :data:`BODY` zero bytes (Content-Length
    declared), sent in 1 MiB chunks; returns (status, response text)."""
    boundary = "arena" + os.urandom(8).hex()
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in field.items()
    ) + (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.zip"\r\n'
         "Content-Type: application/zip\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}",
             f"Content-Type: multipart/form-data; boundary={boundary}",
             f"Content-Length: {len(head) + BODY + len(tail)}", "Connection: close",
             *(f"{k}: {v}" for k, v in headers.items())]
    chunk = bytes(2**20)
    with socket.create_connection(("127.0.0.1", port), timeout=600) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + head)
        for _ in range(BODY // len(chunk)):
            conn.sendall(chunk)
        conn.sendall(tail)
        received = b""
        while data := conn.recv(65536):
            received += data
    status = int(received.split(b" ", 2)[1])
    return status, received.decode(errors="replace")


@pytest.fixture
def big_stack(start_stack, dataset, tmp_path):
    temp = tmp_path / "web-tmp"
    temp.mkdir()
    stack = start_stack("postgres", dataset, users=1, phase={"max_upload_mb": 2100},
                        env={"TMPDIR": str(temp), "ARENA_MAX_UPLOAD_MB": "2200"})
    stack.temp = temp
    return stack


def _leftovers(stack) -> list[Path]:
    folders = [stack.temp, stack.var_dir / "work" / "uploads", stack.var_dir / "media" / "submissions"]
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def _web_session(stack) -> tuple[dict[str, str], str]:
    session = requests.Session()
    login = f"{stack.url}/accounts/login/"
    session.get(login, timeout=30)
    response = session.post(login, data={
        "username": "user0", "password": "pw-faults-123",
        "csrfmiddlewaretoken": session.cookies["csrftoken"]}, headers={"Referer": login}, timeout=30)
    assert response.ok and "sessionid" in session.cookies, response.text[-500:]
    submit = f"{stack.url}/phases/{stack.phase_id}/submit/"
    session.get(submit, timeout=30)
    cookies = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    return {"Cookie": cookies, "Referer": submit}, session.cookies["csrftoken"]


@pytest.mark.parametrize("route", ["api", "web"])
def test_web_memory_stays_bounded_while_2_gib_stream_in(big_stack, route):
    stack = big_stack
    web, _ = stack.procs["web"]
    if route == "api":
        path = f"/api/v1/phases/{stack.phase_id}/submissions/"
        headers, fields = {"Authorization": f"Token {stack.tokens[0]}"}, {}
    else:
        path = f"/phases/{stack.phase_id}/submit/"
        headers, token = _web_session(stack)
        fields = {"csrfmiddlewaretoken": token, "comment": "big"}
    # Both gunicorn workers render the page once first (lazy imports are not the body's).
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: requests.get(f"{stack.url}{path}", timeout=60,
                                             headers={k: v for k, v in headers.items()}),
                      range(16)))
    sampler = Sampler(web.pid)
    started = time.monotonic()
    status, text = _stream(stack.port, path, headers, fields)
    growth = sampler.stop()
    took = time.monotonic() - started
    print(f"{route}: 2 GiB body in {took:.0f} s, web tree RSS {sampler.baseline:.0f} MB "
          f"+ {growth:.0f} MB peak growth, answer {status}")
    assert status in (200, 400), text[-1500:]  # the form page shows the error with 200
    assert "not an archive" in text or "not a zip" in text.lower(), text[-1500:]
    assert growth < MAX_GROWTH_MB, (growth, sampler.baseline)
    assert _leftovers(stack) == []
    assert stack.outcomes() == {}
    stack.check_alive("web")
