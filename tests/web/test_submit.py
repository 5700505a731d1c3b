"""The submission form: good uploads are scored, bad ones get a clear message on the form
(and in the JSON answer of the progress-bar upload), nothing is stored and no quota is used."""

from __future__ import annotations

import io
import tarfile

import pytest
from django.urls import reverse
from web_helpers import upload, zip_bytes

pytestmark = pytest.mark.django_db(transaction=True)

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest", "HTTP_ACCEPT": "application/json"}


def _count(phase) -> int:
    return phase.submissions.count()


def test_form_renders_with_progress_script(client_for, phase):
    html = client_for("participant").get(reverse("web:submit", args=[phase.pk])).content.decode()
    assert 'id="submission-form"' in html and 'enctype="multipart/form-data"' in html
    assert "web/upload.js" in html and 'id="upload-progress"' in html


def test_plain_post_scores_and_ranks(client_for, phase, archives):
    client = client_for("participant")
    response = client.post(
        reverse("web:submit", args=[phase.pk]),
        {"file": upload("preds.zip", archives["perfect"]), "comment": "first try"},
    )
    assert response.status_code == 302
    submission = phase.submissions.get()
    assert response["Location"] == reverse("web:submission_detail", args=[submission.pk])
    submission.refresh_from_db()
    assert submission.status == "succeeded", submission.error
    detail = client.get(response["Location"]).content.decode()
    assert "Succeeded" in detail and 'id="aggregates"' in detail
    board = client.get(reverse("web:leaderboard", args=[phase.pk]))
    assert [r["submission_id"] for r in board.context["rows"]] == [submission.pk]
    # perfect predictions: every ranking score of an overlap column is 1
    values = board.context["rows"][0]["values"]
    assert any(v == pytest.approx(1.0) for v in values.values())


def test_xhr_post_answers_json(client_for, phase, archives):
    client = client_for("participant")
    response = client.post(
        reverse("web:submit", args=[phase.pk]), {"file": upload("p.zip", archives["eroded"])}, **XHR
    )
    assert response.status_code == 201
    data = response.json()
    assert data["redirect"] == reverse("web:submission_detail", args=[data["id"]])


def _tar_gz_with_symlink() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        info = tarfile.TarInfo("kits_0000.nii.gz")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tf.addfile(info)
    return buffer.getvalue()


BAD_UPLOADS = {
    "not an archive": ("preds.zip", b"this is plain text, not a zip"),
    "zip slip": ("preds.zip", zip_bytes({"../../evil.nii.gz": b"x"})),
    "symlink": ("preds.tar.gz", _tar_gz_with_symlink()),
    "wrong names": ("preds.zip", zip_bytes({"notes.txt": b"hello"})),
    "empty file": ("preds.zip", b""),
}


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_bad_uploads_show_clear_error(client_for, phase, case):
    name, data = BAD_UPLOADS[case]
    client = client_for("participant")
    response = client.post(reverse("web:submit", args=[phase.pk]), {"file": upload(name, data)})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors, case
    message = " ".join(str(e) for errs in errors.values() for e in errs)
    assert len(message) > 10 and "Traceback" not in message
    assert message in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"') or \
        response.context["form"].errors.as_text()
    assert _count(phase) == 0
    xhr = client.post(reverse("web:submit", args=[phase.pk]), {"file": upload(name, data)}, **XHR)
    assert xhr.status_code == 400 and xhr.json()["errors"]
    assert _count(phase) == 0


def test_missing_file_is_named(client_for, phase):
    response = client_for("participant").post(reverse("web:submit", args=[phase.pk]), {})
    assert response.status_code == 400
    assert "field 'file'" in response.context["form"].errors["file"][0]


def test_closed_phase_and_unregistered_user(client_for, phase, archives):
    from datetime import timedelta

    from django.utils import timezone

    stranger = client_for("stranger")
    page = stranger.get(reverse("web:submit", args=[phase.pk])).content.decode()
    assert "not registered" in page
    response = stranger.post(reverse("web:submit", args=[phase.pk]), {"file": upload("p.zip", archives["perfect"])})
    assert response.status_code == 400 and _count(phase) == 0
    phase.closes_at = timezone.now() - timedelta(hours=1)
    phase.save()
    client = client_for("participant")
    response = client.post(reverse("web:submit", args=[phase.pk]), {"file": upload("p.zip", archives["perfect"])})
    assert response.status_code == 400
    assert "closed" in " ".join(str(e) for errs in response.context["form"].errors.values() for e in errs)
    assert _count(phase) == 0


def test_quota_on_form(client_for, phase, archives):
    phase.quota_count = 1
    phase.save()
    client = client_for("participant")
    ok = client.post(reverse("web:submit", args=[phase.pk]), {"file": upload("p.zip", archives["perfect"])})
    assert ok.status_code == 302
    again = client.post(reverse("web:submit", args=[phase.pk]), {"file": upload("p.zip", archives["eroded"])})
    assert again.status_code == 400
    assert "quota" in again.content.decode().lower()
    assert _count(phase) == 1
