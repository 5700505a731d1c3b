"""The board's robustness analysis on the page and in the API: computed by the Celery task
when the board changes (eager here: the real task function runs inline), cached in
BoardRobustness, read (never computed) by page views; figures checked on the DOM's JSON."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

import evaluators


@pytest.fixture(autouse=True)
def _fewer_samples(settings):
    settings.ARENA_ROBUSTNESS_SAMPLES = 300


def figure(html: str, chart_id: str) -> dict:
    match = re.search(rf'<div class="chart" id="{chart_id}"></div><script type="application/json" '
                      rf'data-chart="{chart_id}">(.*?)</script>', html, re.S)
    assert match, f"figure {chart_id} missing from the page"
    return json.loads(match.group(1))


def test_board_page_shows_blob_tau_and_significance_maps(client_for, phase, scored):
    from arena.leaderboards.models import BoardRobustness

    stored = BoardRobustness.objects.get(phase=phase)
    assert stored.status == "ready" and stored.samples == 300 and stored.entries == 2
    response = client_for(None).get(reverse("web:leaderboard", args=[phase.pk]))
    html = response.content.decode()
    board = [r["participant"] for r in response.context["rows"]]

    blob = figure(html, "chart-blob")
    blobs, medians = blob["data"]
    assert set(blobs["x"]) <= set(board) and medians["x"] == board
    # shares of each entry's blobs sum to one; ranks within 1..2
    for name in board:
        shares = [s for x, s in zip(blobs["x"], blobs["customdata"], strict=True) if x == name]
        assert sum(shares) == pytest.approx(1.0, abs=1e-3)
    assert set(blobs["y"]) <= {1, 2}
    assert "bootstrap" in blob["layout"]["title"]["text"]

    tau = figure(html, "chart-tau")
    assert tau["data"][0]["type"] == "violin"
    assert all(-1 <= t <= 1 for t in tau["data"][0]["y"]) and len(tau["data"][0]["y"]) > 0

    significance = figure(html, "chart-significance")
    heatmap = significance["data"][0]
    assert heatmap["type"] == "heatmap" and heatmap["x"] == board and heatmap["y"] == board
    assert heatmap["z"][0][0] is None and heatmap["z"][1][1] is None
    columns = evaluators.get_task("kits21").leaderboard_columns
    buttons = significance["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == [c.title for c in columns]
    # the plotted decisions are the stored analysis' decisions
    pairs = stored.result["significance"][columns[0].key]["pairs"]
    for pair in pairs:
        i, j = board.index(pair["a"]), board.index(pair["b"])
        assert heatmap["z"][i][j] == int(pair["a_better"])
    assert "Reading the robustness figures" in html


def test_page_view_never_runs_an_analysis(client_for, phase, scored, monkeypatch,
                                          django_assert_max_num_queries):
    import evaluators.robustness as robustness
    from arena.leaderboards import robustness as service

    def forbidden(*args, **kwargs):
        raise AssertionError("a page view ran the robustness analysis")

    monkeypatch.setattr(robustness, "analyse", forbidden)
    monkeypatch.setattr(service, "compute_robustness", forbidden)
    client = client_for(None)
    client.get(reverse("web:leaderboard", args=[phase.pk]))  # warm the chart cache
    with django_assert_max_num_queries(12):  # the analysis is one row read
        response = client.get(reverse("web:leaderboard", args=[phase.pk]))
    assert response.status_code == 200
    assert 'id="chart-blob"' in response.content.decode()


def test_board_change_recomputes_and_same_board_is_reused(phase, scored, users, archives):
    from web_helpers import upload

    from arena.leaderboards.models import BoardRobustness
    from arena.leaderboards.robustness import compute_robustness
    from arena.submissions.services import create_prediction_submission

    first = BoardRobustness.objects.get(phase=phase)
    again = compute_robustness(phase)  # same board: the cached row, untouched
    assert again.pk == first.pk and again.computed == first.computed
    create_prediction_submission(users["organizer"], phase, upload("p.zip", archives["perfect"]))
    changed = BoardRobustness.objects.get(phase=phase)
    assert changed.board_digest != first.board_digest and changed.entries == 3
    assert changed.result["ranking"][0]["name"] == users["organizer"].username  # perfect


def test_single_entry_board_says_why_there_is_no_analysis(client_for, phase, users, archives):
    from web_helpers import upload

    from arena.submissions.services import create_prediction_submission

    create_prediction_submission(users["participant"], phase, upload("e.zip", archives["eroded"]))
    html = client_for(None).get(reverse("web:leaderboard", args=[phase.pk])).content.decode()
    assert "needs at least two entries" in html and 'id="chart-blob"' not in html


def test_api_serves_the_cached_analysis_with_per_case_values_by_visibility(client_for, phase,
                                                                          scored):
    board = client_for("participant").get(f"/api/v1/phases/{phase.pk}/leaderboard/").json()
    url = board["robustness"]
    assert url.endswith(f"/api/v1/phases/{phase.pk}/leaderboard/robustness/")
    data = client_for("participant").get(url).json()
    assert data["status"] == "ready" and data["task"] == "kits21"
    assert set(data) >= {"ranking", "significance", "bootstrap", "samples", "seed", "computed"}
    assert data["bootstrap"]["n"] == 300
    column = data["significance"]["tumor/dice"]
    assert (column["region"], column["metric"]) == ("tumor", "dice")
    assert "values" not in column  # per-case results not released to participants
    organizer = client_for("organizer").get(url).json()
    values = organizer["significance"]["tumor/dice"]["values"]
    assert set(values) == {"alice", "bob"} and len(values["alice"]) == 3
    phase.leaderboard_visibility = "hidden"
    phase.save()
    assert client_for("participant").get(url).status_code == 403
