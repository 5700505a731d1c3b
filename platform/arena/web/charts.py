"""Plotly figures for leaderboard and submission pages (rendered client-side from JSON).

Every function takes already-visible data only (the caller decides what a user may see) and
returns ``plotly.graph_objects.Figure.to_json()`` output, or ``None`` when there is nothing to
plot. Values that are missing or not finite (NaN, inf) are left out of the plots, never drawn
as zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

# At most this many submissions are drawn (the best-ranked first) so a chart stays readable.
MAX_SERIES = 12
_LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=60, r=20, t=60, b=70),
    # legend pinned to the bottom of the figure, below the (auto-margined) tick labels
    legend=dict(orientation="h", yref="container", y=0.0, yanchor="bottom", x=0.0),
    font=dict(family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size=12),
)


def _sized(n_categories: int, n_series: int) -> dict[str, Any]:
    """Height and x-axis settings: taller, slanted labels when there are many categories."""
    many = n_categories > 8
    height = 440 + (140 if many else 0) + 22 * max(0, (n_series - 1) // 4)
    return {"height": height, "xaxis": dict(automargin=True, tickangle=-50 if many else 0)}


@dataclass(frozen=True)
class Series:
    """One scored submission to draw: ``label`` (legend text) and its ``metrics_json``."""

    label: str
    metrics_json: dict[str, Any]


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _regions_metrics(series: Sequence[Series]) -> tuple[list[str], list[str]]:
    regions: list[str] = []
    metrics: list[str] = []
    for item in series:
        for per_region in (item.metrics_json.get("case") or {}).values():
            for region, values in (per_region or {}).items():
                if region not in regions:
                    regions.append(region)
                for metric in values or {}:
                    if metric not in metrics:
                        metrics.append(metric)
    return regions, metrics


def _values(item: Series, region: str, metric: str) -> tuple[list[str], list[float]]:
    cases: list[str] = []
    values: list[float] = []
    for case in sorted(item.metrics_json.get("case") or {}):
        value = _finite(((item.metrics_json["case"][case] or {}).get(region) or {}).get(metric))
        if value is not None:
            cases.append(case)
            values.append(value)
    return cases, values


def _dropdown(labels: list[str], traces_per_label: int, prefix: str) -> list[dict[str, Any]]:
    buttons = []
    total = len(labels) * traces_per_label
    for index, label in enumerate(labels):
        visible = [False] * total
        for offset in range(traces_per_label):
            visible[index * traces_per_label + offset] = True
        buttons.append(dict(label=label, method="update", args=[{"visible": visible}]))
    return [dict(buttons=buttons, direction="down", x=0, xanchor="left", y=1.18, yanchor="top",
                 showactive=True, pad=dict(r=4, t=4), name=prefix)]


def box_plots(series: Sequence[Series], metric_titles: dict[str, str] | None = None) -> str | None:
    """Per-region box plots over cases: one figure, a dropdown picks the metric, x = region,
    one box per submission (at most ``MAX_SERIES``, in the order given)."""
    series = list(series)[:MAX_SERIES]
    regions, metrics = _regions_metrics(series)
    if not regions or not metrics:
        return None
    fig = go.Figure()
    for m_index, metric in enumerate(metrics):
        for item in series:
            xs: list[str] = []
            ys: list[float] = []
            for region in regions:
                _, values = _values(item, region, metric)
                xs.extend([region] * len(values))
                ys.extend(values)
            fig.add_trace(go.Box(x=xs, y=ys, name=item.label, boxpoints="outliers",
                                 visible=m_index == 0, legendgroup=item.label,
                                 showlegend=True))
    titles = metric_titles or {}
    labels = [titles.get(metric, metric) for metric in metrics]
    fig.update_layout(**_LAYOUT, **_sized(len(regions), len(series)), boxmode="group",
                      title=dict(text="Per-region distribution over cases", x=0.5),
                      yaxis_title="value", updatemenus=_dropdown(labels, len(series), "metric"))
    return fig.to_json()


def per_case_comparison(series: Sequence[Series], metric: str | None = None) -> str | None:
    """Per-case comparison: x = case, y = value of ``metric`` (default: the first metric found),
    one marker line per submission; a dropdown picks the region."""
    series = list(series)[:MAX_SERIES]
    regions, metrics = _regions_metrics(series)
    if not regions or not metrics:
        return None
    metric = metric if metric in metrics else metrics[0]
    fig = go.Figure()
    for r_index, region in enumerate(regions):
        for item in series:
            cases, values = _values(item, region, metric)
            fig.add_trace(go.Scatter(x=cases, y=values, name=item.label, mode="lines+markers",
                                     visible=r_index == 0, legendgroup=item.label))
    cases = {c for item in series for c in (item.metrics_json.get("case") or {})}
    fig.update_layout(**_LAYOUT, **_sized(len(cases), len(series)),
                      title=dict(text=f"Per-case {metric}", x=0.5),
                      yaxis_title=metric, updatemenus=_dropdown(regions, len(series), "region"))
    fig.update_xaxes(type="category", title_text="case")
    return fig.to_json()


def aggregate_box_plots(
    series: Sequence[Series], metric_titles: dict[str, str] | None = None
) -> str | None:
    """Per-region boxes drawn from the aggregates only (median, quartiles, mean ± std), for
    boards whose per-case values are not released: no individual case value is plotted."""
    series = list(series)[:MAX_SERIES]
    regions: list[str] = []
    metrics: list[str] = []
    for item in series:
        for region, per_metric in (item.metrics_json.get("aggregates") or {}).items():
            if region not in regions:
                regions.append(region)
            for metric in per_metric or {}:
                if metric not in metrics:
                    metrics.append(metric)
    if not regions or not metrics:
        return None
    fig = go.Figure()
    for m_index, metric in enumerate(metrics):
        for item in series:
            xs, q1, med, q3, mean, sd = [], [], [], [], [], []
            for region in regions:
                stats = ((item.metrics_json.get("aggregates") or {}).get(region) or {}).get(metric)
                values = [_finite((stats or {}).get(k)) for k in ("p25", "median", "p75", "mean", "std")]
                if any(v is None for v in values[:3]):
                    continue
                xs.append(region)
                q1.append(values[0])
                med.append(values[1])
                q3.append(values[2])
                mean.append(values[3] if values[3] is not None else values[1])
                sd.append(values[4] if values[4] is not None else 0.0)
            fig.add_trace(go.Box(x=xs, q1=q1, median=med, q3=q3, lowerfence=q1, upperfence=q3,
                                 mean=mean, sd=sd, name=item.label, visible=m_index == 0,
                                 legendgroup=item.label))
    titles = metric_titles or {}
    labels = [titles.get(metric, metric) for metric in metrics]
    fig.update_layout(**_LAYOUT, **_sized(len(regions), len(series)), boxmode="group",
                      title=dict(text="Per-region quartiles over cases (aggregates)", x=0.5),
                      yaxis_title="value", updatemenus=_dropdown(labels, len(series), "metric"))
    return fig.to_json()
