"""Cases scored under a time budget: each case in its own child process that is killed when
the case runs over ``case_timeout`` seconds or the whole folder over ``total_timeout`` seconds.

A pathological prediction can then hold a scoring worker no longer than its budget: the child
is killed (the KD-tree, the distance transform and SimpleITK are C code that no in-process
signal interrupts), the other running cases are stopped too, and
:class:`~evaluators.errors.ScoringTimeoutError` says which budget ran out on which case. The
calling process (a Celery worker, the CLI) stays healthy and serves its next job.

Children are forked with ``os.fork`` (not ``multiprocessing``, which refuses to start children
inside a Celery prefork worker); they share the parent's imported modules, so a case costs one
``fork`` more than in-process scoring, and send their pickled result through a pipe.
"""

import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import Any

from evaluators.errors import ScoringTimeoutError
from evaluators.metrics.nearest import set_query_threads


def _child(function: Callable, item: Any, write_fd: int, threads: int | None) -> None:
    """Body of a forked child: compute, send the pickled outcome through the pipe, exit."""
    try:
        if threads is not None:
            set_query_threads(threads)
        try:
            message = ("ok", function(item))
        except BaseException as error:  # sent to the parent, which re-raises it
            message = ("error", error)
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # an exception that does not pickle
            data = pickle.dumps(("error", RuntimeError(f"{type(error).__name__}: {error}")))
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view):]
    finally:
        os._exit(0)


class _Case:
    """A running case: its forked process and the bytes read from its pipe so far."""

    def __init__(self, index: int, function: Callable, item: Any, threads: int | None) -> None:
        self.index, self.started, self.chunks = index, time.monotonic(), []
        read_fd, write_fd = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child
            os.close(read_fd)
            _child(function, item, write_fd, threads)
        os.close(write_fd)
        self.fd = read_fd

    def read(self) -> bool:
        """Read what is available; True at end of file (the child finished or died)."""
        chunk = os.read(self.fd, 1 << 20)
        if chunk:
            self.chunks.append(chunk)
            return False
        return True

    def finish(self) -> tuple[str, Any] | None:
        """Reap the child; its (status, value), or None when it died without an answer."""
        os.close(self.fd)
        _, status = os.waitpid(self.pid, 0)
        self.exit_status = status
        data = b"".join(self.chunks)
        return pickle.loads(data) if data else None

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(self.fd)
        os.waitpid(self.pid, 0)


def run_with_budget(
    function: Callable[[Any], Any],
    items: list[Any],
    names: list[str],
    *,
    jobs: int = 1,
    case_timeout: float | None = None,
    total_timeout: float | None = None,
    on_done: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """``[function(item) for item in items]``, each call in a child process, at most ``jobs``
    at a time; results in the order of ``items``.

    Convention: a case's clock starts when its process starts; ``None`` = no limit. Raises
    :class:`ScoringTimeoutError` (after killing every running child) when a case exceeds
    ``case_timeout`` (``scoring exceeded N s on case X``) or all cases together exceed
    ``total_timeout``; re-raises the exception a case raised; ``RuntimeError`` when a child
    dies without an answer (e.g. killed for memory). ``on_done(index, result)`` is called as
    each case finishes. ``names`` names the cases in messages.
    """
    if not hasattr(os, "fork"):
        raise RuntimeError("scoring with a time budget needs os.fork (Linux, macOS)")
    threads = 1 if jobs > 1 else None
    started = time.monotonic()
    results: list[Any] = [None] * len(items)
    pending = list(range(len(items)))
    running: dict[int, _Case] = {}  # pipe fd -> case
    try:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                index = pending.pop(0)
                case = _Case(index, function, items[index], threads)
                running[case.fd] = case
            now = time.monotonic()
            deadlines = [c.started + case_timeout for c in running.values()
                         if case_timeout is not None]
            if total_timeout is not None:
                deadlines.append(started + total_timeout)
            timeout = max(0.0, min(deadlines) - now) if deadlines else None
            readable, _, _ = select.select(list(running), [], [], timeout)
            for fd in readable:
                case = running[fd]
                if not case.read():
                    continue
                del running[fd]
                outcome = case.finish()
                if outcome is None:
                    raise RuntimeError(
                        f"scoring of case {names[case.index]} stopped without a result "
                        f"(wait status {case.exit_status}; out of memory?)"
                    )
                status, value = outcome
                if status == "error":
                    raise value
                results[case.index] = value
                if on_done is not None:
                    on_done(case.index, value)
            now = time.monotonic()
            for case in running.values():
                if case_timeout is not None and now - case.started >= case_timeout:
                    raise ScoringTimeoutError(
                        f"scoring exceeded {case_timeout:g} s on case {names[case.index]}"
                    )
            if total_timeout is not None and now - started >= total_timeout and running:
                index = min(case.index for case in running.values())
                raise ScoringTimeoutError(
                    f"scoring exceeded {total_timeout:g} s in total, at case {names[index]}"
                )
    finally:
        for case in running.values():
            case.kill()
    return results
