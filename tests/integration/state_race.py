"""Race driver for test_integration_state_race: run as a script against a fresh PostgreSQL
database (``DATABASE_URL``). Several worker threads — each with its own database session, as
separate worker processes would have — fire the same state-machine step at the same instant.
The window between reading the status and writing it is widened by a sleep inside the locked
section (fault injection), so a missing row lock would let two of them win.

Prints one line ``RACE-JSON <object>``: per scenario and round, the outcome counts the test asserts on."""

from __future__ import annotations

import json
import os
import threading
import time
from types import SimpleNamespace

import django

ROUNDS = int(os.environ.get("RACE_ROUNDS", "5"))
WORKERS = 4


def _race(calls) -> list:
    """Run the callables at the same instant in threads; their results (or exceptions)."""
    from django.db import connection

    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # reported, the test fails on it
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def main() -> None:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    from arena.challenges.models import Challenge, Phase
    from arena.evaluation.models import Evaluation
    from arena.evaluation.tasks import _finish
    from arena.notifications.models import Notification
    from arena.submissions import state
    from arena.submissions.models import StatusChange, Submission

    original_record = state._record

    def slow_record(*args, **kwargs):
        time.sleep(0.15)  # still holding the row lock: the other sessions must wait for it
        return original_record(*args, **kwargs)

    state._record = slow_record

    User = get_user_model()
    alice = User.objects.create_user("alice", "alice@example.org", "pw")
    olga = User.objects.create_user("olga", "olga@example.org", "pw")
    challenge = Challenge.objects.create(slug="race", title="Race")
    phase = Phase.objects.create(challenge=challenge, slug="p", title="P", task="kits21")
    result = SimpleNamespace(metrics_json={"aggregates": {"x": 1}, "ranking_scores": {"x": 1.0}})

    def make(status):
        return Submission.objects.create(phase=phase, creator=alice, status=status, file="a.zip")

    def summary(sub, extra):
        sub.refresh_from_db()
        changes = list(StatusChange.objects.filter(submission=sub).values_list("source", "target", "reason"))
        return {
            "status": sub.status,
            "error": sub.error,
            "changes": changes,
            "evaluations": Evaluation.objects.filter(submission=sub).count(),
            "notifications": Notification.objects.filter(link=f"/submissions/{sub.pk}/").count(),
            **extra,
        }

    def outcome(res, winner=lambda r: r is not None) -> dict:
        return {
            "winners": sum(winner(r) for r in res if not isinstance(r, Exception)),
            "errors": [repr(r) for r in res if isinstance(r, Exception)],
        }

    def claim(sub):
        return [lambda: state.transition(sub.pk, 1, ("queued",), "evaluating")] * WORKERS

    def finish(sub):
        return [lambda: _finish(sub, 1, result, "digest")] * 2

    def cancel_vs_finish(sub):
        return [lambda: _finish(sub, 1, result, "digest"), lambda: state.cancel(sub.pk, by=olga)]

    def fail_vs_fail(sub):
        return [lambda: state.fail(sub.pk, 1, "worker A crashed"),
                lambda: state.fail(sub.pk, 1, "worker B crashed")]

    scenarios = {
        "claim": ("queued", claim, lambda r: r is not None),
        "finish": ("evaluating", finish, lambda r: r is True),
        "cancel_vs_finish": ("evaluating", cancel_vs_finish, lambda r: r is not None),
        "fail_vs_fail": ("evaluating", fail_vs_fail, lambda r: r is not None),
    }
    out: dict[str, list] = {name: [] for name in scenarios}
    for _ in range(ROUNDS):
        for name, (start, calls, winner) in scenarios.items():
            sub = make(start)
            out[name].append(summary(sub, outcome(_race(calls(sub)), winner)))
    print("RACE-JSON " + json.dumps(out, default=str))


if __name__ == "__main__":
    main()
