"""Plotly figure builders: JSON that plotly can load, NaN left out, dropdown per metric/region."""

from __future__ import annotations

import json

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


def test_box_stats_match_a_hand_derivation():
    # Sorted finite values 1..7, 40 (n = 8; NaN left out). Linear interpolation at index p*(n-1):
    # q1 at 1.75 -> 2 + 0.75*(3-2) = 2.75; median at 3.5 -> 4.5; q3 at 5.25 -> 6 + 0.25 = 6.25.
    # IQR 3.5: Tukey bounds -2.5 and 11.5, so 40 is an outlier: whiskers at 1 and 7.
    # Mean (1+...+7+40)/8 = 68/8 = 8.5.
    hand = {"q1": 2.75, "median": 4.5, "q3": 6.25, "mean": 8.5, "lowerfence": 1.0,
            "upperfence": 7.0}
    values = [5.0, 40.0, 1.0, float("nan"), 7.0, 3.0, 2.0, 6.0, 4.0]
    cases = {f"c{i}": {"r": {"m": v}} for i, v in enumerate(values)}
    trace = json.loads(box_plots([Series("a", {"case": cases})]))["data"][0]
    stats = case_stats(values)
    for key, value in hand.items():
        assert trace[key][0] == pytest.approx(value, abs=1e-9), key
        assert stats[key] == pytest.approx(value, abs=1e-12), key
    assert "sd" not in trace
    # sample std: squared deviations from 8.5 are 56.25, 42.25, 30.25, 20.25, 12.25, 6.25, 2.25
    # and 992.25, sum 1162; over n-1 = 7 degrees of freedom.
    assert stats["sd"] == pytest.approx((1162 / 7) ** 0.5)


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
