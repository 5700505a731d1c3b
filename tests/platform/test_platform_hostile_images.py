"""Hostile or broken image files inside a valid archive fail the submission with a reason that
names the file and never a server path: a truncated .nii.gz (which SimpleITK would zero-fill),
a header declaring another size than the reference. A good submission right after is scored."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from synthdata import make_predictions, zip_folder

from arena.submissions.messages import without_server_paths


def _submit(client, phase, data: bytes, capture) -> dict:
    with capture(execute=True):
        response = client.post(
            f"/api/v1/phases/{phase.pk}/submissions/",
            {"file": SimpleUploadedFile("p.zip", data)},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    return client.get(f"/api/v1/submissions/{response.json()['id']}/").json()


def _no_server_path(text: str, *roots) -> None:
    assert "/tmp" not in text and "/work" not in text and "/srv" not in text, text
    for root in roots:
        assert str(root) not in text, text


def test_truncated_nifti_gz_fails_with_reason_and_no_path(
    phase, users, dataset_dir, tmp_path, settings, django_capture_on_commit_callbacks
):
    client = APIClient()
    client.force_authenticate(users["participant"])
    preds = make_predictions(dataset_dir, tmp_path / "preds")
    target = sorted(preds.glob("*.nii.gz"))[0]
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    body = _submit(client, phase, zip_folder(preds), django_capture_on_commit_callbacks)
    assert body["status"] == "failed", body
    assert target.name in body["error"] and "truncated" in body["error"], body["error"]
    _no_server_path(body["error"], settings.MEDIA_ROOT, dataset_dir, tmp_path)

    bad = sitk.GetImageFromArray(np.zeros((3, 4, 4), np.uint8))
    make_predictions(dataset_dir, preds)
    sitk.WriteImage(bad, str(target))
    body = _submit(client, phase, zip_folder(preds), django_capture_on_commit_callbacks)
    assert body["status"] == "failed" and "header declares shape (3, 4, 4)" in body["error"]
    _no_server_path(body["error"], settings.MEDIA_ROOT, dataset_dir, tmp_path)

    good = make_predictions(dataset_dir, tmp_path / "good")
    body = _submit(client, phase, zip_folder(good), django_capture_on_commit_callbacks)
    assert body["status"] == "succeeded", body


def test_server_paths_are_reduced_to_file_names():
    assert without_server_paths(
        "/srv/arena/var/work/17/predictions/case_1.nii.gz: the gzip stream is truncated"
    ) == "case_1.nii.gz: the gzip stream is truncated"
    assert without_server_paths('The file "/tmp/x/refs/c.nii.gz" does not exist.') == (
        'The file "c.nii.gz" does not exist.'
    )
    assert without_server_paths("predictions/: case 3 appears twice; see https://a.org/x/y") == (
        "predictions/: case 3 appears twice; see https://a.org/x/y"
    )
    assert without_server_paths("ratio 1/2 (/var/lib/work/)") == "ratio 1/2 (work/)"
