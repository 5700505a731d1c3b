"""The board table's columns and cells: values with their unit's decimals, each rank-based
criterion's rank beside its value, and the compact view of rules with many criteria (the mean
criterion rank per group, e.g. SegRap's 45 Dice and 45 NSD ranks) with the full view
(``?view=full``: every criterion) one click away."""

from __future__ import annotations

from typing import Any


def board_header(columns: list, rule: dict[str, Any] | None, full: bool) -> list[dict[str, Any]]:
    """Header cells after Rank/Participant/Submission/Score: ``{"kind": "value" | "group",
    "key", "title", "higher_is_better", "decimals", "criterion"}``. ``criterion``: the column
    is one of the rule's ranking criteria (its rank is shown beside the value)."""
    rule = rule or {}
    criteria = {c["key"]: c for c in rule.get("criteria", [])} if rule.get("rank_based") else {}
    groups = rule.get("groups") or []
    if groups and full:
        return [
            {"kind": "value", "key": key, "title": c["title"],
             "higher_is_better": c["higher_is_better"],
             "decimals": {"mm": 2, "%": 1}.get(c.get("unit", ""), 3), "criterion": True}
            for key, c in criteria.items()
        ]
    header = [
        {"kind": "value", "key": c.key, "title": c.title, "higher_is_better": c.higher_is_better,
         "decimals": c.decimals, "criterion": c.key in criteria}
        for c in columns
    ]
    header += [
        {"kind": "group", "key": None, "keys": g["keys"], "title": g["title"],
         "higher_is_better": False, "decimals": 2, "criterion": False}
        for g in groups
    ]
    return header


def board_cells(row: dict[str, Any], header: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One ``{"value", "decimals", "rank"}`` per header cell of ``row`` (``rank``: the
    criterion rank, or None)."""
    values = row.get("values") or {}
    ranks = row.get("criterion_ranks") or {}
    cells = []
    for cell in header:
        if cell["kind"] == "group":
            got = [ranks[k] for k in cell["keys"] if k in ranks]
            value = sum(got) / len(got) if got else None
            cells.append({"value": value, "decimals": cell["decimals"], "rank": None})
        else:
            rank = ranks.get(cell["key"]) if cell["criterion"] else None
            cells.append({"value": values.get(cell["key"]), "decimals": cell["decimals"],
                          "rank": rank})
    return cells
