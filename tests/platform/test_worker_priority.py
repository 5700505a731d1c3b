"""Celery pool processes run at a lower CPU priority (``ARENA_WORKER_NICE``, issue 14: the web
tier stays responsive while a worker on the same node scores). The handler runs in a forked
child, as in a real pool process, so the test process keeps its own priority."""

from __future__ import annotations

import os

import pytest

from arena.celery import _lower_cpu_priority


def _niceness_after_handler() -> int:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: what a freshly forked pool process does
        try:
            _lower_cpu_priority()
            os.write(write, str(os.nice(0)).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as out:
        return int(out.read())


@pytest.mark.parametrize("nice", [7, 0])
def test_pool_process_lowers_its_priority(settings, nice):
    settings.ARENA_WORKER_NICE = nice
    assert _niceness_after_handler() == min(19, os.nice(0) + nice)
