"""A running Arena as a newcomer starts it: ``make run`` in a subprocess (embedded default:
SQLite + filesystem broker, its own var/ folder and port), shared by the tests of this folder
and stopped with Ctrl-C (SIGINT) at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
START_TIMEOUT_S = 300
# Variables that would move the app off the embedded default (CI sets some for other tiers).
_NOT_EMBEDDED = ("DATABASE_URL", "CELERY_BROKER_URL", "ARENA_CELERY_EAGER", "ARENA_DATASETS_ROOT")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningArena:
    url: str
    var_dir: Path
    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "".join(self.lines)


def _pump(stream, sink: list[str], log_path: Path) -> None:
    with log_path.open("w") as log:
        for line in iter(stream.readline, ""):
            sink.append(line)
            log.write(line)
            log.flush()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def arena_server(tmp_path_factory) -> RunningArena:
    """``make run`` on a free port with a fresh var/ folder; yields once the banner with the
    URL is printed; SIGINT to the process group afterwards, as Ctrl-C would."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    var_dir = tmp_path_factory.mktemp("arena-run-var")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in _NOT_EMBEDDED}
    env.update(ARENA_VAR_DIR=str(var_dir), PORT=str(port), HOST="127.0.0.1", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    arena = RunningArena(url=f"http://127.0.0.1:{port}/", var_dir=var_dir, process=process)
    pump = threading.Thread(
        target=_pump, args=(process.stdout, arena.lines, ARTIFACTS / "make-run.log"), daemon=True
    )
    pump.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while not any("Press Ctrl-C to stop" in line for line in arena.lines):
            if process.poll() is not None:
                pytest.fail(f"make run exited with {process.returncode}:\n{arena.output()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"make run did not come up in {START_TIMEOUT_S} s:\n{arena.output()[-4000:]}")
            time.sleep(0.5)
        yield arena
    finally:
        _stop(process)
        pump.join(timeout=10)
