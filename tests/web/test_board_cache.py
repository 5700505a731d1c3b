"""Anonymous board reads served from memory (arena.boardcache): a repeated read runs no board
query, a new result and a hidden board show at once, signed-in and CSV reads always get the
view, and an address over the API limit still meets 429 on a cached board. The expectations
are the rules of the brief ("keyed by phase + leaderboard_updated + viewer class, served without
recomputation") and of issue 14 (429 with Retry-After), not read back from the module."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from web_helpers import upload

from arena.boardcache import CACHE


@pytest.fixture(autouse=True)
def board_cache(settings, transactional_db):
    settings.ARENA_BOARD_CACHE_S = 60  # on (the development default is off)
    settings.ARENA_BOARD_VERSION_S = 0  # re-read the board version on every request
    CACHE.clear()
    caches["shared"].clear()
    yield
    CACHE.clear()
    caches["shared"].clear()


def _board_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "leaderboards_leaderboardentry" in q["sql"]]


@pytest.mark.parametrize("url", ["/api/v1/phases/{}/leaderboard/", "/phases/{}/leaderboard/"])
def test_a_repeated_anonymous_read_runs_no_board_query(scored, client, phase, url):
    url = url.format(phase.pk)
    first = client.get(url)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second.status_code == 200 and second.content == first.content
    assert _board_queries(queries.captured_queries) == []
    assert len(queries.captured_queries) <= 2  # the board version (+ the API throttle's counter)
    assert second["Content-Security-Policy"]  # the outer middleware's headers on a hit too


def test_a_new_result_shows_at_once(scored, client, phase, users, archives):
    from arena.submissions.services import create_prediction_submission

    url = f"/api/v1/phases/{phase.pk}/leaderboard/"
    before = {r["participant"]: r["submission_id"] for r in client.get(url).json()["rows"]}
    assert before["alice"] == scored["participant"].pk
    better = create_prediction_submission(
        users["participant"], phase, upload("perfect.zip", archives["perfect"]))
    better.refresh_from_db()
    assert better.status == "succeeded", better.error
    after = {r["participant"]: r["submission_id"] for r in client.get(url).json()["rows"]}
    assert after["alice"] == better.pk


def test_a_hidden_board_is_refused_at_once(scored, client, phase):
    from arena.challenges.models import Phase

    url = f"/api/v1/phases/{phase.pk}/leaderboard/"
    assert client.get(url).status_code == 200
    Phase.objects.filter(pk=phase.pk).update(leaderboard_visibility=Phase.Visibility.HIDDEN)
    assert client.get(url).status_code == 403


def test_signed_in_and_csv_reads_get_the_view(scored, client, client_for, phase):
    url = f"/api/v1/phases/{phase.pk}/leaderboard/"
    assert client.get(url).status_code == 200  # cached for anonymous readers
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url + "?format=csv").status_code == 200
    assert _board_queries(queries.captured_queries)
    signed_in = client_for("participant")
    with CaptureQueriesContext(connection) as queries:
        assert signed_in.get(url).status_code == 200
    assert _board_queries(queries.captured_queries)


def test_an_address_over_the_api_limit_meets_429_on_a_cached_board(scored, client, phase, settings):
    settings.ARENA_API_RATES = {**settings.ARENA_API_RATES, "address": "5/min"}
    url = f"/api/v1/phases/{phase.pk}/leaderboard/"
    assert client.get(url).status_code == 200  # rendered, counted (1)
    for _ in range(4):
        assert client.get("/api/v1/challenges/").status_code == 200  # counted (2..5)
    refused = client.get(url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
