"""Bad uploads are refused with a clear error on the API, nothing is stored and no quota is
consumed; good uploads are stored and queued."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient
from synthdata import make_predictions, targz_folder, zip_folder

from arena.submissions.models import Submission
from arena.submissions.services import (
    SubmissionRejected,
    create_prediction_submission,
    quota_status,
)


def _client(user) -> APIClient:
    from arena.api.tokens import issue_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user, 'tests')[1]}")
    return client


def _post(client, phase, data: bytes, name: str = "preds.zip"):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(f"/api/v1/phases/{phase.pk}/submissions/", {"file": upload}, format="multipart")


def _stored_files(settings) -> list[str]:
    """Uploaded files in the "default" storage (the phase's inputs zip is not an upload)."""
    from arena import files

    return list(files.walk("submissions"))


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _zip_with_symlink() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("case_00000.nii.gz")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


def _tar(kind: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        info = tarfile.TarInfo("case_00000.nii.gz")
        if kind == "symlink":
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        elif kind == "hardlink":
            info.type, info.linkname = tarfile.LNKTYPE, "/etc/passwd"
        elif kind == "device":
            info.type = tarfile.CHRTYPE
        tf.addfile(info)
    return buf.getvalue()


@pytest.fixture
def good_zip(dataset_dir, tmp_path) -> bytes:
    return zip_folder(make_predictions(dataset_dir, tmp_path / "preds"))


BAD = {
    "not an archive": (lambda: b"hello, this is not an archive" * 10, "not an archive"),
    "nifti instead of archive": (
        lambda: (Path(__file__).parent / "synthdata.py").read_bytes(),
        "not an archive",
    ),
    "zip slip": (lambda: _zip({"../case_00000.nii.gz": b"x"}), "outside the archive"),
    "absolute path": (lambda: _zip({"/tmp/case_00000.nii.gz": b"x"}), "absolute path"),
    "zip symlink": (_zip_with_symlink, "symbolic link"),
    "tar symlink": (lambda: _tar("symlink"), "symbolic link"),
    "tar hardlink": (lambda: _tar("hardlink"), "hard link"),
    "tar device": (lambda: _tar("device"), "special file"),
    "compression bomb": (
        lambda: _zip({"case_00000.nii": bytes(8 * 2**20)}),
        "compression ratio",
    ),
    "wrong names": (
        lambda: _zip({"prediction_1.nii.gz": b"x", "case_00000.txt": b"y"}),
        "unexpected file names",
    ),
    "unknown case": (lambda: _zip({"case_99999.nii.gz": b"x"}), "unexpected file names"),
    "duplicate case": (
        lambda: _zip({"case_00000.nii": b"x", "case_00000.nii.gz": b"y"}),
        "duplicate prediction for case 'case_00000'",
    ),
    "empty zip": (lambda: _zip({}), "no prediction files"),
    "gzip not tar": (lambda: __import__("gzip").compress(b"plain text"), "not a readable tar"),
}


@pytest.mark.parametrize("label", sorted(BAD))
def test_bad_archive_is_refused_and_nothing_stored(label, phase, users, settings):
    settings.ARENA_RATIO_FLOOR_MB = 1
    make, expected = BAD[label]
    client = _client(users["participant"])
    response = _post(client, phase, make())
    assert response.status_code == 400, response.content
    body = response.json()
    assert expected in body["error"], body
    assert body["fields"]["file"]
    assert Submission.objects.count() == 0
    assert _stored_files(settings) == []
    assert quota_status(users["participant"], phase).used == 0


def test_good_zip_is_stored_and_pending(phase, users, good_zip, settings):
    response = _post(_client(users["participant"]), phase, good_zip)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["id"]
    sub = Submission.objects.get(pk=body["id"])
    from arena import files

    assert not Path(sub.file.name).is_absolute()
    with files.storage().open(sub.file.name, "rb") as stored:
        assert stored.read() == good_zip
    assert sub.size == len(good_zip) and len(sub.sha256) == 64
    assert not list((Path(settings.ARENA_WORK_ROOT) / "uploads").glob("*"))
    assert quota_status(users["participant"], phase).used == 1


def test_wrapped_folder_and_targz_are_accepted(phase, users, dataset_dir, tmp_path):
    preds = make_predictions(dataset_dir, tmp_path / "p")
    client = _client(users["participant"])
    assert _post(client, phase, zip_folder(preds, prefix="my_preds/")).status_code == 201
    assert _post(client, phase, targz_folder(preds), name="p.tar.gz").status_code == 201


@pytest.mark.parametrize(
    "role,expected_status,expected",
    [
        ("stranger", 400, "not registered"),
        ("anonymous", 401, "credentials"),
    ],
)
def test_unregistered_or_anonymous_cannot_submit(role, expected_status, expected, phase, users, good_zip):
    client = APIClient() if role == "anonymous" else _client(users[role])
    response = _post(client, phase, good_zip)
    assert response.status_code == expected_status
    assert expected in response.json()["error"]
    assert Submission.objects.count() == 0


def test_pending_registration_cannot_submit(phase, users, good_zip):
    from arena.participation.models import Registration

    Registration.objects.create(user=users["stranger"], challenge=phase.challenge, status="pending")
    response = _post(_client(users["stranger"]), phase, good_zip)
    assert response.status_code == 400 and "approval" in response.json()["error"]


def test_closed_phase_refuses(phase, users, good_zip, settings):
    phase.closes_at = timezone.now() - dt.timedelta(minutes=1)
    phase.save()
    response = _post(_client(users["participant"]), phase, good_zip)
    assert response.status_code == 400 and "closed" in response.json()["error"]
    assert Submission.objects.count() == 0 and _stored_files(settings) == []


def test_not_yet_open_phase_refuses(phase, users, good_zip):
    phase.opens_at = timezone.now() + dt.timedelta(days=1)
    phase.save()
    response = _post(_client(users["participant"]), phase, good_zip)
    assert response.status_code == 400 and "closed" in response.json()["error"]


def test_quota_counts_only_non_failed(phase, users, good_zip, settings):
    phase.quota_count = 2
    phase.save()
    client = _client(users["participant"])
    first = _post(client, phase, good_zip).json()["id"]
    Submission.objects.filter(pk=first).update(status="failed", error="bad")
    assert _post(client, phase, good_zip).status_code == 201
    assert _post(client, phase, good_zip).status_code == 201
    files_before = _stored_files(settings)
    response = _post(client, phase, good_zip)
    assert response.status_code == 400
    assert "quota reached: 2 of 2" in response.json()["error"]
    assert Submission.objects.count() == 3
    assert _stored_files(settings) == files_before
    # Another participant has their own quota.
    assert _post(_client(users["other"]), phase, good_zip).status_code == 201


def test_team_shares_quota(phase, users, good_zip):
    from tests.support.django_setup import team_of

    phase.quota_count = 1
    phase.save()
    team_of(phase.challenge, "Team Rocket", users["participant"], users["other"])
    assert _post(_client(users["participant"]), phase, good_zip).status_code == 201
    response = _post(_client(users["other"]), phase, good_zip)
    assert response.status_code == 400 and "quota" in response.json()["error"]


def test_size_limit(phase, users):
    phase.max_upload_mb = 1
    phase.save()
    big = _zip({"case_00000.nii.gz": os.urandom(int(2.5 * 2**20))})
    response = _post(_client(users["participant"]), phase, big)
    assert response.status_code == 400 and "limit of 1 MB" in response.json()["error"]
    assert Submission.objects.count() == 0


def test_service_raises_submission_rejected(phase, users):
    with pytest.raises(SubmissionRejected) as exc:
        create_prediction_submission(
            users["participant"], phase, SimpleUploadedFile("x.zip", b"not an archive")
        )
    assert exc.value.field == "file" and "not an archive" in str(exc.value)
    with pytest.raises(SubmissionRejected, match="no file was uploaded"):
        create_prediction_submission(users["participant"], phase, None)


def test_size_limit_while_streaming(phase, users, settings):
    phase.max_upload_mb = 1
    phase.save()
    data = _zip({"case_00000.nii.gz": os.urandom(int(1.5 * 2**20))})
    with pytest.raises(SubmissionRejected, match="larger than the phase's limit of 1 MB"):
        create_prediction_submission(users["participant"], phase, SimpleUploadedFile("a.zip", data))
    assert Submission.objects.count() == 0 and _stored_files(settings) == []
