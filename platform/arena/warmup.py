"""Warm a fresh web process before it serves its first request.

Several modules are imported on first use, to keep management commands and the test suite
quick to start: the evaluators' task registry (the board shows each task's ranking rule;
importing it pulls in numpy and scipy, about 0.5 s of one core) and the broker's transport
module (the first upload's task message). In a web process that first use is a request: the
first board render after a (re)start held every other reader of that board for over a second
under load (``tests/benchmarks/bench_load.py``), and the first uploads paid the broker import.
:func:`warm_up` imports them once when the process loads the WSGI application
(``arena/wsgi.py``), before gunicorn hands it a connection. It never connects anywhere: a
database or broker that is down at start-up still fails the request that needs it, not the
process start. A failing import is logged and left to the first request (which reports it).
"""

from __future__ import annotations

import logging
import time

logger = logging.getLogger(__name__)


def warm_up() -> float:
    """Import the lazily imported modules web requests use; returns the seconds it took."""
    started = time.perf_counter()
    try:
        import evaluators

        evaluators.list_tasks()  # the registry: every task module, its metrics, numpy/scipy
        import arena.leaderboards.services  # noqa: F401
        import arena.submissions.services  # noqa: F401
        from arena.celery import app

        app.connection_for_write().get_transport_cls()  # imports the transport, connects to nothing
    except Exception:  # pragma: no cover - the first request that needs it reports it
        logger.exception("web process warm-up failed; the first requests import on demand")
    return time.perf_counter() - started
