"""Plotly figures of a board's robustness analysis (built once by the Celery task, stored with
the analysis, embedded as JSON by the page and drawn by the bundled plotly.js).

- ``blob``: one column per entry (board order), a blob per rank it reached in the bootstrap,
  the blob's area proportional to how often; the median rank (cross) and the 2.5–97.5 %
  interval (bar) on top (challengeR's "blob plot").
- ``tau``: the distribution of Kendall's tau between the board's ranking and each bootstrap
  ranking (violin with box).
- ``significance``: per leaderboard column, the entries × entries map of "row is significantly
  better than column" (one-sided paired Wilcoxon, Holm-adjusted p < 0.05); a dropdown switches
  the column.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

_LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=70, r=20, t=60, b=90),
    font=dict(family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size=12),
)
SIGNIFICANT = "#1f4e9c"
NOT_SIGNIFICANT = "#e8ebf0"


def _height(n: int) -> int:
    return int(min(900, max(360, 160 + 16 * n)))


def blob_plot(names: list[str], rank_counts: dict[str, dict], ranks: dict[str, dict],
              samples: int) -> str:
    """The blob plot's figure JSON."""
    xs, ys, sizes, shares = [], [], [], []
    for name in names:
        for rank, count in sorted(rank_counts.get(name, {}).items(), key=lambda kv: int(kv[0])):
            xs.append(name)
            ys.append(int(rank))
            shares.append(round(count / samples, 4))
            sizes.append(count / samples)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="markers", name="share of bootstrap samples",
        marker=dict(size=sizes, sizemode="area", sizeref=1.0 / (28 ** 2), sizemin=2,
                    color="#5b7fbf", opacity=0.7, line=dict(width=0)),
        customdata=shares,
        hovertemplate="%{x}: rank %{y} in %{customdata:.1%} of samples<extra></extra>",
    ))
    medians = [ranks[n]["median"] for n in names]
    fig.add_trace(go.Scatter(
        x=names, y=medians, mode="markers", name="median rank, 95 % interval",
        marker=dict(symbol="x-thin", size=12, line=dict(width=2, color="#111")),
        error_y=dict(type="data", symmetric=False, color="#111", thickness=1.2, width=0,
                     array=[ranks[n]["q975"] - ranks[n]["median"] for n in names],
                     arrayminus=[ranks[n]["median"] - ranks[n]["q025"] for n in names]),
        hovertemplate="%{x}: median rank %{y}<extra></extra>",
    ))
    fig.update_layout(
        **_LAYOUT, height=_height(len(names)),
        title=f"Rank in {samples} bootstrap samples of the test cases",
        xaxis=dict(title="entry (board order)", automargin=True,
                   tickangle=-45 if len(names) > 8 else 0),
        yaxis=dict(title="rank", autorange="reversed", dtick=1 if len(names) <= 20 else None),
        legend=dict(orientation="h", yref="container", y=0.0, yanchor="bottom"),
    )
    return fig.to_json()


def tau_plot(taus: list[float], tau: dict[str, Any]) -> str:
    """Kendall's tau distribution figure JSON."""
    defined = [round(t, 4) for t in taus if not math.isnan(t)]
    fig = go.Figure(go.Violin(
        y=defined, name="Kendall's tau", box_visible=True, meanline_visible=False,
        points=False, fillcolor="#c9d6ef", line_color="#1f4e9c",
        hoverinfo="y",
    ))
    median = tau.get("median")
    title = "Kendall's tau: board ranking vs each bootstrap ranking"
    if median is not None:
        title += f" (median {median:.3f}, IQR {tau['q25']:.3f}–{tau['q75']:.3f})"
    fig.update_layout(**_LAYOUT, height=380, title=title,
                      yaxis=dict(title="Kendall's tau", range=[-1.05, 1.05]), showlegend=False)
    return fig.to_json()


def significance_map(names: list[str], columns: list, significance: dict[str, dict]) -> str:
    """One heatmap per column behind a dropdown: row entry significantly better than column
    entry (1) or not (0); hover shows the Holm-adjusted p-value."""
    index = {n: i for i, n in enumerate(names)}
    matrices = []
    for column in columns:
        z = [[None] * len(names) for _ in names]
        p = [[None] * len(names) for _ in names]
        for pair in significance[column.key]["pairs"]:
            i, j = index[pair["a"]], index[pair["b"]]
            z[i][j] = 1 if pair["a_better"] else 0
            p[i][j] = float(f"{pair['p_holm']:.3g}")
        matrices.append((column, z, p))
    first = matrices[0]
    fig = go.Figure(go.Heatmap(
        x=names, y=names, z=first[1], customdata=first[2], zmin=0, zmax=1,
        colorscale=[[0, NOT_SIGNIFICANT], [0.5, NOT_SIGNIFICANT], [0.5, SIGNIFICANT],
                    [1, SIGNIFICANT]],
        showscale=False, xgap=1, ygap=1,
        hovertemplate="%{y} better than %{x}? Holm-adjusted p = %{customdata} "
                      "(dark: significant, p < 0.05)<extra></extra>",
    ))
    buttons = [
        dict(label=column.title, method="update",
             args=[{"z": [z], "customdata": [p]},
                   {"title.text": _map_title(column)}])
        for column, z, p in matrices
    ]
    fig.update_layout(
        **_LAYOUT, height=_height(len(names)) + 60, title=_map_title(first[0]),
        xaxis=dict(title="… than this entry", automargin=True, side="bottom",
                   tickangle=-45 if len(names) > 8 else 0),
        yaxis=dict(title="this entry is significantly better …", autorange="reversed",
                   automargin=True),
        updatemenus=[dict(buttons=buttons, direction="down", x=1, xanchor="right", y=1.02,
                          yanchor="bottom", showactive=True)] if len(buttons) > 1 else [],
    )
    fig.update_layout(margin=dict(t=90))
    return fig.to_json()


def _map_title(column) -> str:
    direction = "higher" if column.higher_is_better else "lower"
    return f"{column.title} ({direction} is better)"


def robustness_figures(task, analysis) -> dict[str, str]:
    """``{"blob", "tau", "significance"}`` figure JSON of an analysis (board order)."""
    names = [entry["name"] for entry in analysis.ranking]
    columns = [c for c in task.leaderboard_columns if c.key in analysis.significance]
    figures = {
        "blob": blob_plot(names, analysis.rank_counts, analysis.bootstrap["ranks"],
                          analysis.bootstrap["n"]),
        "tau": tau_plot(analysis.taus, analysis.bootstrap["kendall_tau"]),
    }
    if columns:
        figures["significance"] = significance_map(names, columns, analysis.significance)
    return figures
