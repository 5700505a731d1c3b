"""Boards that explain their rule (page, API, CSV): the ranking score, the rule's sentence,
per-criterion ranks, ties with the tie-break stated, SegRap's compact board with the full view
one click away, readable titles and decimals per unit."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from web_helpers import upload

import evaluators


@pytest.fixture(autouse=True)
def _fewer_samples(settings):
    settings.ARENA_ROBUSTNESS_SAMPLES = 50


@pytest.fixture
def tied(phase, scored, users, archives):
    """alice (participant) and the organizer both submit the references: a tie for rank 1."""
    from arena.submissions.services import create_prediction_submission

    for role in ("participant", "organizer"):
        create_prediction_submission(users[role], phase, upload("p.zip", archives["perfect"]))
    return phase


def test_page_shows_score_rule_criterion_ranks_and_ties(client_for, tied, users):
    response = client_for(None).get(reverse("web:leaderboard", args=[tied.pk]))
    html = response.content.decode()
    rule = evaluators.get_task("kits21").ranking
    assert rule.describe() in html.replace("&#x27;", "'")
    assert "Score: Mean criterion rank ↓" in html
    assert "Equal scores are broken by Tumor Dice; entries still equal share a rank" in html
    rows = response.context["rows"]
    assert [(r["rank"], r["tie"]) for r in rows] == [(1, True), (1, True), (3, False)]
    table = html.split('id="leaderboard"')[1]
    assert table.count('<span class="tie"') == 2
    first = rows[0]
    # perfect predictions: rank 1 on both criteria, score (1 + 1) / 2, Dice shown with 3 decimals
    assert first["criterion_ranks"] == {"mean_dice": 1, "mean_sd": 1}
    assert first["score"] == 1.0 and "1.000" in table
    assert re.search(r"1\.000 <span class=\"crank\"[^>]*>\(1\)</span>", table)
    assert "Kidney+mass Surface Dice" in table and " SD " not in table


def test_api_and_csv_carry_the_rule(client_for, tied):
    client = client_for("participant")
    board = client.get(f"/api/v1/phases/{tied.pk}/leaderboard/").json()
    rule = board["rule"]
    assert rule["sentence"] == evaluators.get_task("kits21").ranking_description
    assert rule["score"] == {"title": "Mean criterion rank", "higher_is_better": False,
                             "decimals": 3}
    assert [c["key"] for c in rule["criteria"]] == ["mean_dice", "mean_sd"]
    assert rule["tiebreak"]["key"] == "tumor/dice" and "Tumor Dice" in rule["ties"]
    assert [r["tie"] for r in board["rows"]] == [True, True, False]
    assert board["rows"][2]["criterion_ranks"] == {"mean_dice": 3, "mean_sd": 3}
    columns = {c["key"]: c for c in board["columns"]}
    assert columns["tumor/surface_dice"]["title"] == "Tumor Surface Dice"
    assert columns["mean_dice"]["decimals"] == 3
    text = client.get(f"/api/v1/phases/{tied.pk}/leaderboard/?format=csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["tie"] for r in rows] == ["1", "1", "0"]
    assert [r["rank:mean_dice"] for r in rows] == ["1", "1", "3"]
    assert rows[2]["score"] == "3.0"


def _segrap_phase(challenge, users):
    from robustness_testutil import synthetic_entries

    from arena.challenges.models import Phase
    from arena.evaluation.models import Evaluation
    from arena.leaderboards.services import recompute_leaderboard
    from arena.submissions.models import Submission

    task = evaluators.get_task("segrap2023_task1")
    phase = Phase.objects.create(challenge=challenge, slug="segrap", title="SegRap",
                                 task=task.name, references_path="unused")
    entries = synthetic_entries(task, 3, 3, seed=5)
    for role, metrics in zip(("participant", "other", "organizer"), entries.values(),
                             strict=True):
        sub = Submission.objects.create(phase=phase, creator=users[role], status="succeeded",
                                        predictions_path="")
        Evaluation.objects.create(submission=sub, attempt=1, evaluators_version="t",
                                  reference_digest="0" * 64, metrics_json=metrics,
                                  ranking_scores=metrics["ranking_scores"])
    recompute_leaderboard(phase)
    return phase


def test_segrap_compact_board_and_full_view(client_for, challenge, users):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evaluators"))
    phase = _segrap_phase(challenge, users)
    client = client_for(None)
    compact = client.get(reverse("web:leaderboard", args=[phase.pk])).content.decode()
    head = compact.split('id="leaderboard"')[1].split("</thead>")[0]
    assert "Dice mean rank (45)" in head and "NSD mean rank (45)" in head
    assert "Mean Dice" in head and "Temporal lobe (L) Dice" not in head
    assert 'href="?view=full"' in compact and "all 90 criteria" in compact
    assert "Score: Mean rank / entries ↓" in compact
    full = client.get(reverse("web:leaderboard", args=[phase.pk]) + "?view=full")
    head = full.content.decode().split('id="leaderboard"')[1].split("</thead>")[0]
    assert head.count('<th class="num"') == 1 + 90  # score + every criterion
    assert "Temporal lobe (L) Dice" in head and 'href="?view=compact"' in full.content.decode()
    # the group means are the mean of the row's criterion ranks of that metric
    row = full.context["rows"][0]
    dice = [v for k, v in row["criterion_ranks"].items() if k.endswith("/dice")]
    compact_row = client.get(reverse("web:leaderboard", args=[phase.pk])).context["rows"][0]
    assert compact_row["cells"][2]["value"] == pytest.approx(sum(dice) / 45)
    board = client.get(f"/api/v1/phases/{phase.pk}/leaderboard/").json()
    assert [g["title"] for g in board["rule"]["groups"]] == ["Dice mean rank (45)",
                                                            "NSD mean rank (45)"]
