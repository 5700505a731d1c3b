"""README's load benchmark command runs: tests/benchmarks/bench_load.py on a small load (4
submissions, 20 board reads) through the same code path, with its accounting checked (nothing
lost or duplicated, no server error, every board read answered)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.faults, pytest.mark.slow]

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_bench_load_small():
    import bench_load

    figures = bench_load.run(argparse.Namespace(
        submissions=4, reads=20, users=2, web_workers=1, threads=4, worker_concurrency=1,
        settle=300,
    ))
    assert (figures["accepted"], figures["scored"]) == (4, 4), figures
    assert (figures["lost"], figures["duplicated"]) == (0, 0), figures
    assert figures["upload_server_errors"] == figures["board_server_errors"] == 0, figures
    assert figures["board_ok"] == figures["scoring_burst_ok"] == 20, figures
