"""Leaderboard page (table + plotly charts), CSV export and the test-input download."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from arena.challenges import permissions as perms
from arena.web import charts
from arena.web.access import phase_or_404
from arena.web.presenters import phase_card


def _chart_series(phase, rows: list[dict]) -> list[charts.Series]:
    from arena.evaluation.models import Evaluation
    from arena.submissions.models import Submission

    top = [row["submission_id"] for row in rows[: charts.MAX_SERIES]]
    attempts = dict(Submission.objects.filter(pk__in=top).values_list("pk", "attempt"))
    evaluations = {
        e.submission_id: e
        for e in Evaluation.objects.filter(submission_id__in=top)
        if attempts.get(e.submission_id) == e.attempt
    }
    series = []
    for row in rows[: charts.MAX_SERIES]:
        evaluation = evaluations.get(row["submission_id"])
        if evaluation is not None:
            label = f"#{row['rank']} {row['participant']} (#{row['submission_id']})"
            series.append(charts.Series(label, evaluation.metrics_json or {}))
    return series


def leaderboard(request: HttpRequest, phase_id: int) -> HttpResponse:
    """The phase's ranked board: one column per leaderboard column of the task, in ranking
    order; box plots per region (per-case values only where released) and a per-case chart."""
    from arena.leaderboards.services import leaderboard_columns, leaderboard_rows

    phase = phase_or_404(request, phase_id)
    card = phase_card(request.user, phase)
    context = {"phase": phase, "card": card, "visible": card.can_view_leaderboard}
    if card.can_view_leaderboard:
        columns = leaderboard_columns(phase)
        rows = leaderboard_rows(phase, request.user)
        mine = set()
        if request.user.is_authenticated:
            from arena.submissions.services import user_submissions

            mine = set(user_submissions(request.user, phase).values_list("pk", flat=True))
        for row in rows:
            row["mine"] = row["submission_id"] in mine
            row["cells"] = [row["values"].get(c.key) for c in columns]
        per_case = perms.can_view_per_case(request.user, phase)
        series = _chart_series(phase, rows)
        titles = {m: m.replace("_", " ") for m in (getattr(card.task, "metrics", None) or [])}
        context.update(
            columns=columns,
            rows=rows,
            per_case=per_case,
            is_organizer=perms.is_organizer(request.user, phase.challenge),
            box_chart=(charts.box_plots(series, titles) if per_case
                       else charts.aggregate_box_plots(series, titles)),
            case_chart=charts.per_case_comparison(series) if per_case else None,
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
    try:
        archive = inputs_archive(phase)
    except FileNotFoundError:
        raise Http404("This phase has no test images yet.")
    name = slugify(f"{phase.challenge.slug}-{phase.slug}-inputs")
    return FileResponse(archive.open("rb"), as_attachment=True, filename=f"{name}.zip")
