"""``import_bundle`` and its doors other than the API: versions and the confirmation of
changed references, rollback of a failure half-way (nothing stored), ``manage.py
import_challenge`` (exit 2 listing the problems; success), ``issue_token --organizer``, the
web upload and page editing, and stored XSS in page markdown."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from arena.challenges.bundles import import_bundle
from arena.challenges.models import AuditEntry, BundleVersion, Challenge, ChallengePage, Phase
from tests.support.bundles import make_bundle, phantom_dataset, zip_bundle


@pytest.fixture(scope="module")
def phantoms(tmp_path_factory) -> Path:
    return phantom_dataset(tmp_path_factory.mktemp("phantoms") / "kits21")


@pytest.fixture
def organizer(db):
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user("orla", password="pw-orla-123")
    user.user_permissions.add(Permission.objects.get(codename="add_challenge"))
    return user


def _stored() -> list[str]:
    names = []
    for root in (Path(django_settings.MEDIA_ROOT), Path(django_settings.ARENA_DATASETS_ROOT)):
        if root.exists():
            names += sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return names


def _submit(phase, user, predictions: Path, tmp_path: Path):
    from django.core.files import File

    from arena.participation.services import join_challenge
    from arena.submissions.services import create_prediction_submission

    join_challenge(user, phase.challenge)
    archive = zip_bundle(predictions, tmp_path / "pred.zip")
    with archive.open("rb") as handle:
        return create_prediction_submission(user, phase, File(handle, name="pred.zip"))


def _change_one_reference(bundle: Path) -> None:
    ref = sorted((bundle / "data/validation/references").iterdir())[0]
    image = sitk.ReadImage(str(ref))
    array = sitk.GetArrayFromImage(image)
    array[array == 1] = 0  # the kidney label of this case is gone
    out = sitk.GetImageFromArray(array.astype(np.uint8))
    out.CopyInformation(image)
    sitk.WriteImage(out, str(ref), useCompression=True)


def test_new_version_with_changed_references_waits_for_confirmation(
        tmp_path, phantoms, organizer, django_capture_on_commit_callbacks):
    from arena.evaluation.bundles import confirm_reference_change

    bundle = make_bundle(tmp_path / "bundle", phantoms)
    first = import_bundle(bundle, by=organizer)
    phase = first.phases[0]
    participant = get_user_model().objects.create_user("pia")
    with django_capture_on_commit_callbacks(execute=True):
        sub = _submit(phase, participant, phantoms / "references", tmp_path)
    sub.refresh_from_db()
    assert sub.status == "succeeded", sub.error
    old_digest = phase.reference_digest
    _change_one_reference(bundle)
    second = import_bundle(bundle, by=organizer)
    phase.refresh_from_db()
    assert phase.reference_digest != old_digest
    assert second.version.number == 2 and second.references_changed == ["validation"]
    assert second.version.references == BundleVersion.References.AWAITING
    sub.refresh_from_db()
    assert sub.attempt == 1, "no re-evaluation before the organizer confirms"
    with django_capture_on_commit_callbacks(execute=True):
        count = confirm_reference_change(second.version, by=organizer)
    assert count == 1
    sub.refresh_from_db()
    assert sub.attempt == 2 and sub.status == "succeeded"
    second.version.refresh_from_db()
    assert second.version.references == BundleVersion.References.CONFIRMED
    assert AuditEntry.objects.filter(action="references_confirmed", actor=organizer).exists()
    # an unchanged third upload has nothing to confirm
    third = import_bundle(bundle, by=organizer)
    assert third.references_changed == [] and third.version.references == "unchanged"


def test_failure_half_way_leaves_nothing(tmp_path, phantoms, organizer, monkeypatch):
    from arena.challenges.bundles import load

    bundle = make_bundle(tmp_path / "bundle", phantoms)
    text = (bundle / "challenge.yaml").read_text()
    (bundle / "challenge.yaml").write_text(text + text.split("phases:\n", 1)[1].replace(
        "slug: validation", "slug: test"))
    real = load.import_dataset_folders
    calls = []

    def flaky(phase, inputs, references):
        calls.append(phase.slug)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(phase, inputs, references)

    monkeypatch.setattr(load, "import_dataset_folders", flaky)
    before = _stored()
    with pytest.raises(OSError):
        import_bundle(bundle, by=organizer)
    assert calls == ["validation", "test"]
    assert not Challenge.objects.exists() and not Phase.objects.exists()
    assert not BundleVersion.objects.exists() and not ChallengePage.objects.exists()
    assert _stored() == before, "files of the failed import were left in storage"


def test_import_challenge_command(tmp_path, phantoms, db):
    bundle = make_bundle(tmp_path / "bundle", phantoms)
    bad = tmp_path / "bad"
    shutil.copytree(bundle, bad)
    (bad / "challenge.yaml").write_text("slug: bad\nphases:\n  - slug: v\n    task: nope\n"
                                        "    references: data/validation/references\n")
    with pytest.raises(CommandError) as caught:
        call_command("import_challenge", str(bad))
    assert caught.value.returncode == 2
    text = str(caught.value)
    assert "2 problem(s)" in text
    assert "challenge.yaml: title: required field is missing" in text
    assert "challenge.yaml: phases[0].task: unknown task 'nope'" in text
    assert not Challenge.objects.exists()
    out = io.StringIO()
    call_command("import_challenge", str(zip_bundle(bundle, tmp_path / "b.zip")), stdout=out)
    assert "challenge my-kits created: validation (kits21, predictions, 2 cases)" in out.getvalue()
    assert Challenge.objects.get().created_by is None


def test_issue_token_organizer_grants_challenge_creation(db):
    from arena.challenges.permissions import can_create_challenge

    call_command("issue_token", "orla", "--create", "--organizer", stdout=io.StringIO())
    call_command("issue_token", "pia", "--create", stdout=io.StringIO())
    users = get_user_model().objects
    assert can_create_challenge(users.get(username="orla"))
    assert not can_create_challenge(users.get(username="pia"))


def test_web_upload_page(tmp_path, phantoms, organizer):
    client = Client()
    client.force_login(organizer)
    assert client.get("/challenges/new/").status_code == 200
    bundle = make_bundle(tmp_path / "bundle", phantoms)
    (bundle / "challenge.yaml").write_text("slug: x\ntitle: X\nphases:\n  - slug: v\n"
                                           "    task: nope\n    references: data/none\n")
    refused = client.post("/challenges/new/", {"bundle": SimpleUploadedFile(
        "b.zip", zip_bundle(bundle, tmp_path / "bad.zip").read_bytes())})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "2 problems" in html and "phases[0].task" in html and "data/none" in html
    good = make_bundle(tmp_path / "good", phantoms)
    created = client.post("/challenges/new/", {"bundle": SimpleUploadedFile(
        "b.zip", zip_bundle(good, tmp_path / "good.zip").read_bytes())})
    assert created.status_code == 302 and created["Location"] == "/challenges/my-kits/"
    page = client.get("/challenges/my-kits/").content.decode()
    assert "Find the kidneys." in page and "0 participants" in page
    assert client.get("/challenges/my-kits/bundle/").status_code == 200
    stranger = Client()
    stranger.force_login(get_user_model().objects.create_user("sam"))
    assert stranger.get("/challenges/new/").status_code == 403
    assert stranger.get("/challenges/my-kits/bundle/").status_code == 404


def test_page_markdown_is_sanitised_stored_xss(tmp_path, phantoms, organizer):
    import_bundle(make_bundle(tmp_path / "bundle", phantoms, pages={
        "overview": "# Hi\n\n<script>alert('overview')</script>\n\n"
                    "[click](javascript:alert(1)) <img src=x onerror=alert(2)>\n"}), by=organizer)
    client = Client()
    client.force_login(organizer)
    saved = client.post("/challenges/my-kits/pages/rules/edit/", {
        "title": "Rules", "body": "<iframe src='https://evil.example'></iframe>"
        "<a href=\"javascript:alert(3)\" onclick=\"alert(4)\">x</a>"})
    assert saved.status_code == 302
    assert AuditEntry.objects.filter(action="page_edit", actor=organizer).exists()
    for url in ("/challenges/my-kits/", "/challenges/my-kits/pages/overview/",
                "/challenges/my-kits/pages/rules/"):
        html = Client().get(url).content.decode()
        for bad in ("<script>alert", "javascript:alert", "onerror=", "onclick=", "<iframe", "<img"):
            assert bad not in html, (url, bad)
    assert "<h1>Hi</h1>" in Client().get("/challenges/my-kits/pages/overview/").content.decode()
    other = Client()
    other.force_login(get_user_model().objects.create_user("sam"))
    assert other.post("/challenges/my-kits/pages/rules/edit/",
                      {"title": "R", "body": "pwned"}).status_code == 404
    assert ChallengePage.objects.get(slug="rules").body.startswith("<iframe")
