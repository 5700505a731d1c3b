"""The prediction-submission path with eager Celery: upload → validate → score (the real
evaluators) → leaderboard → notification, plus idempotency, re-evaluation and policies."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient
from synthdata import make_predictions, zip_folder

import evaluators
from arena.evaluation.models import Evaluation
from arena.leaderboards.models import LeaderboardEntry
from arena.notifications.models import Notification
from arena.submissions.models import Submission


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _submit(client, phase, data: bytes, capture) -> dict:
    with capture(execute=True):
        response = client.post(
            f"/api/v1/phases/{phase.pk}/submissions/",
            {"file": SimpleUploadedFile("p.zip", data)},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    return client.get(f"/api/v1/submissions/{response.json()['id']}/").json()


def test_upload_is_scored_ranked_and_notified(
    phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks
):
    preds = make_predictions(dataset_dir, tmp_path / "preds", shift=1)
    client = _client(users["participant"])
    body = _submit(client, phase, zip_folder(preds), django_capture_on_commit_callbacks)
    assert body["status"] == "succeeded", body
    assert body["error"] == ""
    expected = evaluators.score_folder("kits21", preds, dataset_dir / "references").metrics_json
    assert body["metrics"]["aggregates"] == expected["aggregates"]
    assert body["metrics"]["ranking_scores"] == expected["ranking_scores"]
    assert body["metrics"]["evaluators_version"] == evaluators.__version__
    assert body["metrics"]["reference_digest"] == evaluators.reference_digest(
        dataset_dir / "references"
    )
    board = client.get(f"/api/v1/phases/{phase.pk}/leaderboard/").json()
    assert [r["participant"] for r in board["rows"]] == ["alice"]
    row = board["rows"][0]
    assert row["rank"] == 1 and row["submission_id"] == body["id"]
    for column in board["columns"]:
        assert row["values"][column["key"]] == expected["ranking_scores"][column["key"]]
    assert Notification.objects.filter(user=users["participant"], text__contains="scored").exists()
    assert any("scored" in m.subject for m in mail.outbox)
    csv_text = client.get(f"/api/v1/phases/{phase.pk}/leaderboard/?format=csv").content.decode()
    header, first = csv_text.splitlines()[:2]
    assert header.startswith("rank,participant,submission_id,submitted,score,mean_dice")
    assert first.startswith(f"1,alice,{body['id']},")


def test_invalid_geometry_fails_with_reason_and_frees_quota(
    phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks
):
    phase.quota_count = 1
    phase.save()
    preds = make_predictions(dataset_dir, tmp_path / "preds")
    bad = sitk.GetImageFromArray(np.zeros((5, 8, 8), np.uint8))
    sitk.WriteImage(bad, str(preds / "case_00001.nii.gz"))
    client = _client(users["participant"])
    body = _submit(client, phase, zip_folder(preds), django_capture_on_commit_callbacks)
    assert body["status"] == "failed"
    assert "case_00001" in body["error"]
    assert body["metrics"] is None
    assert Notification.objects.filter(text__contains="failed").exists()
    # The failed submission did not use the quota of 1.
    good = make_predictions(dataset_dir, tmp_path / "good")
    assert _submit(client, phase, zip_folder(good), django_capture_on_commit_callbacks)[
        "status"
    ] == "succeeded"


def test_redelivered_and_stale_tasks_do_nothing(
    phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks
):
    from arena.evaluation.tasks import score_submission
    from arena.submissions.tasks import validate_submission

    preds = make_predictions(dataset_dir, tmp_path / "preds")
    client = _client(users["participant"])
    sub_id = _submit(client, phase, zip_folder(preds), django_capture_on_commit_callbacks)["id"]
    with django_capture_on_commit_callbacks(execute=True):
        validate_submission.run(sub_id, 1)
        score_submission.run(sub_id, 1)
        score_submission.run(sub_id, 0)
    sub = Submission.objects.get(pk=sub_id)
    assert sub.status == "succeeded" and sub.attempt == 1
    assert Evaluation.objects.filter(submission=sub).count() == 1
    assert LeaderboardEntry.objects.filter(phase=phase).count() == 1
    # A redelivered scoring message for an attempt in progress writes its Evaluation once.
    Submission.objects.filter(pk=sub_id).update(status="evaluating")
    with django_capture_on_commit_callbacks(execute=True):
        score_submission.run(sub_id, 1)
    assert Evaluation.objects.filter(submission=sub).count() == 1


def test_reevaluate_makes_new_attempt(
    phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks
):
    preds = make_predictions(dataset_dir, tmp_path / "preds")
    sub_id = _submit(
        _client(users["participant"]), phase, zip_folder(preds), django_capture_on_commit_callbacks
    )["id"]
    organizer = _client(users["organizer"])
    assert _client(users["participant"]).post(
        f"/api/v1/submissions/{sub_id}/reevaluate/"
    ).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer.post(f"/api/v1/submissions/{sub_id}/reevaluate/")
    assert response.status_code == 200
    sub = Submission.objects.get(pk=sub_id)
    assert sub.status == "succeeded" and sub.attempt == 2
    assert list(sub.evaluations.values_list("attempt", flat=True)) == [2, 1]
    with django_capture_on_commit_callbacks(execute=True):
        assert organizer.post(f"/api/v1/phases/{phase.pk}/reevaluate/").json() == {"requeued": 1}
    sub.refresh_from_db()
    assert sub.attempt == 3 and sub.status == "succeeded"
    assert LeaderboardEntry.objects.filter(phase=phase).count() == 1


@pytest.mark.parametrize("policy,expected_shift", [("best", 0), ("latest", 3)])
def test_leaderboard_policy(
    policy, expected_shift, phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks
):
    phase.leaderboard_policy = policy
    phase.quota_count = 0
    phase.save()
    client = _client(users["participant"])
    ids = {}
    for shift in (0, 3):
        preds = make_predictions(dataset_dir, tmp_path / f"p{shift}", shift=shift)
        ids[shift] = _submit(client, phase, zip_folder(preds), django_capture_on_commit_callbacks)[
            "id"
        ]
    other = make_predictions(dataset_dir, tmp_path / "other", shift=2)
    _submit(_client(users["other"]), phase, zip_folder(other), django_capture_on_commit_callbacks)
    rows = client.get(f"/api/v1/phases/{phase.pk}/leaderboard/").json()["rows"]
    assert len(rows) == 2
    mine = next(r for r in rows if r["participant"] == "alice")
    assert mine["submission_id"] == ids[expected_shift]
    assert [r["rank"] for r in rows] == [1, 2]


def test_frozen_board_does_not_change(
    phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks
):
    client = _client(users["participant"])
    preds = make_predictions(dataset_dir, tmp_path / "p", shift=2)
    _submit(client, phase, zip_folder(preds), django_capture_on_commit_callbacks)
    phase.frozen = True
    phase.save()
    better = make_predictions(dataset_dir, tmp_path / "b", shift=0)
    _submit(_client(users["other"]), phase, zip_folder(better), django_capture_on_commit_callbacks)
    rows = client.get(f"/api/v1/phases/{phase.pk}/leaderboard/").json()["rows"]
    assert [r["participant"] for r in rows] == ["alice"]


def test_inputs_download_has_images_not_references(phase, users, dataset_dir):
    response = _client(users["participant"]).get(f"/api/v1/phases/{phase.pk}/inputs/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    data = b"".join(response.streaming_content)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert sorted(names) == sorted(
        f"inputs/{p.name}" for p in (dataset_dir / "inputs").iterdir()
    )
    assert not any("references" in n for n in names)


def test_enqueue_scoring_from_execution(
    phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks
):
    from arena.evaluation.services import enqueue_scoring

    sub = Submission.objects.create(
        phase=phase, creator=users["participant"], kind="algorithm", status="running"
    )
    from arena import files

    preds = f"predictions/{sub.pk}/1"  # where arena.execution stores the collected outputs
    files.upload_folder(make_predictions(dataset_dir, tmp_path / "outputs"), preds)
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_scoring(sub.pk, preds, attempt=1)
    sub.refresh_from_db()
    assert sub.status == "succeeded"
    assert not enqueue_scoring(sub.pk, preds)  # already finished


def test_issue_token_command(users, challenge, capsys):
    from arena.api.models import ApiToken

    call_command("issue_token", "alice")
    token = capsys.readouterr().out.strip()
    assert len(token) == 40
    call_command("issue_token", "alice")
    second = capsys.readouterr().out.strip()
    assert second != token  # stored hashed: every call issues a new token
    for key in (token, second):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.post(f"/api/v1/challenges/{challenge.slug}/join/").status_code != 401
        assert not ApiToken.objects.filter(digest=key).exists()
    call_command("issue_token", "newbot", "--create")
    assert len(capsys.readouterr().out.strip()) == 40
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="does not exist"):
        call_command("issue_token", "ghost")


def test_join_challenge(challenge, users):
    client = _client(users["stranger"])
    response = client.post(f"/api/v1/challenges/{challenge.slug}/join/")
    assert response.status_code == 201 and response.json()["status"] == "approved"
    assert client.post(f"/api/v1/challenges/{challenge.slug}/join/").status_code == 200
    challenge.requires_approval = True
    challenge.save()
    late = _client(users["admin"])
    assert late.post(f"/api/v1/challenges/{challenge.slug}/join/").json()["status"] == "pending"
    assert APIClient().post(f"/api/v1/challenges/{challenge.slug}/join/").status_code == 401


def test_challenge_list_shape(phase, users):
    data = APIClient().get("/api/v1/challenges/").json()
    assert data[0]["slug"] == "kits"
    assert data[0]["phases"][0] == {
        **data[0]["phases"][0],
        "id": phase.pk,
        "slug": "test",
        "task": "kits21",
        "kind": "predictions",
        "open": True,
    }
    assert "references_path" not in str(data)
    assert Path(phase.references_path).name not in str(
        APIClient().get(f"/api/v1/phases/{phase.pk}/").json()
    )


def test_reevaluate_command_stale_only(
    phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks, capsys
):
    preds = make_predictions(dataset_dir, tmp_path / "preds")
    sub_id = _submit(
        _client(users["participant"]), phase, zip_folder(preds), django_capture_on_commit_callbacks
    )["id"]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reevaluate", "--phase", str(phase.pk), "--stale-only")
    assert "0 stale" in capsys.readouterr().out
    Evaluation.objects.filter(submission_id=sub_id).update(evaluators_version="0.0.1")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reevaluate", "--phase", str(phase.pk), "--stale-only")
    assert "1 stale" in capsys.readouterr().out
    sub = Submission.objects.get(pk=sub_id)
    assert sub.attempt == 2 and sub.status == "succeeded"
    assert sub.latest_evaluation.evaluators_version == evaluators.__version__


def test_admin_actions(phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks):
    from django.test import Client

    preds = make_predictions(dataset_dir, tmp_path / "preds")
    sub_id = _submit(
        _client(users["participant"]), phase, zip_folder(preds), django_capture_on_commit_callbacks
    )["id"]
    admin = Client()
    admin.force_login(users["admin"])
    response = admin.post(
        "/admin/challenges/phase/",
        {"action": "freeze", "_selected_action": [phase.pk]},
    )
    assert response.status_code == 302
    phase.refresh_from_db()
    assert phase.frozen
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            "/admin/submissions/submission/",
            {"action": "reevaluate", "_selected_action": [sub_id]},
        )
    assert Submission.objects.get(pk=sub_id).attempt == 2
    admin.post("/admin/challenges/phase/", {"action": "unfreeze", "_selected_action": [phase.pk]})
    phase.refresh_from_db()
    assert not phase.frozen and LeaderboardEntry.objects.filter(phase=phase).count() == 1


def test_openapi_schema_lists_the_api(db):
    response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/challenges/",
        "/api/v1/challenges/{slug}/join/",
        "/api/v1/phases/{phase_id}/submissions/",
        "/api/v1/phases/{phase_id}/leaderboard/",
        "/api/v1/phases/{phase_id}/inputs/",
        "/api/v1/submissions/{submission_id}/",
    ):
        assert path in paths, sorted(paths)
    assert "TokenAuth" in str(response.json()["components"]["securitySchemes"]) or "tokenAuth" in str(
        response.json()["components"]["securitySchemes"]
    )


def test_registration_approval_flow(challenge, users):
    from arena.notifications.services import mark_read, unread_count
    from arena.participation.services import decide_registration, join_challenge

    challenge.requires_approval = True
    challenge.save()
    registration = join_challenge(users["stranger"], challenge)
    assert registration.status == "pending"
    assert unread_count(users["organizer"]) == 1
    decide_registration(registration, approve=True, by=users["organizer"])
    assert registration.status == "approved"
    assert unread_count(users["stranger"]) == 1
    assert mark_read(users["stranger"]) == 1 and unread_count(users["stranger"]) == 0


def test_queue_position(phase, users):
    from arena.submissions.services import queue_position

    first = Submission.objects.create(phase=phase, creator=users["participant"])
    second = Submission.objects.create(phase=phase, creator=users["other"], status="queued")
    done = Submission.objects.create(phase=phase, creator=users["other"], status="succeeded")
    assert (queue_position(first), queue_position(second), queue_position(done)) == (1, 2, None)


def test_non_finite_values_are_stored_as_null(
    phase, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    real = evaluators.score_folder

    def with_nan(*args, **kwargs):
        result = real(*args, **kwargs)
        result.metrics_json["aggregates"]["tumor"]["dice"]["std"] = float("nan")
        result.metrics_json["ranking_scores"]["tumor/dice"] = float("inf")
        return result

    monkeypatch.setattr(evaluators, "score_folder", with_nan)
    preds = make_predictions(dataset_dir, tmp_path / "preds")
    client = _client(users["participant"])
    body = _submit(client, phase, zip_folder(preds), django_capture_on_commit_callbacks)
    assert body["status"] == "succeeded"
    assert body["metrics"]["aggregates"]["tumor"]["dice"]["std"] is None
    rows = client.get(f"/api/v1/phases/{phase.pk}/leaderboard/").json()["rows"]
    assert rows[0]["values"]["tumor/dice"] is None
