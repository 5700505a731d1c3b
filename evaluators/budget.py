"""Cases scored under a time budget: each case in its own child process that is killed when
the case runs over ``case_timeout`` seconds or the whole folder over ``total_timeout`` seconds.

A pathological prediction can then hold a scoring worker no longer than its budget: the child
is killed (the KD-tree, the distance transform and SimpleITK are C code that no in-process
signal interrupts), the other running cases are stopped too, and
:class:`~evaluators.errors.ScoringTimeoutError` says which budget ran out on which case. The
calling process (a Celery worker, the CLI) stays healthy and serves its next job.

Children are forked (Linux): they share the parent's imported modules, so a case costs one
``fork`` more than in-process scoring.
"""

import multiprocessing
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import Any

from evaluators.errors import ScoringTimeoutError
from evaluators.metrics.nearest import set_query_threads


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _child(function: Callable, item: Any, connection, threads: int | None) -> None:
    if threads is not None:
        set_query_threads(threads)
    try:
        message = ("ok", function(item))
    except BaseException as error:  # sent to the parent, which re-raises it
        message = ("error", error)
    try:
        connection.send(message)
    except Exception as error:  # an exception that does not pickle
        connection.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))
    connection.close()


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
    context = _context()
    threads = 1 if jobs > 1 else None
    started = time.monotonic()
    results: list[Any] = [None] * len(items)
    pending = list(range(len(items)))
    running: dict[Any, tuple[int, Any, float]] = {}  # connection -> (index, process, start)

    def stop_all() -> None:
        for _, process, _ in running.values():
            process.kill()
        for connection, (_, process, _) in running.items():
            process.join()
            connection.close()
        running.clear()

    try:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                index = pending.pop(0)
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(
                    target=_child, args=(function, items[index], sender, threads), daemon=True
                )
                process.start()
                sender.close()
                running[receiver] = (index, process, time.monotonic())
            now = time.monotonic()
            deadlines = [start + case_timeout for _, _, start in running.values()
                         if case_timeout is not None]
            if total_timeout is not None:
                deadlines.append(started + total_timeout)
            timeout = max(0.0, min(deadlines) - now) if deadlines else None
            for connection in wait(list(running), timeout):
                index, process, _ = running.pop(connection)
                try:
                    status, value = connection.recv()
                except EOFError:
                    process.join()
                    raise RuntimeError(
                        f"scoring of case {names[index]} stopped without a result "
                        f"(exit code {process.exitcode}; out of memory?)"
                    )
                finally:
                    connection.close()
                process.join()
                if status == "error":
                    raise value
                results[index] = value
                if on_done is not None:
                    on_done(index, value)
            now = time.monotonic()
            for index, _, start in running.values():
                if case_timeout is not None and now - start >= case_timeout:
                    raise ScoringTimeoutError(
                        f"scoring exceeded {case_timeout:g} s on case {names[index]}"
                    )
            if total_timeout is not None and now - started >= total_timeout and running:
                index = min(index for index, _, _ in running.values())
                raise ScoringTimeoutError(
                    f"scoring exceeded {total_timeout:g} s in total, at case {names[index]}"
                )
    finally:
        stop_all()
    return results
