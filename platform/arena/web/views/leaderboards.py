"""Leaderboard page (table + plotly charts), CSV export and the test-input download."""

from __future__ import annotations

import hashlib
import json

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from arena.challenges import permissions as perms
from arena.web import charts
from arena.web.access import phase_or_404
from arena.web.board_table import board_cells, board_header
from arena.web.presenters import phase_card

# Rows per leaderboard page (a 1,000-row table is slow to render and to read).
ROWS_PER_PAGE = 100
# Charts depend only on the evaluations drawn: cache them per set of evaluation ids.
CHART_CACHE_SECONDS = 600


def _charts(phase, rows: list[dict], per_case: bool, titles: dict[str, str]) -> tuple[str | None, str | None]:
    """(box plot JSON, per-case chart JSON or None) for the top ``charts.MAX_SERIES`` rows.
    Evaluation payloads are only loaded when the cached figures are missing."""
    from arena.evaluation.models import Evaluation
    from arena.submissions.models import Submission

    top = rows[: charts.MAX_SERIES]
    ids = [row["submission_id"] for row in top]
    attempts = dict(Submission.objects.filter(pk__in=ids).values_list("pk", "attempt"))
    current = {
        sub_id: eval_id
        for eval_id, sub_id, attempt in Evaluation.objects.filter(submission_id__in=ids)
        .values_list("pk", "submission_id", "attempt")
        if attempts.get(sub_id) == attempt
    }
    drawn = [row for row in top if row["submission_id"] in current]
    if not drawn:
        return None, None
    labels = [f"#{row['rank']} {row['participant']} (#{row['submission_id']})" for row in drawn]
    key_source = json.dumps([phase.pk, per_case, labels, [current[r["submission_id"]] for r in drawn]])
    key = "arena-web-charts:" + hashlib.sha256(key_source.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    payloads = dict(
        Evaluation.objects.filter(pk__in=current.values()).values_list("pk", "metrics_json")
    )
    series = [
        charts.Series(label, payloads.get(current[row["submission_id"]]) or {})
        for label, row in zip(labels, drawn, strict=True)
    ]
    if per_case:
        result = (charts.box_plots(series, titles), charts.per_case_comparison(series))
    else:
        result = (charts.aggregate_box_plots(series, titles), None)
    cache.set(key, result, CHART_CACHE_SECONDS)
    return result


def leaderboard(request: HttpRequest, phase_id: int) -> HttpResponse:
    """The phase's ranked board: one column per leaderboard column of the task, in ranking
    order; box plots per region (per-case values only where released) and a per-case chart."""
    from arena.leaderboards.services import (
        board_rule,
        leaderboard_columns,
        leaderboard_rows,
        missing_cases,
        partial_note,
    )

    phase = phase_or_404(request, phase_id)
    card = phase_card(request.user, phase)
    context = {"phase": phase, "card": card, "visible": card.can_view_leaderboard}
    if phase.frozen:
        from arena.leaderboards.snapshots import latest_snapshot
        context.update(snapshot=latest_snapshot(phase),
                       snapshot_visible=perms.can_download_snapshot(request.user, phase))
    if card.can_view_leaderboard:
        columns = leaderboard_columns(phase)
        rows = leaderboard_rows(phase, request.user)
        mine = set()
        if request.user.is_authenticated:
            from arena.submissions.services import user_submissions

            mine = set(user_submissions(request.user, phase).values_list("pk", flat=True))
        for row in rows:
            row["mine"] = row["submission_id"] in mine
        rule = board_rule(phase)
        full = request.GET.get("view") == "full"
        header = board_header(columns, rule, full)
        page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        partial = missing_cases([row["submission_id"] for row in page.object_list])
        n_cases = None
        for row in page.object_list:
            row["cells"] = board_cells(row, header)
            if row["submission_id"] in partial:
                if n_cases is None:
                    from arena.challenges.services import phase_case_ids

                    n_cases = len(phase_case_ids(phase))
                row["partial"] = partial_note(len(partial[row["submission_id"]]), n_cases)
        my_rows = [
            {"rank": row["rank"], "page": index // ROWS_PER_PAGE + 1}
            for index, row in enumerate(rows) if row["mine"]
        ][:3]
        per_case = perms.can_view_per_case(request.user, phase)
        titles = {m: m.replace("_", " ") for m in (getattr(card.task, "metrics", None) or [])}
        box_chart, case_chart = _charts(phase, rows, per_case, titles)
        from arena.leaderboards.robustness import cached_summary

        context.update(robustness=cached_summary(phase) if rows else None)
        context.update(
            rule=rule,
            header=header,
            full_view=full,
            columns=columns,
            rows=page.object_list,
            page=page,
            total_rows=len(rows),
            my_rows=my_rows,
            per_case=per_case,
            is_organizer=perms.is_organizer(request.user, phase.challenge),
            box_chart=box_chart,
            case_chart=case_chart,
        )
    return render(request, "web/leaderboard.html", context)


def leaderboard_csv(request: HttpRequest, phase_id: int) -> HttpResponse:
    """The board as CSV (same visibility rules as the page)."""
    from arena.leaderboards.services import leaderboard_csv as build_csv

    phase = phase_or_404(request, phase_id)
    if not perms.can_view_leaderboard(request.user, phase):
        raise Http404("This leaderboard is not visible to you.")
    response = HttpResponse(build_csv(phase, request.user), content_type="text/csv; charset=utf-8")
    name = slugify(f"{phase.challenge.slug}-{phase.slug}-leaderboard")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def inputs_download(request: HttpRequest, phase_id: int) -> FileResponse:
    """Zip of the phase's test images (never references) for registered participants."""
    from arena.challenges.services import inputs_archive

    phase = phase_or_404(request, phase_id)
    if not perms.can_download_inputs(request.user, phase):
        raise Http404("Join the challenge to download the test images.")
    from arena import files

    try:
        archive = inputs_archive(phase)
        stream = files.open_stream(archive)
    except FileNotFoundError:
        raise Http404("This phase has no test images yet.")
    name = slugify(f"{phase.challenge.slug}-{phase.slug}-inputs")
    response = FileResponse(stream, as_attachment=True, filename=f"{name}.zip",
                            content_type="application/zip")
    response["Content-Length"] = str(files.size(archive))
    return response
