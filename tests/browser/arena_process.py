"""A `make run` process for the browser-tier tests: free port, output capture, Ctrl-C stop
(a uniquely named module: every test folder has a conftest)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningArena:
    """The `make run` subprocess, its URL and var/ folder, and every output line so far."""

    url: str
    var_dir: Path
    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "".join(self.lines)


def pump_lines(stream, sink: list[str], log_path: Path) -> None:
    """Copy ``stream`` line by line into ``sink`` and ``log_path`` until it closes."""
    with log_path.open("w") as log:
        for line in iter(stream.readline, ""):
            sink.append(line)
            log.write(line)
            log.flush()


def stop_arena(process: subprocess.Popen) -> None:
    """SIGINT to the process group (what Ctrl-C does), SIGKILL after 60 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
