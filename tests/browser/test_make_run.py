"""`make run` as the README describes it: it prints the URL and the demo accounts, serves the
six demo challenges with live leaderboards, and Ctrl-C stops the web server and the worker."""

from __future__ import annotations

import json
import os
import time
import urllib.request

import pytest
from arena_process import stop_arena

pytestmark = pytest.mark.slow


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, url
        return response.read().decode()


def test_banner_home_and_leaderboards(arena_server):
    out = arena_server.output()
    assert f"Arena is running at {arena_server.url}" in out
    for account in ("admin", "organizer", "alice", "bob", "carol"):
        assert f"  {account} " in out
    home = _get(arena_server.url)
    for title in ("KiTS21", "SegRap2023", "MyoPS2020", "COSMOS2022", "KiPA22", "AMOS22"):
        assert title in home, title
    challenges = json.loads(_get(arena_server.url + "api/v1/challenges/"))
    if isinstance(challenges, dict):  # paginated
        challenges = challenges.get("results", [])
    phases = [p for c in challenges for p in c["phases"]]
    assert len(phases) == 7
    for phase in phases:
        board = _get(f"{arena_server.url}phases/{phase['id']}/leaderboard/")
        assert 'id="leaderboard"' in board, phase
        assert "alice" in board and "bob" in board and "carol" in board, phase
    assert "Plotly" in _get(arena_server.url + "vendor/plotly.min.js")[:5000]


def test_ctrl_c_stops_server_and_worker(arena_server):
    """Runs last in this folder (file order): SIGINT to the group, everything exits."""
    pgid = arena_server.process.pid
    stop_arena(arena_server.process)
    assert arena_server.process.returncode is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    else:
        pytest.fail("processes of `make run` are still alive after Ctrl-C")
    assert "stopping web server and worker" in arena_server.output()
