"""The leaderboard CSV (web download and API ?format=csv) neutralises participant names that a
spreadsheet would run as a formula; scores stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def test_formula_names_are_neutralised(client_for, phase, scored, users):
    User = get_user_model()
    User.objects.filter(pk=users["participant"].pk).update(username='=HYPERLINK("http://x")')
    User.objects.filter(pk=users["other"].pk).update(username="-2+3")
    from arena.leaderboards.services import recompute_leaderboard

    recompute_leaderboard(phase)  # rows carry the participant label
    client = client_for("organizer")
    for url in (reverse("web:leaderboard_csv", args=[phase.pk]),
                f"/api/v1/phases/{phase.pk}/leaderboard/?format=csv"):
        response = client.get(url)
        assert response.status_code == 200
        text = b"".join(response.streaming_content) if response.streaming else response.content
        rows = list(csv.DictReader(io.StringIO(text.decode())))
        names = sorted(r["participant"] for r in rows)
        assert names == ["'-2+3", "'=HYPERLINK(\"http://x\")"], names
        for row in rows:
            float(row["score"])  # a number, unprefixed
            assert not row["score"].startswith("'")
