"""Issue 10 item 5 (without teams): per-case CSV downloads, partial submissions flagged,
quota and open/closed state before upload with the API refusing before the body is parsed,
self-service hashed API tokens, and the browsable API docs served without a CDN."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from web_helpers import ProbeUploadHandler, upload

pytestmark = pytest.mark.django_db(transaction=True)


def _api(user):
    from arena.api.tokens import issue_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user, 'test')[1]}")
    return client


def _without_first_case(data: bytes) -> tuple[bytes, str]:
    src = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(n for n in src.namelist() if not n.endswith("/"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in names[1:]:
            dst.writestr(name, src.read(name))
    return out.getvalue(), names[0]


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_per_case_csv_own_then_everyones_once_released(client_for, phase, scored):
    from arena.evaluation.models import Evaluation

    own, theirs = scored["participant"], scored["other"]
    own_url = reverse("web:submission_cases_csv", args=[own.pk])
    board_url = reverse("web:board_cases_csv", args=[phase.pk])
    assert client_for("participant").get(own_url).status_code == 404  # not released yet
    assert client_for("participant").get(board_url).status_code == 404
    rows = _csv(client_for("organizer").get(own_url))
    metrics = Evaluation.objects.get(submission=own, attempt=own.attempt).metrics_json["case"]
    expected = {(c, r, m): v for c, regions in metrics.items() for r, vals in regions.items()
                for m, v in vals.items()}
    assert len(rows) == len(expected) and {r["participant"] for r in rows} == {"alice"}
    for row in rows:
        value = expected[(row["case"], row["region"], row["metric"])]
        assert (row["value"] == "" and value is None) or float(row["value"]) == value
        assert row["missing"] == "0"

    phase.show_per_case = True
    phase.save(update_fields=["show_per_case"])
    participant = client_for("participant")
    assert len(_csv(participant.get(own_url))) == len(expected)
    assert participant.get(reverse("web:submission_cases_csv", args=[theirs.pk])).status_code == 404
    everyone = _csv(participant.get(board_url))
    assert {int(r["submission_id"]) for r in everyone} == {own.pk, theirs.pk}
    html = participant.get(reverse("web:leaderboard", args=[phase.pk])).content.decode()
    assert board_url in html
    assert own_url in participant.get(reverse("web:submission_detail", args=[own.pk])).content.decode()


def test_partial_submission_is_flagged_on_board_and_submission_page(client_for, phase, users, archives):
    from arena.submissions.services import create_prediction_submission

    data, dropped = _without_first_case(archives["eroded"])
    sub = create_prediction_submission(users["participant"], phase, upload("partial.zip", data))
    sub.refresh_from_db()
    assert sub.status == "succeeded", sub.error
    note = "2 of 3 cases; 1 missing scored by the task's rule"
    board = unescape(client_for("participant").get(reverse("web:leaderboard", args=[phase.pk])).content.decode())
    assert note in board
    page = unescape(client_for("participant").get(reverse("web:submission_detail", args=[sub.pk])).content.decode())
    assert note in page and 'id="partial-note"' in page
    phase.show_per_case = True
    phase.save(update_fields=["show_per_case"])
    rows = _csv(client_for("participant").get(reverse("web:submission_cases_csv", args=[sub.pk])))
    missing = {r["case"] for r in rows if r["missing"] == "1"}
    assert len(missing) == 1 and dropped.startswith(missing.pop())


def test_submit_page_shows_state_and_quota_before_upload(client_for, phase, users, archives):
    from arena.submissions.services import create_prediction_submission

    phase.quota_count = 1
    phase.closes_at = timezone.now() + dt.timedelta(days=2)
    phase.save()
    url = reverse("web:submit", args=[phase.pk])
    html = client_for("participant").get(url).content.decode()
    assert 'id="phase-state"' in html and ">Open<" in html and "until " in html
    assert "1 of 1</strong> submission left" in html and 'id="quota-spent"' not in html
    create_prediction_submission(users["participant"], phase, upload("e.zip", archives["eroded"]))
    html = client_for("participant").get(url).content.decode()
    assert "0 of 1</strong> submission left" in html and 'id="quota-spent"' in html
    assert re.search(r'<button class="btn" type="submit"\s+disabled', html)
    phase.closes_at = timezone.now() - dt.timedelta(minutes=1)
    phase.save()
    html = client_for("other").get(url).content.decode()
    assert ">Closed<" in html and "since " in html


def test_api_refuses_closed_phase_and_spent_quota_before_parsing_the_body(
    settings, phase, users, archives
):
    from arena.submissions.models import Submission

    settings.FILE_UPLOAD_HANDLERS = [
        "web_helpers.ProbeUploadHandler",
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]
    ProbeUploadHandler.parsed.clear()
    url = f"/api/v1/phases/{phase.pk}/submissions/"
    client = _api(users["participant"])

    phase.quota_count = 1
    phase.save()
    ok = client.post(url, {"file": upload("e.zip", archives["eroded"])}, format="multipart")
    assert ok.status_code == 201 and ProbeUploadHandler.parsed == [url]  # the probe sees parsing
    spent = client.post(url, {"file": upload("d.zip", archives["dilated"])}, format="multipart")
    assert spent.status_code == 400 and "quota reached: 1 of 1" in spent.json()["error"]
    phase.quota_count = 5
    phase.closes_at = timezone.now() - dt.timedelta(minutes=1)
    phase.save()
    closed = client.post(url, {"file": upload("d.zip", archives["dilated"])}, format="multipart")
    assert closed.status_code == 400 and "closed" in closed.json()["error"]
    assert ProbeUploadHandler.parsed == [url]  # neither refusal parsed (or spooled) the body
    assert Submission.objects.count() == 1


def test_token_page_creates_shows_once_stores_hashed_and_revokes(client_for, users):
    from arena.api.models import ApiToken

    page = client_for("participant")
    url = reverse("api-tokens")
    created = page.post(url, {"action": "create", "name": "laptop"})
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    key = re.search(r'id="new-token-key">([0-9a-f]{40})<', created.content.decode()).group(1)
    token = ApiToken.objects.get(user=users["participant"])
    assert token.digest != key and key not in token.digest and token.prefix == key[:8]
    listing = page.get(url).content.decode()
    assert key not in listing and f"{key[:8]}…" in listing and "laptop" in listing
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/phases/999999/submissions/").status_code == 404  # authenticated
    token.refresh_from_db()
    assert token.last_used is not None
    # another user cannot revoke it; its owner can, and then it no longer works
    client_for("other").post(url, {"action": "revoke", "token": token.pk})
    assert api.get("/api/v1/phases/999999/submissions/").status_code == 404
    client_for("participant").post(url, {"action": "revoke", "token": token.pk})
    refused = api.get("/api/v1/phases/999999/submissions/")
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]
    assert client_for("participant").post(url, {"action": "create", "name": " "}).status_code == 400
    assert client_for(None).get(url).status_code == 302  # login required


def test_api_docs_page_is_served_locally(client_for):
    from django.contrib.staticfiles import finders

    response = client_for(None).get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources and not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
    from django.conf import settings

    bundle = next(s for s in sources if s.endswith("swagger-ui-bundle.js"))
    assert bundle.startswith(settings.STATIC_URL) and finders.find(bundle[len(settings.STATIC_URL):])
    init = next(s for s in sources if s.startswith(reverse("api-docs")))  # the split init script
    assert reverse("api:schema") in client_for(None).get(init).content.decode()
