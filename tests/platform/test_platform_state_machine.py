"""The submission state machine (arena.submissions.state): every legal move, every illegal one,
stale calls, the recorded history and its timeline on the submission page and in the API.

The legal moves are written out below from the design (pending → validating → queued →
[running → queued →] evaluating → succeeded; failed / cancelled from any unfinished state;
redelivered tasks re-enter validating / queued / running / evaluating), independently of the
module's table, so a changed table makes these tests fail."""

from __future__ import annotations

import itertools
import re
import socket
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from rest_framework.test import APIClient
from synthdata import make_predictions, zip_folder

from arena.submissions import state
from arena.submissions.models import StatusChange, Submission

STATES = ["pending", "validating", "queued", "running", "evaluating", "succeeded", "failed", "cancelled"]
ACTIVE = ["pending", "validating", "queued", "running", "evaluating"]
LEGAL = {
    ("pending", "validating"),
    ("validating", "validating"),
    ("validating", "queued"),
    ("queued", "queued"),
    ("queued", "running"),
    ("queued", "evaluating"),
    ("running", "running"),
    ("running", "queued"),
    ("evaluating", "evaluating"),
    ("evaluating", "succeeded"),
} | {(s, "failed") for s in ACTIVE} | {(s, "cancelled") for s in ACTIVE}
ILLEGAL = [pair for pair in itertools.product(STATES, STATES) if pair not in LEGAL]


def _make(phase, user, status: str = "pending", attempt: int = 1) -> Submission:
    return Submission.objects.create(
        phase=phase, creator=user, status=status, attempt=attempt, file="x.zip", original_name="x.zip"
    )


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_table_matches_the_design():
    declared = {(s, t) for s, targets in state.TRANSITIONS.items() for t in targets}
    assert declared == LEGAL
    assert set(state.TRANSITIONS) == set(STATES)
    assert set(Submission.Status.values) == set(STATES)


@pytest.mark.parametrize(("source", "target"), sorted(LEGAL))
def test_every_legal_move_is_applied_and_recorded(phase, users, source, target):
    sub = _make(phase, users["participant"], source, attempt=2)
    moved = state.transition(sub.pk, 2, (source,), target, reason="because")
    assert moved is not None and moved.status == target
    sub.refresh_from_db()
    assert sub.status == target
    change = StatusChange.objects.get(submission=sub)
    assert (change.source, change.target, change.attempt, change.reason) == (source, target, 2, "because")
    assert change.user is None and change.worker == socket.gethostname()


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_every_illegal_move_raises_and_changes_nothing(phase, users, source, target):
    sub = _make(phase, users["participant"], source)
    with pytest.raises(state.IllegalTransition, match=rf"{source} → {target}"):
        state.transition(sub.pk, 1, (source,), target)
    # The same check on a row the caller locked itself.
    with pytest.raises(state.IllegalTransition, match=rf"illegal status change {source} → {target}"):
        with transaction.atomic():
            state.apply(Submission.objects.select_for_update().get(pk=sub.pk), target)
    sub.refresh_from_db()
    assert sub.status == source
    assert not StatusChange.objects.filter(submission=sub).exists()


def test_stale_calls_return_none_and_change_nothing(phase, users):
    sub = _make(phase, users["participant"], "queued", attempt=3)
    assert state.transition(sub.pk, 2, ("queued",), "evaluating") is None  # old attempt
    assert state.transition(sub.pk, 3, ("validating",), "queued") is None  # moved on
    assert state.transition(sub.pk + 1000, 3, ("queued",), "evaluating") is None  # gone
    assert state.fail(sub.pk, 2, "late worker") is None
    done = _make(phase, users["participant"], "succeeded")
    assert state.fail(done.pk, 1, "late worker") is None
    assert state.cancel(done.pk, by=users["participant"]).status == "succeeded"
    sub.refresh_from_db()
    assert sub.status == "queued" and sub.error == ""
    assert not StatusChange.objects.exists()


def test_restart_starts_a_new_attempt_from_any_unfinished_or_final_state(phase, users):
    for source in [s for s in STATES if s != "cancelled"]:
        sub = _make(phase, users["participant"], source)
        with transaction.atomic():
            restarted = state.restart(sub.pk, "queued", by=users["organizer"])
        assert (restarted.status, restarted.attempt) == ("queued", 2)
        change = StatusChange.objects.get(submission=sub)
        assert (change.source, change.target, change.attempt, change.user) == (
            source, "queued", 2, users["organizer"]
        )
    cancelled = _make(phase, users["participant"], "cancelled")
    with pytest.raises(state.IllegalTransition, match="new attempt"), transaction.atomic():
        state.restart(cancelled.pk, "pending")
    with pytest.raises(state.IllegalTransition), transaction.atomic():
        state.restart(_make(phase, users["participant"], "failed").pk, "running")


def test_cancel_records_the_user(phase, users):
    for source in ACTIVE:
        sub = _make(phase, users["participant"], source)
        cancelled = state.cancel(sub.pk, by=users["organizer"])
        assert cancelled.status == "cancelled" and cancelled.finished is not None
        assert cancelled.error == "Cancelled by olga."
        change = StatusChange.objects.get(submission=sub)
        assert (change.source, change.user, change.worker) == (source, users["organizer"], "")


def test_prediction_path_history_page_and_api(
    phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks
):
    """The real upload → validate → score path leaves the four moves in order; the page and the
    API show them; worker hostnames are shown to organizers only."""
    preds = make_predictions(dataset_dir, tmp_path / "preds", shift=1)
    alice = _client(users["participant"])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.post(
            f"/api/v1/phases/{phase.pk}/submissions/",
            {"file": SimpleUploadedFile("p.zip", zip_folder(preds))},
            format="multipart",
        )
    sub_id = response.json()["id"]
    body = alice.get(f"/api/v1/submissions/{sub_id}/").json()
    assert body["status"] == "succeeded"
    moves = [(t["source"], t["target"]) for t in body["timeline"]]
    assert moves == [
        ("", "pending"), ("pending", "validating"), ("validating", "queued"),
        ("queued", "evaluating"), ("evaluating", "succeeded"),
    ]
    assert [t["by"] for t in body["timeline"]] == ["alice", "worker", "worker", "worker", "worker"]
    assert {t["attempt"] for t in body["timeline"]} == {1}
    organizer_view = _client(users["organizer"]).get(f"/api/v1/submissions/{sub_id}/").json()
    assert organizer_view["timeline"][1]["by"] == socket.gethostname()

    from django.test import Client

    web = Client()
    web.force_login(users["participant"])
    html = web.get(f"/submissions/{sub_id}/").content.decode()
    table = html[html.index('id="timeline"'):]
    table = table[: table.index("</table>")]
    assert re.findall(r"<strong>(\w+)</strong>", table) == [
        "pending", "validating", "queued", "evaluating", "succeeded"
    ]
    assert socket.gethostname() not in table

    # Re-evaluation by the organizer: a new attempt, recorded with their name.
    with django_capture_on_commit_callbacks(execute=True):
        _client(users["organizer"]).post(f"/api/v1/submissions/{sub_id}/reevaluate/")
    timeline = alice.get(f"/api/v1/submissions/{sub_id}/").json()["timeline"]
    assert [(t["source"], t["target"], t["attempt"], t["by"]) for t in timeline[5:]] == [
        ("succeeded", "queued", 2, "olga"),
        ("queued", "evaluating", 2, "worker"),
        ("evaluating", "succeeded", 2, "worker"),
    ]


def test_invalid_upload_path_ends_failed_with_reason(
    phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks
):
    preds = make_predictions(dataset_dir, tmp_path / "preds", shift=1)
    first = sorted(preds.iterdir())[0]
    first.write_bytes(b"not a nifti file")
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(users["participant"]).post(
            f"/api/v1/phases/{phase.pk}/submissions/",
            {"file": SimpleUploadedFile("p.zip", zip_folder(preds))},
            format="multipart",
        )
    sub = Submission.objects.get(pk=response.json()["id"])
    assert sub.status == "failed"
    changes = list(sub.status_changes.all())
    assert [(c.source, c.target) for c in changes] == [
        ("", "pending"), ("pending", "validating"), ("validating", "failed")
    ]
    assert changes[-1].reason == sub.error and sub.error


def test_algorithm_path_through_running(phase, users):
    """validating → queued (image accepted) → running (container) → queued (outputs collected)
    → evaluating → succeeded, as the execution app drives it."""
    from arena.evaluation.services import enqueue_scoring

    sub = _make(phase, users["participant"], "validating")
    assert state.transition(sub.pk, 1, ("validating",), "queued")
    assert state.transition(sub.pk, 1, ("queued", "running"), "running")
    assert state.transition(sub.pk, 1, ("queued", "running"), "running")  # redelivered job
    assert enqueue_scoring(sub.pk, "/nonexistent/outputs", attempt=1) is True
    assert state.transition(sub.pk, 1, ("queued", "evaluating"), "evaluating")
    with transaction.atomic():
        state.apply(Submission.objects.select_for_update().get(pk=sub.pk), "succeeded")
    assert [(c.source, c.target) for c in sub.status_changes.all()] == [
        ("validating", "queued"), ("queued", "running"), ("running", "running"),
        ("running", "queued"), ("queued", "evaluating"), ("evaluating", "succeeded"),
    ]


def test_no_status_is_written_outside_the_state_machine():
    """Source guard: nothing in the platform assigns a Submission's status except state.py."""
    root = Path(__file__).resolve().parents[2] / "platform" / "arena"
    pattern = re.compile(
        r"\b(sub|submission|locked|updated|s)\.status\s*=[^=]|Submission\.objects[^\n]*\.update\([^)]*status"
    )
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "state.py" or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []
