"""Storage tier against a real S3-protocol server process (moto's standalone server, started
here; a stand-in for a real S3 service). The server not starting is a FAILURE of this tier,
never a skip. Covers ``arena.files`` (multipart, streaming, folders) and a prediction
submission taken from upload to the board with every file in the bucket."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from synthdata import make_predictions, zip_folder

from arena.api.tokens import issue_token
from tests.support.s3server import start_s3_server

pytestmark = pytest.mark.s3


@pytest.fixture(scope="module")
def s3_server():
    server = start_s3_server()  # raises (the test fails) when the server cannot start
    yield server
    server.stop()


@pytest.fixture
def s3(settings, s3_server, tmp_path):
    """Arena's named storages on a fresh bucket of the server; local folders under tmp_path
    (set by the autouse isolation fixture) must stay free of stored files."""
    s3_server.bucket = s3_server.new_bucket()
    settings.STORAGES = s3_server.storages()
    return s3_server


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_large_file_round_trip_is_multipart_and_streamed(s3, tmp_path):
    from arena import files

    big = tmp_path / "big.bin"
    with big.open("wb") as out:  # 40 MB: three 16 MB parts
        for i in range(40):
            out.write(hashlib.sha256(str(i).encode()).digest() * (2**20 // 32))
    files.upload_file(big, "blobs/a/big.bin")
    head = s3.client().head_object(Bucket=s3.bucket, Key="media/blobs/a/big.bin")
    assert head["ContentLength"] == 40 * 2**20
    assert head["ETag"].strip('"').endswith("-3"), head["ETag"]  # a 3-part multipart upload
    back = files.download_file("blobs/a/big.bin", tmp_path / "back" / "big.bin")
    assert _sha(back) == _sha(big)
    stream = files.open_stream("blobs/a/big.bin")
    digest, biggest = hashlib.sha256(), 0
    for chunk in iter(lambda: stream.read(2**20), b""):
        biggest = max(biggest, len(chunk))
        digest.update(chunk)
    assert digest.hexdigest() == _sha(big) and biggest <= 2**20
    assert not list((tmp_path / "back").glob(".*part"))


def test_folders_walk_download_delete(s3, tmp_path):
    from arena import files

    src = tmp_path / "src"
    (src / "case_1").mkdir(parents=True)
    (src / "a.txt").write_text("a")
    (src / "case_1" / "Brain.nii.gz").write_bytes(b"\x1f\x8b" + b"0" * 100)
    assert files.upload_folder(src, "x/y", alias=files.DATASETS) == ["a.txt", "case_1/Brain.nii.gz"]
    assert s3.keys("datasets/") == ["datasets/x/y/a.txt", "datasets/x/y/case_1/Brain.nii.gz"]
    assert list(files.walk("x/y", alias=files.DATASETS)) == ["a.txt", "case_1/Brain.nii.gz"]
    assert files.download_folder("x/y", tmp_path / "dst", alias=files.DATASETS) == [
        "a.txt", "case_1/Brain.nii.gz"]
    assert (tmp_path / "dst" / "case_1" / "Brain.nii.gz").read_bytes() == (
        src / "case_1" / "Brain.nii.gz").read_bytes()
    with pytest.raises(FileNotFoundError, match="missing"):
        files.download_file("missing", tmp_path / "m")
    with pytest.raises(FileNotFoundError, match="holds no files"):
        files.download_folder("nothing/here", tmp_path / "n")
    assert files.delete_folder("x/y", alias=files.DATASETS) == 2
    assert s3.keys() == []


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user, 'test')[1]}")
    return client


def _local_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_prediction_submission_scored_with_every_file_in_the_bucket(
    s3, settings, challenge, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks
):
    import evaluators
    from arena.challenges.models import Phase
    from arena.challenges.services import configure_phase_dataset
    from arena.leaderboards.models import LeaderboardEntry
    from arena.submissions.models import Submission

    phase = Phase.objects.create(challenge=challenge, slug="s3", title="S3", task="kits21")
    configure_phase_dataset(phase, dataset_dir)
    assert not Path(phase.references_path).is_absolute()
    keys = s3.keys()
    assert f"datasets/{phase.references_path}/case_00000.nii.gz" in keys
    assert f"datasets/{phase.inputs_path}/case_00000_0000.nii.gz" in keys
    assert f"media/{phase.inputs_archive}" in keys

    upload = SimpleUploadedFile("preds.zip", zip_folder(make_predictions(dataset_dir, tmp_path / "preds")))
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(users["participant"]).post(
            f"/api/v1/phases/{phase.pk}/submissions/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    sub = Submission.objects.get(pk=response.json()["id"])
    assert sub.status == "succeeded", sub.error
    assert f"media/{sub.file.name}" in s3.keys("media/submissions/")
    assert sub.predictions_path == f"predictions/{sub.pk}/1"
    assert len(s3.keys(f"media/{sub.predictions_path}/")) == 3
    evaluation = sub.latest_evaluation
    assert evaluation.reference_digest == evaluators.reference_digest(dataset_dir / "references")
    assert LeaderboardEntry.objects.filter(phase=phase).count() == 1
    # Nothing was written to the local storage folders; the worker's scratch is cleaned up and
    # only its content-addressed reference cache remains.
    assert _local_files(Path(settings.MEDIA_ROOT)) == []
    assert _local_files(Path(settings.ARENA_DATASETS_ROOT)) == []
    work = Path(settings.ARENA_WORK_ROOT)
    leftovers = [p.relative_to(work).as_posix() for p in _local_files(work)]
    assert leftovers and all(p.startswith("datasets/") for p in leftovers), leftovers
    assert all("/references/" in p or p.endswith(".complete") for p in leftovers), leftovers

    response = _client(users["participant"]).get(f"/api/v1/phases/{phase.pk}/inputs/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    names = sorted(zipfile.ZipFile(io.BytesIO(body)).namelist())
    assert names == sorted(f"inputs/{p.name}" for p in (dataset_dir / "inputs").iterdir())


def test_reevaluation_restages_from_the_bucket(
    s3, settings, challenge, users, dataset_dir, tmp_path, django_capture_on_commit_callbacks
):
    """A worker with an empty local folder (another node) scores from the bucket alone."""
    import shutil

    from arena.challenges.models import Phase
    from arena.challenges.services import configure_phase_dataset
    from arena.evaluation.services import reevaluate_submission
    from arena.submissions.models import Submission

    phase = Phase.objects.create(challenge=challenge, slug="s3b", title="S3b", task="kits21")
    configure_phase_dataset(phase, dataset_dir)
    archive = zip_folder(make_predictions(dataset_dir, tmp_path / "preds"))
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(users["participant"]).post(
            f"/api/v1/phases/{phase.pk}/submissions/",
            {"file": SimpleUploadedFile("preds.zip", archive)}, format="multipart")
    sub = Submission.objects.get(pk=response.json()["id"])
    assert sub.status == "succeeded", sub.error
    shutil.rmtree(settings.ARENA_WORK_ROOT)
    os.makedirs(settings.ARENA_WORK_ROOT)
    with django_capture_on_commit_callbacks(execute=True):
        reevaluate_submission(sub)
    sub.refresh_from_db()
    assert sub.status == "succeeded" and sub.attempt == 2, sub.error
    assert sub.evaluations.count() == 2
