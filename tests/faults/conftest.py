"""Fixtures of the fault suite: a per-test synthetic kits21 dataset (tests may swap one of its
reference files for a FIFO to hold a job still), and stacks (tests/faults/faultstack.py) that
fail the test — never skip it — when a service they need cannot start."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "platform"))  # synthdata
sys.path.insert(0, str(HERE))

from faultstack import ServiceUnavailable, Stack  # noqa: E402


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == HERE:
            item.add_marker(pytest.mark.faults)


@pytest.fixture
def dataset(tmp_path):
    from synthdata import make_dataset

    return make_dataset(tmp_path / "dataset", n_cases=3)


@contextlib.contextmanager
def running_stack(backend: str, root: Path, dataset: Path, users: int = 1, *,
                  phase: dict | None = None, env: dict | None = None):
    """A started, seeded :class:`Stack`; a service that cannot start fails the test."""
    stack = None
    try:
        stack = Stack(root, backend, env=env)
        stack.start(dataset, users, phase)
    except ServiceUnavailable as exc:
        if stack is not None:
            stack.stop()
        pytest.fail(f"the fault suite needs this service: {exc}")
    try:
        yield stack
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.stop()


@pytest.fixture
def pg_stack(tmp_path, dataset):
    with running_stack("postgres", tmp_path / "stack", dataset, users=4) as stack:
        yield stack


@pytest.fixture
def embedded_stack(tmp_path, dataset):
    with running_stack("embedded", tmp_path / "stack", dataset) as stack:
        yield stack


@pytest.fixture
def start_stack(tmp_path):
    """``start_stack(backend, dataset, users=1, *, phase=None, env=None)``: a started stack with
    an algorithm or otherwise customised phase (``phase``: extra Phase fields) and extra
    environment; stopped when the test ends."""
    count = iter(range(100))
    with contextlib.ExitStack() as started:
        def start(backend: str, dataset: Path, users: int = 1, *, phase=None, env=None) -> Stack:
            return started.enter_context(running_stack(
                backend, tmp_path / f"stack{next(count)}", dataset, users, phase=phase, env=env))

        yield start
