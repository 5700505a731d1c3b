"""Cached anonymous board reads answered at the WSGI layer (arena.boardfast): a repeated read
gets the same status, headers (security headers included) and bytes as Django's answer (the
test client's, through the whole middleware stack) without calling Django, and everything the
board cache would not serve — signed-in and token reads, query strings, another host, a new
result, an address over the API limit — still goes to Django. The expectations are issue 14's
brief (same bytes and headers as the view, same limit semantics), not the module's code."""

from __future__ import annotations

import io

import pytest
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler

from arena.boardcache import CACHE
from arena.boardfast import BoardFastPath

URLS = ["/api/v1/phases/{}/leaderboard/", "/phases/{}/leaderboard/"]


@pytest.fixture(autouse=True)
def board_cache(settings, transactional_db):
    settings.ARENA_BOARD_CACHE_S = 60  # on (the development default is off)
    settings.ARENA_BOARD_VERSION_S = 60  # memoised facts stay fresh during the test
    CACHE.clear()
    caches["shared"].clear()
    yield
    CACHE.clear()
    caches["shared"].clear()


class Counting:
    """Django's WSGI handler, counting the requests that reach it."""

    def __init__(self):
        self.django, self.calls = WSGIHandler(), 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.django(environ, start_response)


def _environ(path: str, **extra) -> dict:
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0),
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    environ.update(extra)
    return environ


def _get(app, path: str, **extra) -> tuple[str, list[tuple[str, str]], bytes]:
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, list(headers)

    result = app(_environ(path, **extra), start_response)
    body = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return seen["status"], seen["headers"], body


@pytest.mark.parametrize("url", URLS)
def test_a_repeated_read_is_django_s_answer_without_django(scored, client, phase, url):
    url = url.format(phase.pk)
    app = Counting()
    fast = BoardFastPath(app)
    first = _get(fast, url)
    assert first[0].startswith("200") and app.calls == 1
    again = _get(fast, url)
    assert app.calls == 1  # answered without Django
    view = client.get(url)  # the whole stack, as any reader gets it
    assert again[0] == f"{view.status_code} {view.reason_phrase}"
    assert again[2] == view.content
    assert sorted(again[1]) == sorted(view.items())  # every header, security headers included
    assert dict(again[1])["Content-Security-Policy"]


@pytest.mark.parametrize("extra", [
    {"HTTP_COOKIE": "sessionid=abc"},
    {"HTTP_AUTHORIZATION": "Token abc"},
    {"QUERY_STRING": "x=1"},
    {"HTTP_HOST": "evil.example"},
])
def test_reads_the_cache_would_not_serve_go_to_django(scored, phase, settings, extra):
    settings.ALLOWED_HOSTS = ["testserver"]  # as in production (development allows any)
    url = URLS[0].format(phase.pk)
    app = Counting()
    fast = BoardFastPath(app)
    _get(fast, url)
    _get(fast, url)
    assert app.calls == 1
    _get(fast, url, **extra)
    assert app.calls == 2


def test_a_new_result_goes_to_django(scored, phase, settings, users, archives):
    from web_helpers import upload

    from arena.submissions.services import create_prediction_submission

    settings.ARENA_BOARD_VERSION_S = 0  # every read re-checks the board version
    url = URLS[0].format(phase.pk)
    app = Counting()
    fast = BoardFastPath(app)
    before = _get(fast, url)[2]
    create_prediction_submission(users["participant"], phase, upload("p.zip", archives["perfect"]))
    after = _get(fast, url)[2]
    assert app.calls == 2 and after != before


def test_an_address_over_the_api_limit_meets_429(scored, phase, settings):
    settings.ARENA_API_RATES = {**settings.ARENA_API_RATES, "address": "5/min"}
    settings.ARENA_BOARD_VERSION_S = 0  # the limit state is re-read at once
    url = URLS[0].format(phase.pk)
    app = Counting()
    fast = BoardFastPath(app)
    assert _get(fast, url)[0].startswith("200")  # rendered, counted (1)
    assert _get(fast, url)[0].startswith("200")  # a hit: not counted
    for _ in range(4):
        assert _get(fast, "/api/v1/challenges/")[0].startswith("200")  # counted (2..5)
    calls = app.calls
    status, headers, _ = _get(fast, url)
    assert status.startswith("429") and int(dict(headers)["Retry-After"]) > 0
    assert app.calls == calls + 1  # Django answered it


def test_a_host_outside_allowed_hosts_is_refused_even_when_a_copy_is_cached(scored, phase,
                                                                            settings, client):
    """The board cache answers before Django's host check: it must not serve a copy to a Host
    outside ALLOWED_HOSTS (Django answers 400 Bad Request there)."""
    settings.ALLOWED_HOSTS = ["testserver"]
    for url in (u.format(phase.pk) for u in URLS):
        assert client.get(url).status_code == 200
        assert client.get(url).status_code == 200  # now from the cache
        assert client.get(url, HTTP_HOST="evil.example").status_code == 400
