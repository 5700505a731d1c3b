"""The database is the source of truth for owed work; the broker only carries wake-up calls.

* :func:`dispatch` sends a task message for a submission attempt (callers do it on commit) and
  stamps ``Submission.dispatched``. A broker that cannot be reached is logged, not raised: the
  row is stored and the sweep sends the message later (an upload never becomes an HTTP 500
  after its row was committed).
* :func:`heartbeat` — a running validation / scoring task and a container job (for its whole
  attempt) stamp ``Submission.heartbeat`` every ``ARENA_HEARTBEAT_INTERVAL`` seconds.
* :func:`sweep` re-dispatches every submission owed work with no live task: waiting
  (``pending`` / ``queued``) with no ready message in the broker for longer than
  ``ARENA_DISPATCH_GRACE`` seconds, or working (``validating`` / ``evaluating`` / ``running``)
  with a heartbeat older than ``ARENA_HEARTBEAT_TIMEOUT`` seconds (default 120). Every worker
  runs it on a timer (:func:`start_sweeper`, started from ``arena.celery`` when the worker is
  ready) every ``ARENA_SWEEP_INTERVAL`` seconds; no extra process.

Algorithm submissions waiting for their container job (``queued`` without predictions) or
running it (``running``, beating from the job) are owed the same way; the sweep hands them to
the execution app through the ``run_owed`` signal (no import upward), which skips a job whose
message still waits in the broker, removes a dead attempt's container where its engine can be
reached and sends the job again (a new run attempt). Once the outputs are collected (``queued``
with ``predictions_path``) they are scored like uploaded predictions.

Duplicates are harmless: the tasks claim the row through ``state.claim`` (a second task meets a
live heartbeat or a moved status and stops), a container job claims its submission the same way
(``arena.execution.runner``), and the Evaluation is unique per (submission, attempt).
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone

from arena.submissions.models import Submission

logger = logging.getLogger(__name__)

S = Submission.Status
VALIDATE_TASK = "arena.submissions.tasks.validate_submission"
SCORE_TASK = "arena.evaluation.tasks.score_submission"
#: Waiting states (a message should be in the broker) and working states (a task beats).
WAITING = (S.PENDING, S.QUEUED)
WORKING = (S.VALIDATING, S.EVALUATING, S.RUNNING)
#: Owed work of an algorithm submission's container job: handed to the execution app.
RUN = "run"


def heartbeat_interval() -> float:
    """Seconds between two heartbeats of a running task (``ARENA_HEARTBEAT_INTERVAL``)."""
    return float(getattr(settings, "ARENA_HEARTBEAT_INTERVAL", 15))


def heartbeat_timeout() -> float:
    """Seconds after which a silent task counts as dead (``ARENA_HEARTBEAT_TIMEOUT``, 120)."""
    return float(getattr(settings, "ARENA_HEARTBEAT_TIMEOUT", 120))


def dispatch_grace() -> float:
    """Seconds a waiting submission may go without a broker message (``ARENA_DISPATCH_GRACE``)."""
    return float(getattr(settings, "ARENA_DISPATCH_GRACE", 30))


def current_task_id() -> str:
    """The running Celery task's id, or "" outside a task."""
    from celery import current_task

    return str(getattr(getattr(current_task, "request", None), "id", None) or "")


def dispatch(task, submission_id: int, attempt: int, *, args: tuple | None = None) -> bool:
    """Send ``task(*args)`` (default ``(submission_id, attempt)``) and stamp the submission's
    ``dispatched``. Call it after the transaction that made the work owed has committed. Returns
    False (logged) when the broker cannot be reached: the sweep sends it later."""
    try:
        # Fail fast when the broker is down (the producer's own reconnect loop would hold the
        # request for minutes), then publish with a short retry.
        with task.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=5)
        task.apply_async(
            (submission_id, attempt) if args is None else args,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        )
    except Exception as exc:  # kombu/redis raise many types for "broker unreachable"
        logger.warning(
            "submission %s attempt %s: %s not sent (%s: %s); the sweep will send it",
            submission_id, attempt, task.name, type(exc).__name__, exc,
        )
        return False
    Submission.objects.filter(pk=submission_id, attempt=attempt).update(dispatched=timezone.now())
    return True


def beat(submission_id: int, attempt: int) -> None:
    """Stamp one heartbeat of ``attempt`` now (a database error is logged, not raised)."""
    try:
        Submission.objects.filter(pk=submission_id, attempt=attempt).update(heartbeat=timezone.now())
    except DatabaseError as exc:
        logger.warning("submission %s: heartbeat not written (%s)", submission_id, exc)
        close_old_connections()


@contextmanager
def heartbeat(submission_id: int, attempt: int) -> Iterator[None]:
    """While the block runs, a thread stamps the attempt's heartbeat every
    ``ARENA_HEARTBEAT_INTERVAL`` seconds (on its own database connection, closed at the end)."""
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.wait(heartbeat_interval()):
                beat(submission_id, attempt)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=f"heartbeat-{submission_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def _task_key(payload: dict) -> tuple[str, int] | None:
    headers = payload.get("headers") or {}
    name = headers.get("task")
    if not isinstance(name, str) or not name.startswith("arena."):
        return None
    try:
        args = ast.literal_eval(headers.get("argsrepr") or "()")
        return name, int(args[0])
    except (ValueError, SyntaxError, TypeError, IndexError):
        return None


def ready_messages() -> set[tuple[str, int]] | None:
    """``(task name, first argument)`` of every Arena task message waiting in the broker (not yet
    taken by a worker): the submission id of a validation/scoring message, the job id of a
    container job's. None when the broker cannot be inspected."""
    url = settings.CELERY_BROKER_URL
    found: set[tuple[str, int]] = set()
    try:
        if url.startswith("filesystem://"):
            folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
            raws = []
            for path in folder.glob("*.msg"):
                try:
                    raws.append(path.read_bytes())
                except OSError:  # taken by a worker meanwhile
                    continue
        elif url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
            raws = []
            for pattern in ("cpu*", "gpu*"):
                for key in client.scan_iter(match=pattern, count=1000):
                    if client.type(key) == b"list":
                        raws.extend(client.lrange(key, 0, -1))
        else:
            return None
    except Exception as exc:
        logger.warning("the broker could not be inspected (%s); sweeping by time only", exc)
        return None
    for raw in raws:
        try:
            key = _task_key(json.loads(raw))
        except (ValueError, TypeError, AttributeError):
            continue
        if key is not None:
            found.add(key)
    return found


def task_of(sub: Submission) -> str:
    """The work ``sub`` is owed in its status: :data:`VALIDATE_TASK`, :data:`SCORE_TASK`, or
    :data:`RUN` (an algorithm submission's container job, the execution app's)."""
    if sub.status in (S.PENDING, S.VALIDATING):
        return VALIDATE_TASK
    if sub.status == S.RUNNING or (sub.status == S.QUEUED and not sub.predictions_path):
        return RUN
    return SCORE_TASK


def owed(messages: set[tuple[str, int]] | None | bool = False) -> list[Submission]:
    """Submissions owed work with no live task (see the module docstring), oldest first.
    ``messages``: :func:`ready_messages` (read here when not given). An algorithm submission
    waiting for its job is listed when it was not dispatched within the grace; whether its job's
    message still waits in the broker is the execution app's check (``run_owed``)."""
    now = timezone.now()
    if messages is False:
        messages = ready_messages()
    timeout = dt.timedelta(seconds=heartbeat_timeout())
    # Without a view into the broker, a waiting row gets the longer timeout before a resend.
    grace = dt.timedelta(seconds=dispatch_grace()) if messages is not None else timeout
    candidates = Submission.objects.filter(status__in=WAITING + WORKING).order_by("created", "id")
    result = []
    for sub in candidates:
        task = task_of(sub)
        if messages is not None and (task, sub.pk) in messages:
            continue
        sent_recently = sub.dispatched is not None and now - sub.dispatched < grace
        if sub.status in WAITING:
            if not sent_recently:
                result.append(sub)
        elif (sub.heartbeat is None or now - sub.heartbeat > timeout) and not sent_recently:
            result.append(sub)
    return result


def sweep() -> int:
    """Re-dispatch every owed submission (see :func:`owed`); returns how many were sent."""
    from arena.submissions.signals import predictions_ready, run_owed
    from arena.submissions.tasks import validate_submission

    messages = ready_messages()
    sent = 0
    for sub in owed(messages):
        task = task_of(sub)
        if task == RUN:
            # The execution app's receiver checks its job and sends it again (or not).
            answers = run_owed.send(
                sender=Submission, submission_id=sub.pk, attempt=sub.attempt, messages=messages
            )
            sent += sum(1 for _, answer in answers if answer)
            continue
        logger.warning(
            "sweep: submission %s (%s, attempt %s) has no live task; dispatching again",
            sub.pk, sub.status, sub.attempt,
        )
        if task == VALIDATE_TASK:
            sent += dispatch(validate_submission, sub.pk, sub.attempt)
        else:
            # The evaluation app's receiver dispatches the scoring task.
            predictions_ready.send(sender=Submission, submission_id=sub.pk, attempt=sub.attempt)
            sent += 1
    return sent


def start_sweeper(interval: float | None = None) -> threading.Event | None:
    """Run :func:`sweep` every ``ARENA_SWEEP_INTERVAL`` seconds (0: off) in a daemon thread of
    this process (the Celery worker's main process). Returns the event that stops it."""
    every = float(getattr(settings, "ARENA_SWEEP_INTERVAL", 30) if interval is None else interval)
    if every <= 0:
        return None
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            try:
                sweep()
            except Exception:  # the database or broker is down: try again next time
                logger.exception("sweep failed; trying again in %s s", every)
            finally:
                close_old_connections()
                for conn in connections.all():
                    conn.close()

    threading.Thread(target=run, name="arena-sweep", daemon=True).start()
    return stop
