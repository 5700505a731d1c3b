"""Signals by which the submissions app hands work to the apps above it (evaluation,
execution) without importing them: imports flow challenges ← participation ← submissions ←
execution / evaluation ← leaderboards ← web / api, results flow back through these.

``predictions_ready`` is sent after the surrounding transaction commits; ``algorithm_submitted``
by the validation task (outside a transaction); ``run_owed`` by the sweep."""

from __future__ import annotations

from django.dispatch import Signal

#: ``submission_id: int, attempt: int`` — the attempt is ``queued`` with its predictions
#: stored (``Submission.predictions_path``); arena.evaluation schedules the scoring task.
predictions_ready = Signal()

#: ``submission`` — an algorithm submission is ``validating``; arena.execution validates the
#: image and queues its container job. No receiver: the execution app is not installed.
algorithm_submitted = Signal()

#: ``submission_id: int, attempt: int, messages: set[tuple[str, int]] | None`` — sent by the
#: sweep (arena.submissions.liveness) for an algorithm submission owed its container job with no
#: live task: ``queued`` without predictions and not dispatched within the grace, or ``running``
#: with a stale heartbeat. ``messages`` are the Arena task messages waiting in the broker (None:
#: it could not be inspected). arena.execution answers True when it sent the job again.
run_owed = Signal()
