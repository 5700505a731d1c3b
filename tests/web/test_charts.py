"""Plotly figure builders: JSON that plotly can load, NaN left out, dropdown per metric/region."""

from __future__ import annotations

import json

import numpy as np
import pytest

from arena.web.charts import Series, aggregate_box_plots, box_plots, case_stats, per_case_comparison

CASES = {
    "c1": {"kidney": {"dice": 0.9, "nsd": 0.8}, "tumor": {"dice": float("nan"), "nsd": 0.5}},
    "c2": {"kidney": {"dice": 0.7, "nsd": 0.6}, "tumor": {"dice": 0.3, "nsd": 0.2}},
}
AGG = {"kidney": {"dice": {"mean": 0.8, "std": 0.1, "median": 0.8, "p25": 0.75, "p75": 0.85, "count": 2}}}


def test_box_plots_leave_out_nan_and_offer_metric_dropdown():
    fig = json.loads(box_plots([Series("a", {"case": CASES}), Series("b", {"case": CASES})]))
    assert len(fig["data"]) == 4  # 2 metrics x 2 submissions
    first = fig["data"][0]
    assert first["type"] == "box" and first["visible"] is True and "y" not in first
    assert first["x"] == ["kidney", "tumor"]
    assert first["median"] == pytest.approx([0.8, 0.3])  # tumor: c1 is NaN, only c2 counts
    assert first["q1"][0] == pytest.approx(0.75) and first["q3"][0] == pytest.approx(0.85)
    labels = [b["label"] for b in fig["layout"]["updatemenus"][0]["buttons"]]
    assert labels == ["dice", "nsd"]


def test_vectorised_stats_match_case_stats():
    rng = np.random.default_rng(0)
    values = list(rng.random(37)) + [5.0]  # one outlier beyond the whisker
    cases = {f"c{i}": {"r": {"m": v}} for i, v in enumerate(values)}
    fig = json.loads(box_plots([Series("a", {"case": cases})]))
    expected = case_stats(values)
    trace = fig["data"][0]
    for key in ("q1", "median", "q3", "mean", "lowerfence", "upperfence"):
        assert trace[key][0] == pytest.approx(expected[key], abs=1e-6), key
    assert "sd" not in trace
    assert expected["upperfence"] < 5.0


def test_per_case_comparison_has_region_dropdown():
    fig = json.loads(per_case_comparison([Series("a", {"case": CASES})], "dice"))
    buttons = fig["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == ["kidney", "tumor"]
    assert fig["data"][0]["x"] == ["c1", "c2"] and fig["data"][0]["y"] == [0.9, 0.7]
    assert buttons[1]["method"] == "restyle"
    assert buttons[1]["args"][0] == {"x": [["c2"]], "y": [[0.3]]}  # NaN case left out


def test_aggregate_boxes_use_no_case_values():
    fig = json.loads(aggregate_box_plots([Series("a", {"aggregates": AGG, "case": CASES})]))
    trace = fig["data"][0]
    assert trace["median"] == [0.8] and trace["q1"] == [0.75] and "y" not in trace


def test_nothing_to_plot():
    assert box_plots([]) is None
    assert per_case_comparison([Series("a", {})]) is None
    assert aggregate_box_plots([Series("a", {"aggregates": {}})]) is None
