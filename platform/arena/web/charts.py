"""Plotly figures for leaderboard and submission pages (rendered client-side from JSON).

Every function takes already-visible data only (the caller decides what a user may see) and
returns ``plotly.graph_objects.Figure.to_json()`` output, or ``None`` when there is nothing to
plot. Values that are missing or not finite (NaN, inf) are left out, never drawn as zero.

Boxes are precomputed on the server (quartiles with linear interpolation, Tukey whiskers at
1.5 IQR; or the stored aggregates when per-case values are private), so a page carries a few
numbers per box instead of every case value; the per-case chart has one trace per submission
and its region dropdown swaps the data (``restyle``). Both keep pages small and fast with many
regions (SegRap: 45) and many cases.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# At most this many submissions are drawn (the best-ranked first) so a chart stays readable.
MAX_SERIES = 12
_LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=60, r=20, t=60, b=70),
    # legend pinned to the bottom of the figure, below the (auto-margined) tick labels
    legend=dict(orientation="h", yref="container", y=0.0, yanchor="bottom", x=0.0),
    font=dict(family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size=12),
)
# "sd" is left out of the figures: plotly would draw mean ± sd diamonds past the whiskers.
_STAT_KEYS = ("q1", "median", "q3", "mean", "lowerfence", "upperfence")


def plotly_text(text: str) -> str:
    """``text`` as plotly shows it literally: plotly reads ``<b>``, ``<a href>`` and entities in
    labels as markup, so ``&``, ``<`` and ``>`` become entities (plotly decodes them to text)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Series:
    """One scored submission to draw: ``label`` (legend text; user-written, so it is escaped
    for plotly's label markup on creation) and its ``metrics_json``."""

    label: str
    metrics_json: dict[str, Any]

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", plotly_text(self.label))


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _sized(n_categories: int, n_series: int) -> dict[str, Any]:
    """Height and x-axis settings: taller, slanted labels when there are many categories."""
    many = n_categories > 8
    height = 440 + (140 if many else 0) + 22 * max(0, (n_series - 1) // 4)
    return {"height": height, "xaxis": dict(automargin=True, tickangle=-50 if many else 0)}


def _ordered_keys(mappings: Sequence[dict[str, Any]]) -> list[str]:
    keys: dict[str, None] = {}
    for mapping in mappings:
        for key in mapping or {}:
            keys.setdefault(key, None)
    return list(keys)


def _case_regions_metrics(series: Sequence[Series]) -> tuple[list[str], list[str]]:
    per_region = [
        regions
        for item in series
        for regions in (item.metrics_json.get("case") or {}).values()
    ]
    regions = _ordered_keys(per_region)
    metrics = _ordered_keys([values for r in per_region for values in (r or {}).values()])
    return regions, metrics


def _case_values(item: Series, region: str, metric: str) -> tuple[list[str], list[float]]:
    cases: list[str] = []
    values: list[float] = []
    per_case = item.metrics_json.get("case") or {}
    for case in sorted(per_case):
        value = _finite(((per_case[case] or {}).get(region) or {}).get(metric))
        if value is not None:
            cases.append(case)
            values.append(value)
    return cases, values


def case_stats(values: Sequence[float]) -> dict[str, float] | None:
    """Box statistics of finite values: quartiles (linear interpolation), mean, sample std,
    Tukey whiskers (most extreme values within 1.5 IQR of the quartiles); None when empty."""
    data = np.asarray([v for v in values if _finite(v) is not None], dtype=float)
    if data.size == 0:
        return None
    q1, median, q3 = (float(x) for x in np.percentile(data, [25, 50, 75]))
    iqr = q3 - q1
    inside = data[(data >= q1 - 1.5 * iqr) & (data <= q3 + 1.5 * iqr)]
    return {
        "q1": q1, "median": median, "q3": q3, "mean": float(data.mean()),
        "sd": float(data.std(ddof=1)) if data.size > 1 else 0.0,
        "lowerfence": float(inside.min()), "upperfence": float(inside.max()),
    }


def _aggregate_stats(stats: dict[str, Any] | None) -> dict[str, float] | None:
    stats = stats or {}
    q1, median, q3 = (_finite(stats.get(k)) for k in ("p25", "median", "p75"))
    if q1 is None or median is None or q3 is None:
        return None
    mean = _finite(stats.get("mean"))
    return {
        "q1": q1, "median": median, "q3": q3,
        "mean": median if mean is None else mean, "sd": _finite(stats.get("std")) or 0.0,
        "lowerfence": q1, "upperfence": q3,  # no case values: whiskers collapse onto the box
    }


def _box_figure(
    series: Sequence[Series],
    regions: list[str],
    metrics: list[str],
    stats_of: Callable[[Series, str, str], dict[str, float] | None],
    title: str,
    metric_titles: dict[str, str] | None,
) -> str:
    import plotly.graph_objects as go  # on first chart: plotly is large, keep workers lean

    traces = []
    for m_index, metric in enumerate(metrics):
        for item in series:
            columns: dict[str, list[Any]] = {"x": [], **{k: [] for k in _STAT_KEYS}}
            for region in regions:
                stats = stats_of(item, region, metric)
                if stats is None:
                    continue
                columns["x"].append(region)
                for key in _STAT_KEYS:
                    columns[key].append(round(stats[key], 6))
            traces.append(dict(type="box", name=item.label, legendgroup=item.label,
                               visible=m_index == 0, **columns))
    fig = go.Figure(data=traces)
    titles = metric_titles or {}
    fig.update_layout(**_LAYOUT, **_sized(len(regions), len(series)), boxmode="group",
                      title=dict(text=title, x=0.5), yaxis_title="value",
                      updatemenus=_visibility_menu([titles.get(m, m) for m in metrics], len(series)))
    return fig.to_json()


def _visibility_menu(labels: list[str], traces_per_label: int) -> list[dict[str, Any]]:
    total = len(labels) * traces_per_label
    buttons = []
    for index, label in enumerate(labels):
        visible = [index * traces_per_label <= t < (index + 1) * traces_per_label for t in range(total)]
        buttons.append(dict(label=label, method="update", args=[{"visible": visible}]))
    return [_menu(buttons)]


def _menu(buttons: list[dict[str, Any]]) -> dict[str, Any]:
    return dict(buttons=buttons, direction="down", x=0, xanchor="left", y=1.18, yanchor="top",
                showactive=True, pad=dict(r=4, t=4))


def _stats_table(item: Series, regions: list[str], metric: str) -> dict[str, dict[str, float]]:
    """``case_stats`` of every region at once (one NumPy pass over a regions x cases array)."""
    per_case = item.metrics_json.get("case") or {}
    table = np.full((len(regions), max(1, len(per_case))), np.nan)
    for j, case in enumerate(per_case):
        by_region = per_case[case] or {}
        for i, region in enumerate(regions):
            value = _finite((by_region.get(region) or {}).get(metric))
            if value is not None:
                table[i, j] = value
    counts = np.sum(~np.isnan(table), axis=1)
    out: dict[str, dict[str, float]] = {}
    rows = np.flatnonzero(counts)
    if rows.size == 0:
        return out
    data = table[rows]
    q1, median, q3 = np.nanpercentile(data, [25, 50, 75], axis=1)
    iqr = q3 - q1
    inside = (data >= (q1 - 1.5 * iqr)[:, None]) & (data <= (q3 + 1.5 * iqr)[:, None])
    lower = np.where(inside, data, np.inf).min(axis=1)
    upper = np.where(inside, data, -np.inf).max(axis=1)
    mean = np.nanmean(data, axis=1)
    n = counts[rows]
    sd = np.sqrt(np.nansum((data - mean[:, None]) ** 2, axis=1) / np.maximum(n - 1, 1))
    for k, i in enumerate(rows):
        out[regions[i]] = {
            "q1": float(q1[k]), "median": float(median[k]), "q3": float(q3[k]),
            "mean": float(mean[k]), "sd": float(sd[k]) if n[k] > 1 else 0.0,
            "lowerfence": float(lower[k]), "upperfence": float(upper[k]),
        }
    return out


def box_plots(series: Sequence[Series], metric_titles: dict[str, str] | None = None) -> str | None:
    """Per-region box plots over cases from per-case values: x = region, one box per
    submission (at most ``MAX_SERIES``, in the order given), a dropdown picks the metric.
    Box statistics as :func:`case_stats`."""
    series = list(series)[:MAX_SERIES]
    regions, metrics = _case_regions_metrics(series)
    if not regions or not metrics:
        return None
    tables = {(id(item), m): _stats_table(item, regions, m) for item in series for m in metrics}
    return _box_figure(
        series, regions, metrics,
        lambda item, region, metric: tables[(id(item), metric)].get(region),
        "Per-region distribution over cases", metric_titles,
    )


def aggregate_box_plots(
    series: Sequence[Series], metric_titles: dict[str, str] | None = None
) -> str | None:
    """Per-region boxes drawn from the aggregates only (median, quartiles, mean ± std), for
    boards whose per-case values are not released: no individual case value is used."""
    series = list(series)[:MAX_SERIES]
    aggregates = [item.metrics_json.get("aggregates") or {} for item in series]
    regions = _ordered_keys(aggregates)
    metrics = _ordered_keys([per_metric for agg in aggregates for per_metric in agg.values()])
    if not regions or not metrics:
        return None
    return _box_figure(
        series, regions, metrics,
        lambda item, region, metric: _aggregate_stats(
            ((item.metrics_json.get("aggregates") or {}).get(region) or {}).get(metric)
        ),
        "Per-region quartiles over cases (aggregates)", metric_titles,
    )


def per_case_comparison(series: Sequence[Series], metric: str | None = None) -> str | None:
    """Per-case comparison: x = case, y = value of ``metric`` (default: the first metric
    found), one line per submission; a dropdown picks the region (swapping the data)."""
    series = list(series)[:MAX_SERIES]
    regions, metrics = _case_regions_metrics(series)
    if not regions or not metrics:
        return None
    metric = metric if metric in metrics else metrics[0]
    import plotly.graph_objects as go  # on first chart: plotly is large, keep workers lean

    data = {
        region: [_case_values(item, region, metric) for item in series] for region in regions
    }
    fig = go.Figure(data=[
        dict(type="scatter", x=cases, y=[round(v, 6) for v in values], name=item.label,
             mode="lines+markers")
        for item, (cases, values) in zip(series, data[regions[0]], strict=True)
    ])
    buttons = [
        dict(label=region, method="restyle",
             args=[{"x": [c for c, _ in data[region]],
                    "y": [[round(v, 6) for v in vs] for _, vs in data[region]]}])
        for region in regions
    ]
    n_cases = len({c for per in data.values() for cases, _ in per for c in cases})
    fig.update_layout(**_LAYOUT, **_sized(n_cases, len(series)),
                      title=dict(text=f"Per-case {metric}", x=0.5), yaxis_title=metric,
                      updatemenus=[_menu(buttons)])
    fig.update_xaxes(type="category", title_text="case")
    return fig.to_json()
