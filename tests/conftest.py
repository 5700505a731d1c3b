"""Suite-wide rules: a test may skip only where tests/skips_allowed.txt lists it with its reason;
any other skip fails the session (exit status 1), so a tier whose prerequisite cannot be set up
never passes silently. ``ARENA_SKIP_CONTAINERS=1`` is the one explicit opt-out of a whole tier:
the tests marked ``containers`` then skip, and the summary says so."""

from __future__ import annotations

import os

import pytest

from tests.support.skip_allowlist import ALLOWLIST, SkipLedger

_LEDGER = SkipLedger.from_file(ALLOWLIST)
SKIP_CONTAINERS_REASON = "ARENA_SKIP_CONTAINERS=1: container tier opted out for this run"


def containers_opted_out() -> bool:
    """True when this run explicitly opts out of the container tier (ARENA_SKIP_CONTAINERS=1)."""
    return os.environ.get("ARENA_SKIP_CONTAINERS", "") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every ``containers`` test as skipped when the run opts out of that tier."""
    if not containers_opted_out():
        return
    marker = pytest.mark.skip(reason=SKIP_CONTAINERS_REASON)
    for item in items:
        if item.get_closest_marker("containers") is not None:
            item.add_marker(marker)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A module skipped at collection counts like a skipped test."""
    if report.skipped:
        _LEDGER.record(report.nodeid, report.longrepr)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Record each skip (xfail is not a skip)."""
    if report.skipped and not hasattr(report, "wasxfail"):
        _LEDGER.record(report.nodeid, report.longrepr)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the session when any skip is not in the allow-list."""
    if _LEDGER.unlisted and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Print the opt-out and every skip that the allow-list does not cover."""
    if containers_opted_out():
        terminalreporter.write_line(
            "container tier NOT run: ARENA_SKIP_CONTAINERS=1 was set", yellow=True, bold=True
        )
    if _LEDGER.unlisted:
        terminalreporter.section("skips not in tests/skips_allowed.txt (session fails)", red=True)
        for nodeid, reason in _LEDGER.unlisted:
            terminalreporter.write_line(f"{nodeid}: {reason}", red=True)
