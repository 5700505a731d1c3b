"""Scoring time budget with a real Celery worker: a submission over the phase's per-case budget
fails with its reason, the worker stays up and scores the next submission."""

from __future__ import annotations

import pytest
import requests
from synthdata import make_predictions, zip_folder
from test_integration_submission_flow import _poll

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SET_BUDGET = """
from arena.challenges.models import Phase
Phase.objects.filter(pk={phase}).update(scoring_case_timeout_s={seconds})
"""


def test_scoring_over_budget_fails_and_worker_scores_next(pg_stack, it_dataset, tmp_path):
    stack = pg_stack
    headers = {"Authorization": f"Token {stack.token}"}
    api = f"{stack.url}/api/v1"
    assert requests.post(f"{api}/challenges/kits-it/join/", headers=headers).ok
    stack.manage("shell", "-c", SET_BUDGET.format(phase=stack.phase_id, seconds=0.001))
    archive = zip_folder(make_predictions(it_dataset, tmp_path / "preds", shift=1))

    def submit() -> dict:
        response = requests.post(f"{api}/phases/{stack.phase_id}/submissions/", headers=headers,
                                 files={"file": ("preds.zip", archive)})
        assert response.status_code == 201, response.text
        return _poll(stack, response.json()["id"], headers)

    slow = submit()
    assert slow["status"] == "failed", (slow, stack.logs())
    assert slow["error"] == "scoring exceeded 0.001 s on case case_00000", stack.logs()
    stack.manage("shell", "-c", SET_BUDGET.format(phase=stack.phase_id, seconds=900))
    good = submit()
    stack.check_alive()  # the worker process that ran the killed scoring is still the same
    assert good["status"] == "succeeded", (good, stack.logs())
