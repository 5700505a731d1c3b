"""Dataset facts (issue 12, item 2): computed once at import and stored; afterwards the web
tier answers from the database and never opens an image file. Expected values come from the
generator of the synthetic dataset (label arrays, spacing) and hashlib, not from Arena."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from synthdata import SHAPE, SPACING, make_predictions, reference_labels, zip_folder

from arena.api.tokens import issue_token


def _hand_digest(root: Path, rels: list[str]) -> str:
    digest = hashlib.sha256()
    for rel in sorted(rels):
        digest.update(rel.encode() + b"\0" + (root / rel).read_bytes() + b"\0")
    return digest.hexdigest()


def test_facts_recorded_at_import(phase, dataset_dir):
    from arena.challenges.models import DatasetCase

    cases = list(DatasetCase.objects.filter(phase=phase).order_by("case_id"))
    assert [c.case_id for c in cases] == ["case_00000", "case_00001", "case_00002"]
    refs = dataset_dir / "references"
    every = sorted(p.name for p in refs.iterdir())
    assert phase.reference_digest == _hand_digest(refs, every)
    for i, case in enumerate(cases):
        assert case.reference_files == [f"{case.case_id}.nii.gz"]
        assert case.input_files == [f"{case.case_id}_0000.nii.gz"]
        assert case.digest == _hand_digest(refs, case.reference_files)
        assert case.geometry["size"] == [SHAPE[2], SHAPE[1], SHAPE[0]]
        assert np.allclose(case.geometry["spacing"], SPACING)
        values, counts = np.unique(reference_labels(i), return_counts=True)
        assert case.labels == {str(v): int(c) for v, c in zip(values, counts, strict=True)}
    assert phase.has_dataset and phase.inputs_archive.endswith(".zip")


def test_reimport_of_a_changed_set_replaces_facts_and_files(
        phase, dataset_dir, tmp_path, django_capture_on_commit_callbacks):
    import shutil

    from arena import files
    from arena.challenges.services import configure_phase_dataset

    old_refs, old_digest = phase.references_path, phase.reference_digest
    smaller = tmp_path / "smaller"
    shutil.copytree(dataset_dir, smaller)
    for sub in ("references/case_00002.nii.gz", "inputs/case_00002_0000.nii.gz"):
        (smaller / sub).unlink()
    with django_capture_on_commit_callbacks(execute=False) as pending:
        configure_phase_dataset(phase, smaller)
    assert phase.cases.count() == 2 and phase.reference_digest != old_digest
    assert phase.references_path != old_refs
    # the old version is removed once the import commits (a rolled-back caller keeps it)
    assert files.folder_exists(old_refs, alias=files.DATASETS)
    for callback in pending:
        callback()
    assert not files.folder_exists(old_refs, alias=files.DATASETS)
    assert list(files.walk(phase.references_path, alias=files.DATASETS)) == [
        "case_00000.nii.gz", "case_00001.nii.gz"]


def test_import_errors_name_the_file(challenge, tmp_path):
    from arena.challenges.models import Phase
    from arena.challenges.services import configure_phase_dataset

    phase = Phase.objects.create(challenge=challenge, slug="bad", title="Bad", task="kits21")
    with pytest.raises(ValueError, match=r"inputs does not exist \(expected a folder\)"):
        configure_phase_dataset(phase, tmp_path)
    (tmp_path / "inputs").mkdir()
    (tmp_path / "references").mkdir()
    with pytest.raises(ValueError, match="holds no reference cases"):
        configure_phase_dataset(phase, tmp_path)
    (tmp_path / "references" / "case_1.nii.gz").write_bytes(b"not an image")
    with pytest.raises(ValueError, match=r"reference case_1\.nii\.gz is not a readable image"):
        configure_phase_dataset(phase, tmp_path)
    phase.refresh_from_db()
    assert not phase.has_dataset and phase.cases.count() == 0


@pytest.fixture
def archives(dataset_dir, tmp_path) -> dict[str, bytes]:
    """A complete prediction zip and one with a single case in a nested folder."""
    one = make_predictions(dataset_dir, tmp_path / "b", cases=["case_00000"])
    return {"good": zip_folder(make_predictions(dataset_dir, tmp_path / "p")),
            "nested": zip_folder(one, prefix="x/")}


@pytest.fixture
def no_image_access(archives, monkeypatch):
    """Any attempt to read an image or hash a reference folder fails the test."""
    import evaluators

    def refuse(*args, **kwargs):
        raise AssertionError(f"the web tier opened an image / reference file: {args!r}")

    monkeypatch.setattr(sitk, "ReadImage", refuse)
    monkeypatch.setattr(sitk.ImageFileReader, "Execute", refuse)
    monkeypatch.setattr(sitk.ImageFileReader, "ReadImageInformation", refuse)
    monkeypatch.setattr(evaluators, "reference_digest", refuse)
    monkeypatch.setattr("arena.challenges.datasets.stage", refuse)


def test_web_tier_never_opens_an_image(
    phase, users, archives, client, no_image_access, django_capture_on_commit_callbacks,
):
    """With the dataset's files gone from storage and every image reader refusing, the pages,
    the upload checks (case ids) and the organizer tools still work from the database."""
    from arena import files
    from arena.evaluation.services import reevaluate_phase, stale_submissions

    files.delete_folder(phase.references_path.rsplit("/", 1)[0], alias=files.DATASETS)
    api = APIClient()
    token = issue_token(users["participant"], "test")[1]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    upload = SimpleUploadedFile("p.zip", archives["good"])
    with django_capture_on_commit_callbacks(execute=False):  # the worker side is not here
        response = api.post(f"/api/v1/phases/{phase.pk}/submissions/", {"file": upload},
                            format="multipart")
    assert response.status_code == 201, response.content
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(f"/api/v1/phases/{phase.pk}/submissions/",
                            {"file": SimpleUploadedFile("n.zip", archives["nested"])},
                            format="multipart")
    assert response.status_code == 201, response.content  # names matched against the db
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("case_99999.nii.gz", b"x")
    response = api.post(f"/api/v1/phases/{phase.pk}/submissions/",
                        {"file": SimpleUploadedFile("u.zip", buf.getvalue())}, format="multipart")
    assert response.status_code == 400 and "case_99999" in str(response.json()), response.json()
    client.force_login(users["organizer"])
    for url in (f"/challenges/{phase.challenge.slug}/", f"/manage/phases/{phase.pk}/",
                f"/phases/{phase.pk}/leaderboard/", f"/phases/{phase.pk}/submit/",
                f"/phases/{phase.pk}/inputs.zip"):
        assert client.get(url).status_code == 200, url
    assert "3" in client.get(f"/manage/phases/{phase.pk}/").content.decode()
    assert stale_submissions(phase) == []
    with django_capture_on_commit_callbacks(execute=False):
        reevaluate_phase(phase)


def test_import_dataset_command(challenge, dataset_dir, tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from arena.challenges.models import Phase

    phase = Phase.objects.create(challenge=challenge, slug="cmd", title="Cmd", task="kits21")
    call_command("import_dataset", challenge.slug, "cmd", str(dataset_dir))
    phase.refresh_from_db()
    assert capsys.readouterr().out.strip() == (
        f"{challenge.slug}/cmd: 3 cases, reference digest {phase.reference_digest}")
    with pytest.raises(CommandError, match="no phase"):
        call_command("import_dataset", challenge.slug, "nope", str(dataset_dir))
    with pytest.raises(CommandError, match="no such folder"):
        call_command("import_dataset", challenge.slug, "cmd", str(tmp_path / "missing"))
    shutil.copytree(dataset_dir, tmp_path / "bad")
    (tmp_path / "bad" / "references" / "notes.txt").write_text("x")
    (tmp_path / "bad" / "inputs" / "case_00001_0000.nii.gz").unlink()
    digest = phase.reference_digest
    with pytest.raises(CommandError) as refused:
        call_command("import_dataset", challenge.slug, "cmd", str(tmp_path / "bad"))
    assert "2 problem(s)" in str(refused.value) and "nothing imported" in str(refused.value)
    assert "references/notes.txt: references: unknown file format" in str(refused.value)
    assert "case 'case_00001' has no test image for channel 0000" in str(refused.value)
    phase.refresh_from_db()
    assert phase.reference_digest == digest


def test_admin_shows_facts_read_only(phase, users, client):
    client.force_login(users["admin"])
    page = client.get(f"/admin/challenges/phase/{phase.pk}/change/").content.decode()
    assert "case_00001" in page and phase.reference_digest in page
    assert 'name="references_path"' not in page  # not editable
