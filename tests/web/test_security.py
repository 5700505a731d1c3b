"""Abuse limits and headers: sign-in throttling in the database (429 for the cool-down, the
correct password included, the page says so), API throttling per token, per address and of
failed tokens (429 with Retry-After), security headers on every page, no inline script, user
text rendered sanitised (stored XSS on every participant/organizer-written field, chart labels
included), no open redirect through ``next``."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from arena.api.tokens import issue_token
from arena.web.models import SignInFailure
from tests.support.django_setup import ROLE_ACCOUNTS

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = "/accounts/login/"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def _fresh_counters():
    caches["shared"].clear()
    yield
    caches["shared"].clear()


def _login(username: str, password: str, address: str = "10.0.0.1", **extra):
    return Client(REMOTE_ADDR=address).post(
        LOGIN, {"username": username, "password": password, **extra}
    )


def _password(role: str) -> str:
    return ROLE_ACCOUNTS[role][2]


# --- sign-in throttling ----------------------------------------------------------------------
def test_ten_failures_for_an_account_lock_it_correct_password_included(users):
    for i in range(10):  # from ten different addresses: the account count alone locks
        assert _login("alice", "wrong", address=f"10.1.0.{i}").status_code == 200
    locked = _login("alice", _password("participant"), address="10.9.9.9")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "Try again in 15 minutes" in locked.content.decode()
    assert 890 <= int(locked["Retry-After"]) <= 900
    assert "_auth_user_id" not in locked.client.session
    # another account from another address is unaffected
    assert _login("bob", _password("other"), address="10.9.9.9").status_code == 302


def test_ten_failures_from_an_address_lock_it(users):
    for i in range(10):
        _login(f"nobody{i}", "wrong", address="10.2.0.1")
    assert _login("bob", _password("other"), address="10.2.0.1").status_code == 429
    assert _login("bob", _password("other"), address="10.2.0.2").status_code == 302


def test_nine_failures_do_not_lock_and_success_clears_the_account(users):
    for _ in range(9):
        _login("alice", "wrong", address="10.3.0.1")
    assert _login("alice", _password("participant"), address="10.3.0.2").status_code == 302
    assert not SignInFailure.objects.filter(username="alice").exists()


def test_thirty_wrong_passwords_meet_429_and_the_lock_ends_after_the_window(users):
    codes = [_login("Alice", "wrong", address="10.4.0.1").status_code for _ in range(30)]
    assert codes[:10] == [200] * 10 and set(codes[10:]) == {429}
    assert SignInFailure.objects.filter(username="alice").count() == 10  # refusals not counted
    SignInFailure.objects.update(created=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    assert _login("alice", _password("participant"), address="10.4.0.1").status_code == 302


def test_forwarded_for_is_ignored_without_trusted_proxies(users):
    for i in range(10):
        _login(f"x{i}", "wrong", address="10.5.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}")
    assert _login("bob", _password("other"), address="10.5.0.1").status_code == 429


# --- API throttling --------------------------------------------------------------------------
@pytest.fixture
def low_rates(settings):
    settings.ARENA_API_RATES = {"token": "5/min", "address": "8/min", "auth_failure": "3/min"}


def _api(token: str | None = None, address: str = "10.6.0.1") -> Client:
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return Client(REMOTE_ADDR=address, **headers)


def test_api_throttles_per_token(users, low_rates):
    token = issue_token(users["participant"], "test")[1]
    codes = [_api(token, f"10.6.1.{i}").get("/api/v1/challenges/").status_code for i in range(6)]
    assert codes == [200] * 5 + [429]
    refused = _api(token, "10.6.1.99").get("/api/v1/challenges/")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    assert "error" in refused.json()
    other = issue_token(users["other"], "test")[1]
    assert _api(other, "10.6.1.98").get("/api/v1/challenges/").status_code == 200


def test_api_throttles_per_address(users, low_rates):
    codes = [_api(None, "10.6.2.1").get("/api/v1/challenges/").status_code for _ in range(9)]
    assert codes == [200] * 8 + [429]
    assert int(_api(None, "10.6.2.1").get("/api/v1/challenges/")["Retry-After"]) > 0
    assert _api(None, "10.6.2.2").get("/api/v1/challenges/").status_code == 200


def test_guessing_tokens_is_throttled(users, settings):
    settings.ARENA_API_RATES = {"token": "1000/min", "address": "1000/min",
                                "auth_failure": "20/min"}
    codes = [_api(f"{i:040x}", "10.6.3.1").get("/api/v1/challenges/").status_code
             for i in range(200)]
    assert codes[:20] == [401] * 20 and set(codes[20:]) == {429}
    valid = issue_token(users["participant"], "test")[1]
    blocked = _api(valid, "10.6.3.1").get("/api/v1/challenges/")
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert _api(valid, "10.6.3.2").get("/api/v1/challenges/").status_code == 200


# --- headers and inline script ---------------------------------------------------------------
def _pages(phase, scored) -> list[str]:
    sub = scored["participant"]
    return [
        "/", reverse("web:challenge_list"), reverse("web:challenge_detail", args=[phase.challenge.slug]),
        reverse("web:leaderboard", args=[phase.pk]), reverse("web:submit", args=[phase.pk]),
        reverse("web:submission_detail", args=[sub.pk]), reverse("web:my_submissions"), LOGIN,
        reverse("web:signup"), "/api/v1/challenges/", "/no-such-page/", "/admin/login/",
    ]


def test_security_headers_on_every_page_and_no_inline_script(client_for, phase, scored):
    client = client_for("participant")
    for url in _pages(phase, scored):
        response = client.get(url)
        assert response.status_code in (200, 302, 404), (url, response.status_code)
        csp = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'", url
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        if "text/html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert "javascript:" not in html, url


# --- stored XSS ------------------------------------------------------------------------------
def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag of ``html`` with its attributes, as a browser's tokenizer sees them."""
    from html.parser import HTMLParser

    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_user_written_fields_are_rendered_inert(client_for, phase, scored, users):
    from django.contrib.auth import get_user_model

    from arena.leaderboards.services import recompute_leaderboard
    from tests.support.django_setup import team_of

    challenge = phase.challenge
    challenge.title = f"Title {XSS}"
    challenge.description = f"**bold** {XSS}\n\n[click](javascript:alert(1)) [ok](https://x.org)"
    challenge.save()
    phase.title = f"Phase {XSS}"
    phase.description = f"Phase text {XSS}"
    phase.show_per_case = True
    phase.save()
    get_user_model().objects.filter(pk=users["other"].pk).update(username=f"b{XSS}")
    team_of(challenge, f"Team {XSS}", users["participant"])
    scored["participant"].comment = f"comment {XSS}"
    scored["participant"].original_name = f"{XSS}.zip"
    scored["participant"].save()
    from arena.notifications.models import Notification

    Notification.objects.create(user=users["organizer"], text=f"failed: {XSS}",
                                link=f"/submissions/{scored['participant'].pk}/")
    recompute_leaderboard(phase)
    client = client_for("organizer")
    pages = _pages(phase, scored)[:6] + [
        reverse("web:phase_manage", args=[phase.pk]),
        reverse("web:leaderboard_csv", args=[phase.pk]),
        reverse("web:notifications"),
    ]
    seen_board_label = False
    for url in pages:
        response = client.get(url)
        body = (b"".join(response.streaming_content) if response.streaming
                else response.content).decode()
        if "text/html" not in response["Content-Type"]:
            assert "attachment" in response["Content-Disposition"], url  # CSV: a download
            continue
        for tag, attrs in _elements(body):
            names = {name for name, _ in attrs}
            assert tag not in ("img", "iframe", "svg"), (url, tag, attrs)
            assert not any(n.startswith("on") for n in names), (url, tag, attrs)
            if tag == "script":
                assert "src" in names or ("type", "application/json") in attrs, (url, attrs)
            assert not any((v or "").strip().lower().startswith("javascript:")
                           for _, v in attrs), (url, tag, attrs)
        for blob in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', body, re.S):
            figure = json.loads(blob)  # valid JSON: the label could not close the tag
            names = [t.get("name", "") for t in figure["data"]]
            assert not any("<script" in n for n in names), names
            if any("&lt;script&gt;" in n for n in names):
                seen_board_label = True
    assert seen_board_label, "the leaderboard chart did not draw the participant's label"
    detail = client.get(reverse("web:challenge_detail", args=[challenge.slug])).content.decode()
    assert "<strong>bold</strong>" in detail  # markdown still renders
    assert "Title &lt;script&gt;alert" in detail  # the text is shown, as text
    notes = client.get(reverse("web:notifications")).content.decode()
    assert "failed: &lt;script&gt;alert" in notes
    assert 'href="https://x.org" rel="noopener noreferrer nofollow"' in detail


def test_markdown_filter_strips_what_runs():
    from arena.web.templatetags.arena_web import markdown_filter

    html = markdown_filter(
        '# T\n\n<iframe src="https://e.x"></iframe><a href="javascript:x()" onclick="y()">a</a>'
        '<svg onload=alert(1)></svg><style>*{}</style>\n\n| a |\n|---|\n| 1 |'
    )
    for bad in ("<iframe", "javascript:", "onclick", "<svg", "onload", "<style"):
        assert bad not in html, bad
    assert "<h1>T</h1>" in html and "<table>" in html and "<td>1</td>" in html


# --- open redirect ---------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:///evil.example"])
def test_next_never_leaves_the_site(users, target):
    response = _login("alice", _password("participant"), address="10.7.0.1", next=target)
    assert response.status_code == 302 and response["Location"] == "/"
    signup = Client().post(reverse("web:signup") + "?next=" + target, {
        "username": "newbie", "email": "n@example.org", "password1": "A-long-pass-9871",
        "password2": "A-long-pass-9871", "next": target})
    assert signup.status_code == 302 and signup["Location"] == "/", signup.content[:300]
    logged = Client()
    logged.force_login(users["other"])
    out = logged.post(reverse("web:logout") + "?next=" + target)
    assert out.status_code == 302 and out["Location"] == "/"


def test_next_within_the_site_is_kept(users):
    response = _login("alice", _password("participant"), address="10.7.0.2", next="/challenges/")
    assert response.status_code == 302 and response["Location"] == "/challenges/"
