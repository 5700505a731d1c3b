"""The Celery application of Arena and the one decorator every Arena task is declared with.

Queues: ``cpu`` (validation, scoring, leaderboard recompute, notifications) and ``gpu``
(algorithm container runs). Broker: ``settings.CELERY_BROKER_URL`` (Redis in production, kombu's
serverless ``filesystem://`` transport in the embedded default).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

from celery import Celery, shared_task
from celery.signals import worker_process_init, worker_ready, worker_shutdown
from django.db import InterfaceError, OperationalError, connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.settings")

app = Celery("arena")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

QUEUES = ("cpu", "gpu")
# Task name -> queue, filled by ``arena_task``; the router below reads it.
TASK_QUEUES: dict[str, str] = {}


def route_task(name: str, args, kwargs, options, task=None, **kw) -> dict[str, str]:
    """Celery router: the queue each task was declared with (default ``cpu``)."""
    return {"queue": TASK_QUEUES.get(name, "cpu")}


app.conf.task_routes = (route_task,)

# Errors worth another try (a database blip, a broker hiccup); everything else is a real failure
# that the task itself turns into a user-visible reason.
_DB_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
_TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, *_DB_ERRORS)

_sweeper_stop = None


@worker_ready.connect
def _start_sweeper(sender=None, **kwargs) -> None:
    """Every worker re-dispatches owed work on a timer (arena.submissions.liveness)."""
    global _sweeper_stop
    from arena.submissions.liveness import start_sweeper

    _sweeper_stop = start_sweeper()


@worker_process_init.connect
def _forget_parent_db_pool(**kwargs) -> None:
    """A pool process forked from the worker must not use its parent's pooled PostgreSQL
    connections (shared sockets): forget them; the child opens its own pool on first use."""
    try:
        from django.db.backends.postgresql.base import DatabaseWrapper
    except ImportError:  # pragma: no cover - psycopg is a hard dependency
        return
    DatabaseWrapper._connection_pools.clear()
    for conn in connections.all(initialized_only=True):
        conn.connection = None


@worker_process_init.connect
def _lower_cpu_priority(**kwargs) -> None:
    """Run a pool process's tasks (validation, scoring, container runs it starts) at CPU
    priority ``ARENA_WORKER_NICE`` (default 10; 0 leaves it): on a node shared with a web
    server or a database, scoring then takes only the CPU they leave idle, and a burst of page
    reads is not slowed by it (idle CPU is used all the same, so a worker alone on its node
    scores as fast). A value the process may not set (it can only lower its priority) is
    logged and ignored."""
    from django.conf import settings

    nice = int(getattr(settings, "ARENA_WORKER_NICE", 10))
    if nice > 0:
        try:
            os.nice(nice)
        except OSError as exc:  # pragma: no cover - e.g. a seccomp profile that forbids it
            import logging

            logging.getLogger(__name__).warning("worker CPU priority not lowered: %s", exc)


@worker_shutdown.connect
def _stop_sweeper(sender=None, **kwargs) -> None:
    if _sweeper_stop is not None:
        _sweeper_stop.set()


def _closing_broken_connections(func: Callable[..., Any]) -> Callable[..., Any]:
    """Close this process's database connections when ``func`` meets a database error, so the
    retry (autoretry_for) opens a fresh one instead of reusing the dead socket."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except _DB_ERRORS:
            for conn in connections.all():
                try:
                    conn.close()
                except Exception:  # the socket is already gone
                    pass
            raise

    return run


def arena_task(
    *,
    queue: str = "cpu",
    max_retries: int = 3,
    retry_backoff: int = 5,
    time_limit: int | None = None,
    retry_for: tuple[type[BaseException], ...] = _TRANSIENT_ERRORS,
) -> Callable[[Callable[..., Any]], Any]:
    """Declare an Arena Celery task bound to ``queue`` ("cpu" or "gpu").

    Every task is ``acks_late`` with ``reject_on_worker_lost`` (a killed worker's message is
    delivered again), ignores results (state lives in the database), and retries transient
    errors — a dropped database connection included, on a fresh connection — with exponential
    backoff. Tasks must therefore be idempotent: lock the row, check the
    expected state and attempt, do one step, commit, schedule the next step on commit.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; expected one of {QUEUES}")

    def decorator(func: Callable[..., Any]) -> Any:
        name = f"{func.__module__}.{func.__name__}"
        TASK_QUEUES[name] = queue
        options: dict[str, Any] = {
            "name": name,
            "acks_late": True,
            "reject_on_worker_lost": True,
            "ignore_result": True,
            "autoretry_for": retry_for,
            "max_retries": max_retries,
            "retry_backoff": retry_backoff,
            "retry_jitter": True,
        }
        if time_limit is not None:
            options["time_limit"] = time_limit
            options["soft_time_limit"] = max(1, time_limit - 30)
        return shared_task(**options)(_closing_broken_connections(func))

    return decorator
