"""Final boards (issue 10 item 4): freeze writes a signed immutable snapshot whose hash is
checked with an independent hashlib/json computation and whose signature is checked with the
``cryptography`` API and the offline CLI; re-evaluation after the freeze changes neither the
snapshot nor the board; every organizer action lands in the audit log (page + CSV)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from web_helpers import upload

pytestmark = pytest.mark.django_db(transaction=True)
REPO = Path(__file__).resolve().parents[2]


def _freeze(client, phase):
    return client.post(reverse("web:phase_freeze", args=[phase.pk]), {"action": "freeze"})


def _board_rows(client, phase):
    rows = client.get(f"/api/v1/phases/{phase.pk}/leaderboard/").json()["rows"]
    return [(r["rank"], r["participant"], r["submission_id"], r["score"]) for r in rows]


def test_freeze_writes_a_signed_snapshot_verifiable_offline(client_for, phase, scored, tmp_path):
    from arena.leaderboards.models import BoardSnapshot
    from arena.submissions.baselines import mark_baseline
    from arena.submissions.models import Submission

    Submission.objects.filter(pk=scored["participant"].pk).update(method="nnU-Net 3d fullres")
    mark_baseline(scored["participant"])
    for sub in scored.values():
        sub.refresh_from_db()
    client = client_for("organizer")
    assert _freeze(client, phase).status_code == 302
    phase.refresh_from_db()
    assert phase.frozen and BoardSnapshot.objects.filter(phase=phase).count() == 1

    document = json.loads(client.get(reverse("web:snapshot_download", args=[phase.pk])).content)
    assert document == client.get(f"/api/v1/phases/{phase.pk}/leaderboard/snapshot/").json()
    board = document["board"]
    # independent hash: hashlib over json.dumps(sort_keys, no whitespace, UTF-8)
    canonical = json.dumps(board, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8"))
    assert document["sha256"] == digest.hexdigest()
    # signature with the cryptography API and the key the site publishes
    keys = client_for(None).get("/api/v1/keys/").json()
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(keys["public_key"]))
    public.verify(base64.b64decode(document["signature"]), digest.digest())
    about = client_for(None).get(reverse("web:about_keys")).content.decode()
    assert keys["public_key"] in about
    # content: rows as on the board, per-case table, rule, versions, digest, time
    assert [(r["rank"], r["participant"], r["submission_id"]) for r in board["rows"]] == [
        (rank, name, sid) for rank, name, sid, _ in _board_rows(client, phase)]
    live = {r["submission_id"]: (r["method"], r["baseline"]) for r in client.get(
        f"/api/v1/phases/{phase.pk}/leaderboard/").json()["rows"]}
    assert {r["submission_id"]: (r["method"], r["baseline"]) for r in board["rows"]} == live
    assert live[scored["participant"].pk] == ("nnU-Net 3d fullres", True)
    assert {s.pk: (s.method, s.is_baseline) for s in scored.values()} == live
    assert set(board["cases"]) == {str(s.pk) for s in scored.values()}
    some = board["cases"][str(scored["participant"].pk)]
    assert len(some) == 3 and all(isinstance(v, dict) for v in some.values())
    assert board["reference_digest"] == phase.reference_digest and board["task"] == "kits21"
    assert board["evaluators_version"] and board["ranking_rule"]["sentence"]
    assert board["frozen_at"].startswith(BoardSnapshot.objects.get(phase=phase).created.isoformat()[:19])
    # the documented CLI, offline
    path = tmp_path / "final.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    cli = [sys.executable, "-m", "evaluators", "verify-board", str(path), "--public-key", keys["public_key"]]
    done = subprocess.run(cli, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("OK"), done.stdout + done.stderr
    document["board"]["rows"][0]["score"] = 1.0 if document["board"]["rows"][0]["score"] != 1.0 else 0.5
    path.write_text(json.dumps(document), encoding="utf-8")
    done = subprocess.run(cli, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "FAILED" in done.stdout
    # the page says it is final
    html = client_for("participant").get(reverse("web:leaderboard", args=[phase.pk])).content.decode()
    assert "final, frozen on" in html and document["sha256"] in html
    assert reverse("web:snapshot_download", args=[phase.pk]) not in html  # per-case not released


def test_reevaluation_and_new_submissions_leave_a_frozen_board_unchanged(
    client_for, phase, scored, users, archives
):
    from arena.leaderboards.models import BoardSnapshot
    from arena.submissions.services import create_prediction_submission

    client = client_for("organizer")
    before = _board_rows(client, phase)
    _freeze(client, phase)
    snapshot = BoardSnapshot.objects.get(phase=phase)
    document = json.loads(json.dumps(snapshot.document))
    assert client.post(reverse("web:phase_reevaluate", args=[phase.pk])).status_code == 302
    for sub in scored.values():
        sub.refresh_from_db()
        assert sub.attempt == 2 and sub.status == "succeeded"
    perfect = create_prediction_submission(users["participant"], phase, upload("p.zip", archives["perfect"]))
    perfect.refresh_from_db()
    assert perfect.status == "succeeded"
    assert _freeze(client, phase).status_code == 302  # freezing again is a no-op
    assert _board_rows(client, phase) == before
    assert BoardSnapshot.objects.filter(phase=phase).count() == 1
    again = BoardSnapshot.objects.get(phase=phase)
    assert again.document == document and again.sha256 == snapshot.sha256
    with pytest.raises(ValueError, match="immutable"):
        again.save()
    with pytest.raises(ValueError, match="immutable"):
        again.delete()
    # unfreezing lets the board move again (the perfect submission takes rank 1)
    client.post(reverse("web:phase_freeze", args=[phase.pk]), {"action": "unfreeze"})
    assert _board_rows(client, phase)[0][2] == perfect.pk


def test_snapshot_download_follows_per_case_release(client_for, phase, scored):
    _freeze(client_for("organizer"), phase)
    url = reverse("web:snapshot_download", args=[phase.pk])
    assert client_for("participant").get(url).status_code == 404
    assert client_for("participant").get(f"/api/v1/phases/{phase.pk}/leaderboard/snapshot/").status_code == 404
    phase.refresh_from_db()
    phase.show_per_case = True
    phase.save(update_fields=["show_per_case"])
    assert client_for("participant").get(url).status_code == 200
    assert client_for("organizer").get(url).status_code == 200
    final = client_for(None).get(f"/api/v1/phases/{phase.pk}/leaderboard/").json()["final"]
    assert len(final["sha256"]) == 64 and final["snapshot"].endswith("/leaderboard/snapshot/")


def test_signing_key_from_setting_and_refused_in_production(settings, client_for, phase, scored):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from arena.leaderboards.snapshots import freeze_board

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    settings.ARENA_SIGNING_KEY = base64.b64encode(raw).decode()
    published = client_for(None).get("/api/v1/keys/").json()["public_key"]
    assert base64.b64decode(published) == key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    settings.ARENA_SIGNING_KEY = ""
    settings.DEVELOPMENT = False
    with pytest.raises(ImproperlyConfigured, match="ARENA_SIGNING_KEY is not set"):
        freeze_board(phase)
    phase.refresh_from_db()
    assert not phase.frozen
    settings.ARENA_SIGNING_KEY = "not-a-key"
    with pytest.raises(ImproperlyConfigured, match="ARENA_SIGNING_KEY: not an Ed25519 private key"):
        freeze_board(phase)


def test_every_organizer_action_is_audited(client_for, challenge, phase, scored, users, kits_dataset, tmp_path):
    import shutil

    from arena.challenges.services import configure_phase_dataset
    from arena.participation.models import Registration

    client = client_for("organizer")
    manage = reverse("web:phase_manage", args=[phase.pk])
    form = {
        "title": "Renamed", "description": "", "opens_at": "", "closes_at": "", "quota_count": 7,
        "quota_period_days": 1, "max_upload_mb": 100, "leaderboard_visibility": "public",
        "leaderboard_policy": "best", "show_per_case": "on",
        "hide_logs": "on",  # a checkbox of the form: unticked (absent) would change it
    }
    assert client.post(manage, form).status_code == 302
    client.post(reverse("web:phase_visibility", args=[phase.pk]), {"visibility": "participants"})
    client.post(reverse("web:submission_reevaluate", args=[scored["participant"].pk]))
    client.post(reverse("web:phase_reevaluate", args=[phase.pk]))
    _freeze(client, phase)
    client.post(reverse("web:phase_freeze", args=[phase.pk]), {"action": "unfreeze"})
    copy = tmp_path / "ds2"
    shutil.copytree(kits_dataset, copy)
    next(p for p in sorted((copy / "references").iterdir()) if p.is_file()).unlink()
    configure_phase_dataset(phase, copy, by=users["organizer"])
    newcomer = type(users["other"]).objects.create_user("newcomer", "n@example.org", "pw")
    registration = Registration.objects.create(user=newcomer, challenge=challenge)
    client.post(reverse("web:registration_decide", args=[phase.pk, registration.pk]), {"decision": "approve"})

    page = client.get(reverse("web:challenge_audit", args=[challenge.slug]))
    assert page.status_code == 200
    table = list(csv.DictReader(io.StringIO(
        client.get(reverse("web:challenge_audit_csv", args=[challenge.slug])).content.decode())))
    by_organizer = [r for r in table if r["actor"] == users["organizer"].get_username()]
    actions = [r["action"] for r in by_organizer]
    assert actions == [
        "release_cases", "phase_edit", "visibility", "reevaluate_submission", "reevaluate_phase",
        "freeze", "unfreeze", "dataset", "registration",
    ], actions
    edit = json.loads(by_organizer[1]["detail"])["changes"]
    assert edit == {"title": ["Test phase", "Renamed"], "quota_count": [5, 7], "max_upload_mb": [512, 100]}
    assert json.loads(by_organizer[4]["detail"])["count"] == 2
    assert 'data-action="freeze"' in page.content.decode()
    for role in ("participant", "other", None):
        assert client_for(role).get(reverse("web:challenge_audit", args=[challenge.slug])).status_code in (302, 404)
        assert client_for(role).get(reverse("web:challenge_audit_csv", args=[challenge.slug])).status_code in (302, 404)
