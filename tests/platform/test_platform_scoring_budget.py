"""Scoring time budget: a submission whose scoring runs over its phase's budget fails with its
own reason, the scoring process is stopped, and the next scoring job of the same worker runs."""

from __future__ import annotations

import os

from rest_framework.test import APIClient
from synthdata import make_predictions, zip_folder

from arena.evaluation.models import Evaluation
from arena.submissions.models import Submission


def _submit(phase, user, data: bytes, capture) -> Submission:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = APIClient()
    client.force_authenticate(user)
    with capture(execute=True):
        response = client.post(f"/api/v1/phases/{phase.pk}/submissions/",
                               {"file": SimpleUploadedFile("p.zip", data)}, format="multipart")
    assert response.status_code == 201, response.content
    return Submission.objects.get(pk=response.json()["id"])


def _children() -> set[int]:
    """Pids of this process's live children (a killed scoring child must not linger)."""
    me = str(os.getpid())
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me and fields[0] != "Z":
                pids.add(int(entry))
    return pids


def test_scoring_over_budget_fails_with_reason_and_next_job_runs(
    phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks
):
    before = _children()
    phase.scoring_case_timeout_s = 0.001  # far below what reading and scoring one case takes
    phase.quota_count = 0
    phase.save()
    preds = make_predictions(dataset_dir, tmp_path / "preds", shift=1)
    slow = _submit(phase, users["participant"], zip_folder(preds),
                   django_capture_on_commit_callbacks)
    slow.refresh_from_db()
    assert slow.status == "failed"
    assert slow.error == "scoring exceeded 0.001 s on case case_00000", slow.error
    assert not Evaluation.objects.filter(submission=slow).exists()
    assert _children() <= before  # the killed scoring process is gone

    # the per-submission budget has its own reason
    phase.scoring_case_timeout_s = 900
    phase.scoring_timeout_s = 0.001
    phase.save()
    total = _submit(phase, users["participant"], zip_folder(preds),
                    django_capture_on_commit_callbacks)
    total.refresh_from_db()
    assert total.status == "failed"
    assert total.error.startswith("scoring exceeded 0.001 s in total, at case case_0000")

    # the same worker serves the next job within the (default) budget
    phase.scoring_timeout_s = 4 * 3600
    phase.save()
    good = _submit(phase, users["participant"], zip_folder(preds),
                   django_capture_on_commit_callbacks)
    good.refresh_from_db()
    assert good.status == "succeeded", good.error
    assert Evaluation.objects.filter(submission=good).count() == 1
    assert _children() <= before
