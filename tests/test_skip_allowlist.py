"""The skip allow-list: an unlisted skip fails the session, a listed one with its reason passes,
xfail is not a skip, and the container opt-out is the only allowed reason for that tier."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SKIP_CONTAINERS_REASON
from tests.support.skip_allowlist import ALLOWLIST, SkipLedger, parse_allowlist

REPO = Path(__file__).resolve().parents[1]


def test_allowlist_lines_need_an_id_and_a_reason():
    assert parse_allowlist("# c\n\na::b | why *\n") == [("a::b", "why *")]
    for bad in ("tests/x.py::t", "tests/x.py::t |", "| reason"):
        with pytest.raises(ValueError, match="skips_allowed.txt:2: expected"):
            parse_allowlist(f"# first\n{bad}\n")


def test_ledger_matches_id_and_reason():
    ledger = SkipLedger([("tests/a/*", "engine opted out*")])
    ledger.record("tests/a/test_x.py::t", ("f.py", 3, "Skipped: engine opted out today"))
    ledger.record("tests/a/test_x.py::u", ("f.py", 3, "Skipped: something else"))
    ledger.record("tests/b/test_y.py::t", ("f.py", 3, "Skipped: engine opted out today"))
    assert ledger.allowed == [("tests/a/test_x.py::t", "engine opted out today")]
    assert [n for n, _ in ledger.unlisted] == ["tests/a/test_x.py::u", "tests/b/test_y.py::t"]


def test_the_real_list_allows_only_the_container_opt_out():
    ledger = SkipLedger.from_file(ALLOWLIST)
    assert ledger.is_allowed("tests/containers/test_sandbox_runs.py::test_a", SKIP_CONTAINERS_REASON)
    assert not ledger.is_allowed(
        "tests/containers/test_sandbox_runs.py::test_a", "container engine unavailable"
    )
    assert not ledger.is_allowed("tests/web/test_pages.py::test_a", SKIP_CONTAINERS_REASON)


def _run(tmp_path: Path, body: str, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    containers: engine\n")
    (tmp_path / "test_demo.py").write_text(body)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:django", "-p", "tests.conftest",
         "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )


def test_an_unlisted_skip_fails_the_session(tmp_path):
    result = _run(
        tmp_path,
        "import pytest\n"
        "def test_ok():\n    pass\n"
        "def test_skipped():\n    pytest.skip('service missing')\n"
        "@pytest.mark.xfail(reason='known')\ndef test_xfail():\n    assert False\n",
    )
    assert result.returncode == 1, result.stdout
    assert "skips not in tests/skips_allowed.txt" in result.stdout
    assert "test_demo.py::test_skipped: service missing" in result.stdout
    assert "test_xfail" not in result.stdout.split("skips not in")[1]


def test_no_skip_passes_and_the_opt_out_is_printed(tmp_path):
    result = _run(tmp_path, "def test_ok():\n    pass\n", ARENA_SKIP_CONTAINERS="1")
    assert result.returncode == 0, result.stdout
    assert "container tier NOT run: ARENA_SKIP_CONTAINERS=1" in result.stdout
