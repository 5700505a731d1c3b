"""End to end through the API: an organizer token (``issue_token --create --organizer``)
uploads a bundle made here from small phantoms; a participant joins, submits predictions and
sees the row on the board. A broken bundle answers 400 listing every problem, and neither the
challenge list nor the storage changes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

import evaluators
from arena.challenges.models import AuditEntry, BundleVersion, Challenge, ChallengePage, Phase
from tests.support.bundles import make_bundle, phantom_dataset, zip_bundle


@pytest.fixture(scope="module")
def phantoms(tmp_path_factory) -> Path:
    return phantom_dataset(tmp_path_factory.mktemp("phantoms") / "kits21")


def _token_client(name: str, *flags: str) -> APIClient:
    out = io.StringIO()
    call_command("issue_token", name, "--create", *flags, stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    return client


def _upload(client: APIClient, path: Path):
    return client.post("/api/v1/challenges/", {"bundle": SimpleUploadedFile(
        path.name, path.read_bytes(), content_type="application/zip")}, format="multipart")


def _stored_files() -> list[str]:
    names = []
    for root in (Path(django_settings.MEDIA_ROOT), Path(django_settings.ARENA_DATASETS_ROOT)):
        names += sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) \
            if root.exists() else []
    return names


def _zip_folder(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return buf.getvalue()


@pytest.mark.django_db
def test_organizer_hosts_participant_submits_board_shows_row(
        tmp_path, phantoms, django_capture_on_commit_callbacks):
    organizer = _token_client("orla", "--organizer")
    bundle = zip_bundle(make_bundle(tmp_path / "bundle", phantoms), tmp_path / "my-kits.zip")
    response = _upload(organizer, bundle)
    assert response.status_code == 201, response.content
    body = response.json()
    challenge = Challenge.objects.get(slug="my-kits")
    phase = Phase.objects.get(challenge=challenge, slug="validation")
    assert body == {"id": challenge.pk, "slug": "my-kits", "version": 1, "created": True,
                    "references_changed": [],
                    "phases": [{"id": phase.pk, "slug": "validation", "task": "kits21",
                                "kind": "predictions"}]}
    assert challenge.created_by.username == "orla"
    assert list(challenge.organizers.values_list("username", flat=True)) == ["orla"]
    assert sorted(ChallengePage.objects.filter(challenge=challenge).values_list("slug", flat=True)) \
        == ["data", "overview", "rules", "timeline"]
    assert sorted(phase.cases.values_list("case_id", flat=True)) == sorted(
        p.name[: -len(".nii.gz")] for p in (phantoms / "references").iterdir())
    version = BundleVersion.objects.get(challenge=challenge)
    assert version.number == 1 and version.archive.endswith(".zip")
    assert (Path(django_settings.MEDIA_ROOT) / version.archive).read_bytes() == bundle.read_bytes()
    assert set(AuditEntry.objects.filter(challenge=challenge).values_list("action", flat=True)) >= {
        "challenge_created", "bundle"}

    participant = _token_client("pia")
    assert participant.post("/api/v1/challenges/my-kits/join/").status_code == 201
    predictions = phantoms / "references"  # perfect predictions: Dice 1 on every region
    with django_capture_on_commit_callbacks(execute=True):
        submitted = participant.post(
            f"/api/v1/phases/{phase.pk}/submissions/",
            {"file": SimpleUploadedFile("p.zip", _zip_folder(predictions))}, format="multipart")
    assert submitted.status_code == 201, submitted.content
    detail = participant.get(f"/api/v1/submissions/{submitted.json()['id']}/").json()
    assert detail["status"] == "succeeded", detail
    board = participant.get(f"/api/v1/phases/{phase.pk}/leaderboard/").json()
    assert [row["participant"] for row in board["rows"]] == ["pia"]
    expected = evaluators.score_folder("kits21", predictions, phantoms / "references")
    for column in board["columns"]:
        assert board["rows"][0]["values"][column["key"]] == pytest.approx(
            expected.metrics_json["ranking_scores"][column["key"]])
    assert board["rows"][0]["values"]["mean_dice"] == pytest.approx(1.0)
    page = Client().get("/challenges/my-kits/").content.decode()
    assert "1 participant · 1 submission" in page and "Find the kidneys." in page


@pytest.mark.django_db
def test_broken_bundle_lists_every_problem_and_changes_nothing(tmp_path, phantoms):
    organizer = _token_client("orla", "--organizer")
    folder = make_bundle(tmp_path / "bundle", phantoms)
    (folder / "challenge.yaml").write_text(
        "slug: broken\ntitle: Broken\nphases:\n"
        "  - slug: v\n    task: kits99\n    references: data/validation/references\n"
        "  - slug: w\n    task: kits21\n    references: data/nowhere\n    daily_limit: -1\n")
    (folder / "data" / "validation" / "references" / "readme.txt").write_text("x")
    before = (list(Challenge.objects.values_list("slug", flat=True)), _stored_files())
    listed = organizer.get("/api/v1/challenges/").json()
    response = _upload(organizer, zip_bundle(folder, tmp_path / "broken.zip"))
    assert response.status_code == 400, response.content
    problems = response.json()["problems"]
    found = {(p["file"], p["field"]) for p in problems}
    assert {("challenge.yaml", "phases[0].task"), ("data/nowhere", "phases[1].references"),
            ("challenge.yaml", "phases[1].daily_limit"),
            ("data/validation/references/readme.txt", "phases[0].references")} <= found, problems
    assert all(set(p) == {"file", "field", "message"} and p["message"] for p in problems)
    assert (list(Challenge.objects.values_list("slug", flat=True)), _stored_files()) == before
    assert organizer.get("/api/v1/challenges/").json() == listed
    assert not Challenge.objects.filter(slug="broken").exists()


@pytest.mark.django_db
def test_upload_needs_the_permission(tmp_path, phantoms):
    bundle = zip_bundle(make_bundle(tmp_path / "bundle", phantoms), tmp_path / "b.zip")
    plain = _token_client("pat")
    response = _upload(plain, bundle)
    assert response.status_code == 403 and "Can add challenge" in response.json()["error"]
    assert APIClient().post("/api/v1/challenges/", {}, format="multipart").status_code == 401
    assert not Challenge.objects.exists()
    # the creator may upload a new version; another organizer-token holder may not take the slug
    owner = _token_client("orla", "--organizer")
    assert _upload(owner, bundle).status_code == 201
    again = _upload(owner, bundle)
    assert again.status_code == 200 and again.json()["version"] == 2
    rival = _token_client("rex", "--organizer")
    refused = _upload(rival, bundle)
    assert refused.status_code == 403 and "do not organize" in refused.json()["error"]
    assert BundleVersion.objects.count() == 2


@pytest.mark.django_db
def test_pages_api_put_and_get(tmp_path, phantoms):
    owner = _token_client("orla", "--organizer")
    assert _upload(owner, zip_bundle(make_bundle(tmp_path / "b", phantoms), tmp_path / "b.zip")
                   ).status_code == 201
    url = "/api/v1/challenges/my-kits/pages/rules/"
    assert APIClient().get(url).json()["body"].startswith("# Rules")
    saved = owner.put(url, {"title": "Rules", "body": "# Rules\n\nNo external data."}, format="json")
    assert saved.status_code == 200 and saved.json()["body"].endswith("No external data.")
    entry = AuditEntry.objects.filter(action="page_edit").get()
    assert entry.actor_name == "orla" and entry.detail["page"] == "rules"
    stranger = _token_client("sam")
    assert stranger.put(url, {"body": "pwned"}, format="json").status_code == 403
    assert APIClient().put(url, {"body": "pwned"}, format="json").status_code == 401
    assert owner.put(url, {"title": "x"}, format="json").status_code == 400
    assert APIClient().get("/api/v1/challenges/my-kits/pages/faq/").status_code == 404
    assert APIClient().get(url).json()["body"].endswith("No external data.")
