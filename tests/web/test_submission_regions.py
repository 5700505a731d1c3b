"""Submission pages group per-structure values in a searchable table: one row per structure
(region), one column per metric with the board's titles and decimals, the derived scores in
their own summary above, a search box whose filter lives in a static script (no inline JS)."""

from __future__ import annotations

import html as html_lib
import re
import sys
from pathlib import Path

from django.urls import reverse

import evaluators

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evaluators"))


def _segrap_submission(challenge, users):
    from robustness_testutil import synthetic_entries

    from arena.challenges.models import Phase
    from arena.evaluation.models import Evaluation
    from arena.leaderboards.services import recompute_leaderboard
    from arena.submissions.models import Submission
    from evaluators.aggregation import aggregate

    task = evaluators.get_task("segrap2023_task1")
    phase = Phase.objects.create(challenge=challenge, slug="segrap", title="SegRap",
                                 task=task.name, references_path="unused")
    own = None
    entries = synthetic_entries(task, 2, 3, seed=11, decimals=4)
    for role, metrics in zip(("participant", "other"), entries.values(), strict=True):
        # the evaluator's own aggregation of the stored per-case values, as a scoring run stores
        metrics["aggregates"] = aggregate(task.cases_from_metrics(metrics))
        sub = Submission.objects.create(phase=phase, creator=users[role], status="succeeded",
                                        predictions_path="")
        Evaluation.objects.create(submission=sub, attempt=1, evaluators_version="t",
                                  reference_digest="0" * 64, metrics_json=metrics,
                                  ranking_scores=metrics["ranking_scores"],
                                  aggregates=metrics["aggregates"])
        own = own or sub
    recompute_leaderboard(phase)
    return own


def _rows(page: str, table_id: str) -> list[tuple[str, list[str]]]:
    """(row header text, cell texts) of each body row of ``table#table_id``."""
    table = page.split(f'id="{table_id}"')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        head = re.search(r'<th scope="row">(.*?)</th>', tr, re.S)
        cells = re.findall(r'<td class="num">(.*?)</td>', tr, re.S)
        name = re.sub(r"<[^>]+>", " ", head.group(1)) if head else ""
        rows.append((html_lib.unescape(" ".join(name.split())), cells))
    return rows


def test_segrap_page_has_one_row_per_structure(client_for, challenge, users):
    submission = _segrap_submission(challenge, users)
    response = client_for("participant").get(reverse("web:submission_detail", args=[submission.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    stored = submission.evaluations.get().metrics_json
    aggregates = stored["aggregates"]
    assert len(aggregates) == 45
    rows = _rows(page, "per-region")
    assert len(rows) == 45
    head = page.split('id="per-region"')[1].split("</thead>")[0]
    assert '<th scope="col" class="num">Dice</th>' in head
    assert '<th scope="col" class="num">NSD</th>' in head
    by_key = {name.split()[-1]: cells for name, cells in rows}
    assert set(by_key) == set(aggregates)
    for structure, per_metric in aggregates.items():
        # Dice and NSD are ratios: three decimals on the board (issue 10: "Dice 3")
        expected = [f"{per_metric['dice']['mean']:.3f}", f"{per_metric['nsd']['mean']:.3f}"]
        assert by_key[structure] == expected, structure
        # the stored means are the ranking scores the board ranks on
        assert per_metric["dice"]["mean"] == stored["ranking_scores"][f"{structure}/dice"]
    # readable structure names, searchable by name
    assert any(name.startswith("Temporal lobe (L)") for name, _ in rows)
    assert 'data-search="temporal lobe (l) temporallobe_l"' in page
    # derived scores in their own summary above the table, not 90 columns in one row
    summary = _rows(page, "ranking-scores")
    titles = [name for name, _ in summary]
    assert "Mean Dice" in titles and "Mean NSD" in titles and len(summary) == 3
    mean_dice = dict(summary)["Mean Dice"]
    assert mean_dice == [f"{stored['ranking_scores']['mean_dice']:.3f}"]
    assert titles[0].startswith("Board rank; score: Mean rank / entries")
    assert page.index('id="ranking-scores"') < page.index('id="per-region"')
    # accessible search box; the filter is a static script, no inline JavaScript
    assert re.search(r'<label for="region-search">[^<]+</label>', page)
    assert re.search(r'<input type="search" id="region-search" data-filter-table="per-region"', page)
    assert re.search(r'<script src="[^"]*web/table_filter\.js"></script>', page)
    for attrs, _body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S):
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
    assert '<div class="table-wrap" tabindex="0"><table class="data" id="per-region"' in page


def test_static_filter_script_exists_and_uses_data_search():
    from django.contrib.staticfiles import finders

    path = finders.find("web/table_filter.js")
    assert path, "web/table_filter.js is not found by the staticfiles finders"
    text = Path(path).read_text()
    assert "data-filter-table" in text and "data-search" in text


def test_kits_page_has_its_three_regions(client_for, phase, scored):
    submission = scored["participant"]
    page = client_for("participant").get(
        reverse("web:submission_detail", args=[submission.pk])).content.decode()
    stored = submission.evaluations.order_by("-attempt").first().metrics_json
    rows = dict(_rows(page, "per-region"))
    assert list(rows) == list(evaluators.get_task("kits21").regions)
    head = page.split('id="per-region"')[1].split("</thead>")[0]
    assert ">Dice<" in head and ">Surface Dice<" in head
    for region, cells in rows.items():
        agg = stored["aggregates"][region]
        assert cells == [f"{agg['dice']['mean']:.3f}", f"{agg['surface_dice']['mean']:.3f}"]
    summary = dict(_rows(page, "ranking-scores"))
    assert summary["Mean Surface Dice"] == [f"{stored['ranking_scores']['mean_sd']:.3f}"]
    assert "Tumor Dice" not in summary  # a per-region value: in the table, not the summary


def test_metric_titles_carry_units_and_board_decimals():
    from evaluators.tasks.base import metric_column

    # issue 10: readable titles with units, decimals per unit (Dice 3, mm 2, % 1)
    assert (metric_column("surface_dice").title, metric_column("surface_dice").decimals) == (
        "Surface Dice", 3)
    assert (metric_column("hd95").title, metric_column("hd95").decimals) == ("HD95 (mm)", 2)
    assert metric_column("hd95").higher_is_better is False
    assert (metric_column("quanm").title, metric_column("quanm").decimals) == ("QuanM (%)", 1)
    assert metric_column("nsd@2.0").title == "NSD (2.0 mm)"
    assert metric_column("my_metric").title == "my metric"
