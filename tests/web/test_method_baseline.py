"""Entries carry a method name and a baseline flag: participants name their method on the
submit form and in the API (default: their last name in the phase, else "Unnamed method"); only
organizers (web action) and the system (``manage.py mark_baseline``) flag baselines, audited.
Board page (Method column, a "baseline" badge in text), API rows and CSV carry both."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from web_helpers import upload

pytestmark = pytest.mark.django_db(transaction=True)


def _api_rows(client, phase) -> dict[str, dict]:
    rows = client.get(f"/api/v1/phases/{phase.pk}/leaderboard/").json()["rows"]
    return {r["participant"]: r for r in rows}


def _csv_rows(client, url) -> dict[str, dict]:
    response = client.get(url)
    assert response.status_code == 200
    return {r["participant"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}


def test_method_from_form_and_api_and_its_default(client_for, phase, users, archives):
    from arena.submissions.baselines import UNNAMED_METHOD
    from arena.submissions.models import Submission

    client = client_for("participant")
    response = client.post(reverse("web:submit", args=[phase.pk]),
                           {"file": upload("p.zip", archives["eroded"]),
                            "method": "  3D U-Net   (5 folds) "})
    assert response.status_code == 302
    assert Submission.objects.get(creator=users["participant"]).method == "3D U-Net (5 folds)"
    # no method given: the participant's last one in this phase
    response = client.post(f"/api/v1/phases/{phase.pk}/submissions/",
                           {"file": upload("p.zip", archives["dilated"])})
    assert response.status_code == 201, response.content
    assert response.json()["method"] == "3D U-Net (5 folds)"
    assert response.json()["baseline"] is False
    # another participant without any: "Unnamed method"; through the API field "method" it is kept
    other = client_for("other")
    first = other.post(f"/api/v1/phases/{phase.pk}/submissions/",
                       {"file": upload("p.zip", archives["eroded"])}).json()
    assert first["method"] == UNNAMED_METHOD
    named = other.post(f"/api/v1/phases/{phase.pk}/submissions/",
                       {"file": upload("p.zip", archives["perfect"]), "method": "nnU-Net ResEnc"})
    assert named.json()["method"] == "nnU-Net ResEnc"
    too_long = other.post(f"/api/v1/phases/{phase.pk}/submissions/",
                          {"file": upload("p.zip", archives["perfect"]), "method": "x" * 101})
    assert too_long.status_code == 400
    assert too_long.json()["fields"] == {"method": "the method name has 101 characters; at most "
                                                   "100 are allowed"}
    # a participant cannot flag their own entry: the field is not taken from uploads
    sneaky = other.post(f"/api/v1/phases/{phase.pk}/submissions/",
                        {"file": upload("p.zip", archives["perfect"]), "is_baseline": "true",
                         "baseline": "true"})
    assert sneaky.status_code == 201 and sneaky.json()["baseline"] is False
    assert not Submission.objects.filter(is_baseline=True).exists()
    form = client.get(reverse("web:submit", args=[phase.pk])).content.decode()
    assert 'name="method"' in form and "Method name" in form


def test_board_page_api_and_csv_carry_method_and_baseline(client_for, phase, scored, challenge):
    from arena.challenges.models import AuditEntry
    from arena.submissions.baselines import mark_baseline

    alice, bob = scored["participant"], scored["other"]
    alice.method = "Eroded labels"
    alice.save(update_fields=["method"])
    bob.method = "Reference baseline (non-learned)"
    bob.save(update_fields=["method"])
    assert mark_baseline(bob, True) is True
    assert mark_baseline(bob, True) is False  # unchanged: no second audit entry
    entries = AuditEntry.objects.filter(challenge=challenge, action="baseline")
    assert entries.count() == 1 and entries.get().actor is None  # the system
    assert entries.get().detail["submission"] == bob.pk and entries.get().detail["baseline"] is True

    client = client_for(None)  # public board: anyone sees method and badge
    rows = _api_rows(client, phase)
    assert rows["bob"]["method"] == "Reference baseline (non-learned)" and rows["bob"]["baseline"] is True
    assert rows["alice"]["method"] == "Eroded labels" and rows["alice"]["baseline"] is False

    page = client.get(reverse("web:leaderboard", args=[phase.pk]))
    html = page.content.decode()
    assert "<th>Method</th>" in html
    # the badge is text ("baseline"), in bob's row only
    bob_row = next(r for r in html.split("<tr")[1:] if f"#{bob.pk}<" in r)
    alice_row = next(r for r in html.split("<tr")[1:] if f"#{alice.pk}<" in r)
    assert '<span class="pill baseline"' in bob_row and ">baseline</span>" in bob_row
    assert "Reference baseline (non-learned)" in bob_row
    assert "pill baseline" not in alice_row and "Eroded labels" in alice_row

    for url in (reverse("web:leaderboard_csv", args=[phase.pk]),
                f"/api/v1/phases/{phase.pk}/leaderboard/?format=csv"):
        table = _csv_rows(client, url)
        assert table["bob"]["method"] == "Reference baseline (non-learned)"
        assert table["bob"]["baseline"] == "1" and table["alice"]["baseline"] == "0"
        assert table["alice"]["method"] == "Eroded labels"

    # the submission API carries both too
    detail = client_for("other").get(f"/api/v1/submissions/{bob.pk}/").json()
    assert detail["baseline"] is True and detail["method"] == "Reference baseline (non-learned)"


def test_organizer_marks_and_unmarks_a_baseline(client_for, phase, scored, challenge):
    from arena.challenges.models import AuditEntry

    alice = scored["participant"]
    url = reverse("web:submission_baseline", args=[alice.pk])
    assert client_for("participant").post(url, {"action": "mark"}).status_code == 404
    alice.refresh_from_db()
    assert alice.is_baseline is False
    client = client_for("organizer")
    manage = client.get(reverse("web:phase_manage", args=[phase.pk])).content.decode()
    assert "Mark as baseline" in manage
    assert client.post(url, {"action": "mark"}).status_code == 302
    assert _api_rows(client, phase)["alice"]["baseline"] is True
    entry = AuditEntry.objects.get(challenge=challenge, action="baseline")
    assert entry.actor.get_username() == "olga" and entry.detail["baseline"] is True
    manage = client.get(reverse("web:phase_manage", args=[phase.pk])).content.decode()
    assert f'id="baseline-{alice.pk}"' in manage and "Not a baseline" in manage
    client.post(url, {"action": "bogus"})
    assert _api_rows(client, phase)["alice"]["baseline"] is True
    client.post(url, {"action": "unmark"})
    assert _api_rows(client, phase)["alice"]["baseline"] is False
    assert AuditEntry.objects.filter(challenge=challenge, action="baseline").count() == 2


def test_mark_baseline_command(phase, scored, challenge, capsys):
    from arena.challenges.models import AuditEntry

    bob = scored["other"]
    call_command("mark_baseline", str(bob.pk), "--reason", "organizers' reference")
    out = capsys.readouterr().out
    assert f"submission {bob.pk}" in out and "is a baseline" in out
    bob.refresh_from_db()
    assert bob.is_baseline
    entry = AuditEntry.objects.get(challenge=challenge, action="baseline")
    assert entry.actor_name == "" and entry.detail["reason"] == "organizers' reference"
    call_command("mark_baseline", str(bob.pk))
    assert "(unchanged)" in capsys.readouterr().out
    call_command("mark_baseline", str(bob.pk), "--unmark")
    bob.refresh_from_db()
    assert not bob.is_baseline
    with pytest.raises(CommandError, match="no submission with id 999999"):
        call_command("mark_baseline", "999999")
