"""Owed work lives in the database (arena.submissions.liveness, state.claim): which submissions
the sweep re-dispatches, how a second task is kept off a live one, and that a running task
beats. The expected sets below are written from the rules in the issue (waiting without a
message for longer than the grace; working with a heartbeat older than the timeout), not read
back from the module. The faults themselves (killed workers, broker, database) are in
tests/faults/."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from arena.submissions import liveness, state
from arena.submissions.models import Submission


def _make(phase, user, status: str, **fields) -> Submission:
    return Submission.objects.create(
        phase=phase, creator=user, status=status, file="x.zip", original_name="x.zip", **fields
    )


def test_claim_keeps_a_second_task_off_a_live_one(phase, users):
    sub = _make(phase, users["participant"], "pending")
    first = state.claim(sub.pk, 1, ("pending", "validating"), "validating", task_id="t1", stale_after=60)
    assert first is not None and first.worker_task == "t1" and first.heartbeat is not None
    # A duplicate message (another task id) while t1 beats: refused, nothing recorded.
    before = sub.status_changes.count()
    assert state.claim(sub.pk, 1, ("pending", "validating"), "validating", task_id="t2", stale_after=60) is None
    assert sub.status_changes.count() == before
    # The same task again (a Celery retry keeps its id): allowed.
    assert state.claim(sub.pk, 1, ("pending", "validating"), "validating", task_id="t1", stale_after=60)
    # t1 went silent for longer than the timeout: t2 takes over, and the history says so.
    Submission.objects.filter(pk=sub.pk).update(heartbeat=timezone.now() - dt.timedelta(seconds=61))
    taken = state.claim(sub.pk, 1, ("pending", "validating"), "validating", task_id="t2", stale_after=60)
    assert taken is not None and taken.worker_task == "t2"
    assert "taken over" in sub.status_changes.last().reason
    # Another attempt or a final state: stale, None.
    assert state.claim(sub.pk, 2, ("pending", "validating"), "validating", task_id="t3", stale_after=60) is None
    with pytest.raises(state.IllegalTransition):
        state.claim(sub.pk, 1, ("succeeded",), "validating", task_id="t3", stale_after=60)


def test_sweep_picks_exactly_the_owed_submissions(phase, users, settings):
    settings.CELERY_BROKER_URL = "memory://"  # a broker that cannot be inspected: time rules only
    settings.ARENA_HEARTBEAT_TIMEOUT = 120
    now = timezone.now()
    old = now - dt.timedelta(seconds=600)
    fresh = now - dt.timedelta(seconds=5)
    user = users["participant"]
    expected_owed = {
        _make(phase, user, "pending").pk,  # never dispatched (broker was down at upload)
        _make(phase, user, "pending", dispatched=old).pk,  # message lost with the broker
        _make(phase, user, "validating", heartbeat=old, dispatched=old).pk,  # worker died
        _make(phase, user, "validating", dispatched=old).pk,  # claimed before any heartbeat
        _make(phase, user, "queued", predictions_path="/p", dispatched=old).pk,
        _make(phase, user, "evaluating", predictions_path="/p", heartbeat=old, dispatched=old).pk,
        # algorithm jobs: waiting without a recent dispatch, or running with a dead heartbeat
        # (handed to the execution app, which checks its job's own broker message)
        _make(phase, user, "queued", dispatched=old, kind="algorithm").pk,
        _make(phase, user, "running", heartbeat=old, kind="algorithm").pk,
    }
    not_owed = {
        _make(phase, user, "pending", dispatched=fresh).pk,  # just sent
        _make(phase, user, "validating", heartbeat=fresh, dispatched=old).pk,  # alive
        _make(phase, user, "evaluating", predictions_path="/p", heartbeat=fresh).pk,  # alive
        _make(phase, user, "validating", heartbeat=old, dispatched=fresh).pk,  # just re-sent
        _make(phase, user, "queued", dispatched=fresh, kind="algorithm").pk,  # job just sent
        _make(phase, user, "running", heartbeat=fresh, kind="algorithm").pk,  # container alive
        _make(phase, user, "succeeded", dispatched=old).pk,
        _make(phase, user, "failed").pk,
        _make(phase, user, "cancelled").pk,
    }
    owed = {sub.pk for sub in liveness.owed()}
    assert owed == expected_owed
    assert not owed & not_owed


def test_sweep_dispatches_owed_work_and_it_finishes(phase, users, settings, dataset_dir, tmp_path):
    """A stored submission whose message never went out (here: the on-commit dispatch of a test
    transaction never runs) is picked up by the sweep, validated and scored (eager Celery runs
    the real tasks inline)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from synthdata import make_predictions, zip_folder

    from arena.submissions.services import create_prediction_submission

    settings.CELERY_BROKER_URL = "memory://"
    settings.ARENA_HEARTBEAT_TIMEOUT = 0  # waiting without a message counts as owed at once
    preds = make_predictions(dataset_dir, tmp_path / "preds", shift=0)
    sub = create_prediction_submission(
        users["participant"], phase, SimpleUploadedFile("p.zip", zip_folder(preds))
    )
    sub.refresh_from_db()
    assert sub.status == "pending" and sub.dispatched is None
    assert liveness.sweep() == 1  # validation; its on-commit hand-over is lost the same way
    sub.refresh_from_db()
    assert sub.status == "queued", sub.error
    assert liveness.sweep() == 1  # scoring
    sub.refresh_from_db()
    assert sub.status == "succeeded", sub.error
    assert sub.evaluations.count() == 1
    assert liveness.sweep() == 0


def _wait_for(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def _beat_of(pk: int):
    return Submission.objects.filter(pk=pk).values_list("heartbeat", flat=True).first()


@pytest.mark.django_db(transaction=True)
def test_heartbeat_thread_stamps_the_row(phase, users, settings):
    settings.ARENA_HEARTBEAT_INTERVAL = 0.2
    sub = _make(phase, users["participant"], "validating")
    assert sub.heartbeat is None
    with liveness.heartbeat(sub.pk, sub.attempt):
        first = _wait_for(lambda: _beat_of(sub.pk))
        _wait_for(lambda: _beat_of(sub.pk) > first)
    stopped = _beat_of(sub.pk)
    time.sleep(0.8)  # four intervals: a thread still running would have beaten again
    assert _beat_of(sub.pk) == stopped
