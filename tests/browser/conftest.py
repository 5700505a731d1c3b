"""A running Arena as a newcomer starts it: ``make run`` in a subprocess (embedded default:
SQLite + filesystem broker, its own var/ folder and port), shared by the tests of this folder
and stopped with Ctrl-C (SIGINT) at the end."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from arena_process import RunningArena, free_port, pump_lines, stop_arena

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
START_TIMEOUT_S = 900  # the seed: ~5 min on a busy 2-core VM, +2-3 min of algorithm phases with an engine
# Variables that would move the app off the embedded default (CI sets some for other tiers).
_NOT_EMBEDDED = ("DATABASE_URL", "CELERY_BROKER_URL", "ARENA_CELERY_EAGER", "ARENA_DATASETS_ROOT")
# `make test` runs this suite from make: the nested `make run` must not inherit its jobserver.
_MAKE_VARS = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKE_TERMOUT", "MAKE_TERMERR")


@pytest.fixture(scope="session")
def arena_server(tmp_path_factory) -> RunningArena:
    """``make run`` on a free port with a fresh var/ folder; yields once the banner with the
    URL is printed; SIGINT to the process group afterwards, as Ctrl-C would."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    var_dir = tmp_path_factory.mktemp("arena-run-var")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in _NOT_EMBEDDED + _MAKE_VARS}
    env.update(ARENA_VAR_DIR=str(var_dir), PORT=str(port), HOST="127.0.0.1", PYTHONUNBUFFERED="1",
               ARENA_MODE="development")  # what `make run` sets; explicit here
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
        target=pump_lines, args=(process.stdout, arena.lines, ARTIFACTS / "make-run.log"), daemon=True
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
        stop_arena(process)
        pump.join(timeout=10)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (installed by scripts/ensure_chromium.sh when
    missing), one per test module."""
    if not Path(CHROMIUM).exists():
        subprocess.run(["bash", str(REPO / "scripts" / "ensure_chromium.sh")], check=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
