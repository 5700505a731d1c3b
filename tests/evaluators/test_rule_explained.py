"""Rules that explain themselves: per-criterion ranks, one-sentence rules with directions,
readable column titles with units and decimals (values derived by hand)."""

import re

import pytest

from evaluators.ranking import Lexicographic, RankThenAggregate, criterion_groups
from evaluators.tasks import get_task, list_tasks
from evaluators.tasks.base import Column


def test_criterion_ranks_and_ties_by_hand():
    rule = RankThenAggregate(criteria=(Column("x", "X"), Column("y", "Y", False)))
    # x (higher better): a 0.9 -> 1, b 0.8 -> 2, c 0.8 -> 2
    # y (lower better):  b 1.0 -> 1, c 2.0 -> 2, a 3.0 -> 3
    # mean rank: a 2.0, b 1.5, c 2.0 -> b 1, a 2, c 2 (tie, no tie-break)
    ranked = rule.rank({"a": {"x": 0.9, "y": 3.0}, "b": {"x": 0.8, "y": 1.0},
                        "c": {"x": 0.8, "y": 2.0}})
    by_name = {e.name: e for e in ranked}
    assert [(e.name, e.rank, e.score) for e in ranked] == [("b", 1, 1.5), ("a", 2, 2.0),
                                                           ("c", 2, 2.0)]
    assert by_name["a"].criterion_ranks == {"x": 1, "y": 3}
    assert by_name["c"].criterion_ranks == {"x": 2, "y": 2}


def test_rule_sentences_name_every_criterion_with_its_direction():
    kits = get_task("kits21").ranking_description
    assert "Mean Dice (higher is better)" in kits and "Mean Surface Dice (higher is better)" in kits
    assert "broken by Tumor Dice (higher is better)" in kits and "share a rank" in kits
    assert "(lower is better)" in kits  # the score's direction
    kipa = get_task("kipa22").ranking_description
    assert "4 structures × Dice (higher is better), HD (mm) (lower is better), AVD (mm) " \
        "(lower is better)" in kipa
    segrap = get_task("segrap2023_task1").ranking_description
    assert "90 criteria (45 structures × Dice (higher is better), NSD (higher is better))" \
        in segrap and "divide by the number of entries" in segrap
    cosmos = get_task("cosmos2022").ranking_description
    assert cosmos.startswith("Order the entries by QuanM (%) (higher is better), equal values "
                             "then by Vessel Dice (higher is better)")
    for task in list_tasks():
        assert task.ranking_description.endswith("share a rank."), task.name


def test_score_titles():
    assert get_task("kits21").ranking.score_title == "Mean criterion rank"
    assert get_task("segrap2023_task2").ranking.score_title == "Mean rank / entries"
    rule = get_task("cosmos2022").ranking
    assert isinstance(rule, Lexicographic) and rule.score_title == "QuanM (%)"
    assert rule.score_higher_is_better and not get_task("kits21").ranking.score_higher_is_better


def test_groups_of_many_criteria():
    groups = criterion_groups(get_task("segrap2023_task1").ranking.criteria)
    assert [(title, len(members)) for title, members in groups] == [("Dice", 45), ("NSD", 45)]


@pytest.mark.parametrize("task", list_tasks(), ids=lambda t: t.name)
def test_titles_are_readable(task):
    titles = [c.title for c in task.leaderboard_columns] + \
        [c.title for c in getattr(task.ranking, "criteria", ())]
    for title in titles:
        assert "_" not in title and not re.search(r"\bSD\b|\bdice\b|\bnsd\b", title), title


@pytest.mark.parametrize("task,key,title,decimals", [
    ("kits21", "tumor/surface_dice", "Tumor Surface Dice", 3),
    ("myops2020", "scar/hd95", "Scar HD95 (mm)", 2),
    ("kipa22", "Artery/hd", "Artery HD (mm)", 2),
    ("cosmos2022", "quanm", "QuanM (%)", 1),
    ("amos22", "mean_nsd", "Mean NSD (1 mm)", 3),
])
def test_units_and_decimals(task, key, title, decimals):
    column = {c.key: c for c in get_task(task).leaderboard_columns}[key]
    assert (column.title, column.decimals) == (title, decimals)


def test_segrap_structure_titles():
    titles = {c.key: c.title for c in get_task("segrap2023_task1").ranking.criteria}
    assert titles["TemporalLobe_L/dice"] == "Temporal lobe (L) Dice"
    assert titles["ETbone_R/nsd"] == "ET bone (R) NSD"
    assert titles["Larynx_Supraglot/dice"] == "Larynx supraglottic Dice"
