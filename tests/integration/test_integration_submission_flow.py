"""End to end over HTTP with a real worker: join, upload via the API, poll until succeeded; the
leaderboard shows exactly the numbers ``evaluators.score_folder`` gives for the same files.
Runs on PostgreSQL + Redis and on the embedded default (SQLite + filesystem broker)."""

from __future__ import annotations

import time

import pytest
import requests
from synthdata import make_predictions, zip_folder

import evaluators

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _poll(stack, sub_id: int, headers: dict, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        body = requests.get(f"{stack.url}/api/v1/submissions/{sub_id}/", headers=headers).json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        time.sleep(0.5)
    raise AssertionError(f"submission {sub_id} did not finish:\n{stack.logs()}")


def test_submit_score_rank_over_http(stack, it_dataset, tmp_path):
    headers = {"Authorization": f"Token {stack.token}"}
    api = f"{stack.url}/api/v1"
    challenges = requests.get(f"{api}/challenges/").json()
    assert challenges[0]["phases"][0]["id"] == stack.phase_id
    assert requests.post(f"{api}/challenges/kits-it/join/", headers=headers).json()["status"] == (
        "approved"
    )

    # A refused upload: clear error, nothing queued.
    bad = requests.post(
        f"{api}/phases/{stack.phase_id}/submissions/",
        headers=headers,
        files={"file": ("x.zip", b"definitely not an archive")},
    )
    assert bad.status_code == 400 and "not an archive" in bad.json()["error"]

    preds = make_predictions(it_dataset, tmp_path / "preds", shift=1)
    response = requests.post(
        f"{api}/phases/{stack.phase_id}/submissions/",
        headers=headers,
        files={"file": ("preds.zip", zip_folder(preds))},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "pending"
    body = _poll(stack, created["id"], headers)
    assert body["status"] == "succeeded", (body, stack.logs())

    expected = evaluators.score_folder("kits21", preds, it_dataset / "references").metrics_json
    assert body["metrics"]["aggregates"] == expected["aggregates"]
    deadline = time.monotonic() + 60
    while True:  # the recompute task runs right after scoring commits
        board = requests.get(f"{api}/phases/{stack.phase_id}/leaderboard/").json()
        if board["rows"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(board["rows"]) == 1, stack.logs()
    row = board["rows"][0]
    assert (row["rank"], row["participant"], row["submission_id"]) == (1, "alice", created["id"])
    keys = [c["key"] for c in board["columns"]]
    assert keys, "the kits21 board has no columns"
    assert {k: row["values"].get(k) for k in keys} == {
        k: expected["ranking_scores"][k] for k in keys
    }
    csv_text = requests.get(f"{api}/phases/{stack.phase_id}/leaderboard/?format=csv").text
    assert csv_text.splitlines()[1].startswith(f"1,alice,{created['id']},")

    # the robustness analysis is the worker's next task after the board (one entry: skipped)
    deadline = time.monotonic() + 60
    while True:
        analysis = requests.get(board["robustness"])
        if analysis.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert analysis.status_code == 200, (analysis.text, stack.logs())
    assert analysis.json()["status"] == "skipped"
    assert "at least two entries" in analysis.json()["message"]
