"""Organizer actions over the API (``/api/v1/challenges/<slug>/...``): phases created and edited
with per-field 400s, datasets uploaded as archives (hostile ones refused with nothing stored),
per-case release, co-organizers, registrations, teams, disqualification and the audit log. Each
happy path leaves an audit entry; each refusal changes nothing. (Who may call what: the
permission matrix, ``permission_table.py``.)"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from rest_framework.test import APIClient
from synthdata import make_dataset, zip_folder

from arena.challenges.models import AuditEntry, DatasetCase, Phase

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/zip")


def _audit(challenge) -> list[str]:
    """Actions of people (the fixture's own dataset import is the system's)."""
    entries = challenge.audit_entries.filter(actor__isnull=False).order_by("id")
    return list(entries.values_list("action", flat=True))


def _stored(settings) -> list[str]:
    """Every file of both storages (datasets and default) and the upload scratch, relative."""
    found = []
    for root in (Path(settings.ARENA_DATASETS_ROOT), Path(settings.MEDIA_ROOT)):
        for dirpath, _, names in os.walk(root):
            found += [os.path.relpath(os.path.join(dirpath, n), root) for n in names]
    scratch = Path(settings.ARENA_WORK_ROOT) / "dataset-upload"
    if scratch.exists():
        found += [str(p) for p in scratch.rglob("*") if p.is_file()]
    return sorted(found)


def test_create_and_edit_a_phase(challenge, users):
    olga = _client(users["organizer"])
    bad = olga.post("/api/v1/challenges/kits/phases/", {"slug": "val", "title": "Validation",
                                                       "task": "nope", "cpus": 0}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"task", "cpus"} and not Phase.objects.exists()
    created = olga.post("/api/v1/challenges/kits/phases/", {
        "slug": "val", "title": "Validation", "task": "kits21", "kind": "algorithm",
        "opens_at": "2030-01-01T00:00:00Z", "gpu": True, "memory_mb": 4096}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["task"], body["kind"], body["gpu"], body["memory_mb"], body["cases"]) == (
        "kits21", "algorithm", True, 4096, 0)
    assert "references_path" not in body and "inputs_path" not in body
    url = f"/api/v1/challenges/kits/phases/{body['id']}/"
    refused = olga.patch(url, {"closes_at": "2029-01-01T00:00:00Z"}, format="json")
    assert refused.status_code == 400 and "closes_at" in refused.json()["fields"]
    assert olga.patch(url, {"flavour": "x"}, format="json").status_code == 400
    edited = olga.patch(url, {"quota_count": 9, "hide_logs": False}, format="json")
    assert edited.status_code == 200 and edited.json()["quota_count"] == 9
    phase = Phase.objects.get(pk=body["id"])
    assert phase.quota_count == 9 and not phase.hide_logs and phase.gpu  # the rest unchanged
    assert _audit(challenge) == ["phase_create", "phase_edit"]
    assert challenge.audit_entries.first().detail["changes"] == {
        "quota_count": [5, 9], "hide_logs": [True, False]}


def test_dataset_upload_replaces_the_dataset(phase, users, tmp_path, settings):
    olga = _client(users["organizer"])
    url = f"/api/v1/challenges/kits/phases/{phase.pk}/dataset/"
    before = olga.get(url).json()
    assert [c["case_id"] for c in before["cases"]] == ["case_00000", "case_00001", "case_00002"]
    old_digest = phase.reference_digest
    data = zip_folder(make_dataset(tmp_path / "new", n_cases=2), prefix="my-dataset/")
    response = olga.post(url, {"archive": _file("new.zip", data)}, format="multipart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [c["case_id"] for c in body["cases"]] == ["case_00000", "case_00001"]
    assert body["requeued"] is None  # not asked: nothing re-evaluated
    phase.refresh_from_db()
    assert phase.reference_digest != old_digest and body["reference_digest"] == phase.reference_digest
    entry = phase.audit_entries.filter(action=AuditEntry.Action.DATASET).first()  # newest
    assert entry.summary == "dataset of test imported from new.zip"
    assert str(tmp_path) not in response.content.decode()
    assert not (Path(settings.ARENA_WORK_ROOT) / "dataset-upload").exists() or not any(
        (Path(settings.ARENA_WORK_ROOT) / "dataset-upload").iterdir())


@pytest.mark.django_db(transaction=True)  # scoring runs on commit
def test_dataset_upload_reevaluates_only_when_asked(phase, users, tmp_path, dataset_dir):
    from synthdata import make_predictions

    from arena.submissions.services import create_prediction_submission

    preds = zip_folder(make_predictions(dataset_dir, tmp_path / "preds"))
    sub = create_prediction_submission(users["participant"], phase, _file("p.zip", preds))
    sub.refresh_from_db()
    assert sub.status == "succeeded", sub.error
    olga = _client(users["organizer"])
    url = f"/api/v1/challenges/kits/phases/{phase.pk}/dataset/"
    changed = make_dataset(tmp_path / "changed", n_cases=3, shape=(20, 64, 48))
    quiet = olga.post(url, {"archive": _file("a.zip", zip_folder(changed))}, format="multipart")
    assert quiet.status_code == 200, quiet.content
    assert (quiet.json()["requeued"], quiet.json()["stale_submissions"]) == (None, 1)
    sub.refresh_from_db()
    assert sub.attempt == 1  # not re-evaluated without the organizer's confirmation
    again = make_dataset(tmp_path / "again", n_cases=3, shape=(20, 48, 64))
    asked = olga.post(url, {"archive": _file("b.zip", zip_folder(again)), "reevaluate": "true"},
                      format="multipart")
    assert asked.status_code == 200 and asked.json()["requeued"] == 1, asked.content
    sub.refresh_from_db()
    assert sub.attempt == 2
    assert _audit(phase.challenge)[-1] == "reevaluate_phase"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def _symlink_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("references/case_00000.nii.gz")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
        zf.writestr("inputs/case_00000_0000.nii.gz", b"x")
    return buf.getvalue()


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("references/case_00000.nii.gz", b"\0" * (64 * 2**20))
        zf.writestr("inputs/case_00000_0000.nii.gz", b"x")
    return buf.getvalue()


@pytest.mark.parametrize("archive, needle", [
    (lambda: _zip({"../references/case_00000.nii.gz": b"x", "inputs/a.nii.gz": b"x"}), "outside the archive"),
    (lambda: _zip({"/etc/references/x.nii.gz": b"x"}), "absolute path"),
    (_symlink_zip, "symbolic link"),
    (_bomb, "compression ratio"),
    (lambda: _zip({"inputs/a_0000.nii.gz": b"x", "other/x.nii.gz": b"x"}), "unexpected member"),
    (lambda: _zip({"inputs/a_0000.nii.gz": b"x"}), "no files in the folder 'references'"),
    (lambda: _zip({"inputs/a_0000.nii.gz": b"x", "references/a.nii.gz": b"not an image"}),
     "references/a.nii.gz: cannot be read as an image"),
    (lambda: b"just text, no archive", "not a zip or tar.gz"),
])
def test_hostile_or_broken_archives_are_refused_with_nothing_stored(
        phase, users, settings, archive, needle):
    olga = _client(users["organizer"])
    url = f"/api/v1/challenges/kits/phases/{phase.pk}/dataset/"
    before = (_stored(settings), list(DatasetCase.objects.values_list("case_id", "digest")),
              _audit(phase.challenge))
    state = Phase.objects.filter(pk=phase.pk).values().get()
    response = olga.post(url, {"archive": _file("x.zip", archive())}, format="multipart")
    assert response.status_code == 400, response.content
    assert needle in response.json()["fields"]["archive"], response.json()
    assert str(settings.ARENA_WORK_ROOT) not in response.content.decode()  # no server path
    after = (_stored(settings), list(DatasetCase.objects.values_list("case_id", "digest")),
             _audit(phase.challenge))
    assert after == before and Phase.objects.filter(pk=phase.pk).values().get() == state


def test_dataset_content_problems_are_all_listed_with_nothing_stored(phase, users, tmp_path,
                                                                    settings):
    """The bundle checks on an uploaded dataset: a test image of a case with no reference, a
    reference holding label 7 (kits21 allows 0-3) and a test image on another grid are all
    named, file by file, and nothing is stored."""
    import numpy as np
    import SimpleITK as sitk

    root = make_dataset(tmp_path / "bad", n_cases=2)
    (root / "inputs" / "case_00000_0000.nii.gz").rename(root / "inputs" / "case_00009_0000.nii.gz")
    labels = np.zeros((8, 16, 16), np.uint8)
    labels[2:4, 2:4, 2:4] = 7
    small = sitk.GetImageFromArray(labels)
    sitk.WriteImage(small, str(root / "references" / "case_00001.nii.gz"), useCompression=True)
    before = (_stored(settings), list(DatasetCase.objects.values_list("case_id", "digest")))
    response = _client(users["organizer"]).post(
        f"/api/v1/challenges/kits/phases/{phase.pk}/dataset/",
        {"archive": _file("bad.zip", zip_folder(root))}, format="multipart")
    assert response.status_code == 400, response.content
    problems = {(p["file"], p["field"]): p["message"] for p in response.json()["problems"]}
    assert "[7]" in problems[("references/case_00001.nii.gz", "references")]
    assert "no reference" in problems[("inputs/case_00009_0000.nii.gz", "inputs")]
    assert "differs from the reference" in problems[("inputs/case_00001_0000.nii.gz", "inputs")]
    assert "case 'case_00000' has no test image" in problems[("inputs", "inputs")]
    assert "3 problem(s)" in response.json()["error"] or "4 problem(s)" in response.json()["error"]
    assert str(tmp_path) not in response.content.decode()
    assert str(settings.ARENA_WORK_ROOT) not in response.content.decode()
    assert (_stored(settings), list(DatasetCase.objects.values_list("case_id", "digest"))) == before


def test_per_case_release_and_withhold(phase, users):
    olga = _client(users["organizer"])
    url = f"/api/v1/challenges/kits/phases/{phase.pk}/per-case/"
    assert olga.post(url, {"release": "maybe"}, format="json").status_code == 400
    assert olga.post(url, {"release": True}, format="json").json()["show_per_case"] is True
    assert olga.post(url, {"release": True}, format="json").status_code == 200  # no change
    assert olga.post(url, {"release": False}, format="json").json()["show_per_case"] is False
    assert _audit(phase.challenge) == ["release_cases", "withhold_cases"]


def test_co_organizer_over_the_api(challenge, users):
    olga, bob = _client(users["organizer"]), _client(users["other"])
    assert olga.post("/api/v1/challenges/kits/organizers/", {"username": "nobody"},
                     format="json").status_code == 400
    invited = olga.post("/api/v1/challenges/kits/organizers/", {"username": "bob"}, format="json")
    assert invited.status_code == 201 and invited.json()["status"] == "pending"
    assert bob.get("/api/v1/challenges/kits/phases/").status_code == 403  # not yet
    (mine,) = bob.get("/api/v1/organizer-invitations/").json()
    assert bob.post(f"/api/v1/organizer-invitations/{mine['id']}/accept/").status_code == 200
    assert bob.get("/api/v1/challenges/kits/phases/").status_code == 200
    assert olga.get("/api/v1/challenges/kits/organizers/").json()["organizers"] == ["bob", "olga"]
    assert bob.delete("/api/v1/challenges/kits/organizers/olga/").status_code == 200
    last = bob.delete("/api/v1/challenges/kits/organizers/bob/")
    assert last.status_code == 400 and "last organizer" in last.json()["error"]
    assert olga.get("/api/v1/challenges/kits/phases/").status_code == 403
    assert _audit(challenge) == ["organizer_invite", "organizer_answer", "organizer_remove"]


def test_registrations_teams_disqualification_audit(challenge, phase, users):
    from arena.participation.models import Registration
    from arena.participation.services import create_team
    from arena.submissions.models import Submission

    olga = _client(users["organizer"])
    pending = Registration.objects.create(user=users["stranger"], challenge=challenge)
    listed = olga.get("/api/v1/challenges/kits/registrations/?status=pending").json()
    assert [r["user"] for r in listed] == ["sam"]
    url = f"/api/v1/challenges/kits/registrations/{pending.pk}/"
    assert olga.post(url, {"decision": "perhaps"}, format="json").status_code == 400
    assert olga.post(url, {"decision": "approve"}, format="json").json()["status"] == "approved"
    create_team(challenge, "Zebra", users["participant"])
    teams = olga.get("/api/v1/challenges/kits/teams/").json()
    assert [(t["name"], [m["username"] for m in t["members"]]) for t in teams] == [("Zebra", ["alice"])]
    sub = Submission.objects.create(phase=phase, creator=users["participant"], status="succeeded")
    dq = f"/api/v1/challenges/kits/submissions/{sub.pk}/disqualification/"
    assert olga.post(dq, {"reason": "  "}, format="json").status_code == 400
    made = olga.post(dq, {"reason": "late"}, format="json")
    assert made.status_code == 201 and made.json() == {"submission": sub.pk, "disqualified": True,
                                                       "reason": "late"}
    assert olga.delete(dq).json()["disqualified"] is False
    log = olga.get("/api/v1/challenges/kits/audit/?limit=10").json()
    assert [e["action"] for e in log][:3] == ["requalify", "disqualify", "registration"]
    assert log[0]["actor"] == "olga" and log[-1]["actor"] == "system"  # the fixture's import


def test_dataset_archive_over_the_upload_limit_is_refused(phase, users, settings):
    settings.ARENA_MAX_UPLOAD_MB = 1
    before = _stored(settings)
    data = _zip({"inputs/a_0000.nii.gz": os.urandom(3 * 2**20), "references/a.nii.gz": b"x"})
    response = _client(users["organizer"]).post(
        f"/api/v1/challenges/kits/phases/{phase.pk}/dataset/", {"archive": _file("big.zip", data)},
        format="multipart")
    assert response.status_code in (400, 413), response.content
    assert "1 MB" in response.json()["error"] and _stored(settings) == before


def test_baseline_flag_over_the_api(phase, users):
    from arena.submissions.models import Submission

    olga = _client(users["organizer"])
    sub = Submission.objects.create(phase=phase, creator=users["participant"], status="succeeded")
    url = f"/api/v1/challenges/kits/submissions/{sub.pk}/baseline/"
    refused = olga.post(url, {"baseline": "perhaps"}, format="json")
    assert refused.status_code == 400 and "baseline" in refused.json()["fields"]
    assert olga.post(url, {"baseline": True}, format="json").json() == {
        "submission": sub.pk, "baseline": True, "changed": True}
    assert olga.post(url, {"baseline": True}, format="json").json()["changed"] is False
    sub.refresh_from_db()
    assert sub.is_baseline
    assert olga.post(url, {"baseline": False}, format="json").json()["changed"] is True
    sub.refresh_from_db()
    assert not sub.is_baseline
    assert _client(users["participant"]).post(url, {"baseline": True}, format="json").status_code == 403
    assert _audit(phase.challenge) == ["baseline", "baseline"]
