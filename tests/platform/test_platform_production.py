"""Production mode, the settings' default: it refuses to start without its secrets (one clear
line naming the variable), passes ``manage.py check --deploy`` with no warning, and serves pages
with the security headers, secure cookies, no debug pages, and hashed + compressed static files
through WhiteNoise. Each case runs ``manage.py`` in a subprocess without ``ARENA_MODE`` (the
suite itself runs in development mode)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, re
from django.test import Client
c = Client(HTTP_HOST="arena.example.org")
out = {}
plain = c.get("/")
out["plain"] = [plain.status_code, plain.headers.get("Location", "")]
home = c.get("/", secure=True)
out["home"] = home.status_code
out["headers"] = {k: home.headers.get(k, "") for k in (
    "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
    "Cross-Origin-Opener-Policy")}
css = re.search(r'href="(/static/web/arena\.[0-9a-f]{12}\.css)"', home.content.decode())
out["css_url"] = css.group(1) if css else None
if css:
    r = c.get(css.group(1), secure=True, HTTP_ACCEPT_ENCODING="gzip, br")
    out["css"] = [r.status_code, r.headers.get("Content-Encoding", ""), r.headers.get("Cache-Control", "")]
login = c.get("/accounts/login/", secure=True)
out["csrf_cookie"] = str(login.cookies.get("csrftoken", ""))
missing = c.get("/no-such-page/", secure=True)
out["missing"] = [missing.status_code, "urlpatterns" in missing.content.decode() or "URLconf" in missing.content.decode()]
bad_host = Client(HTTP_HOST="evil.example.com").get("/", secure=True)
out["bad_host"] = bad_host.status_code
print("PROBE " + json.dumps(out))
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ARENA_", "DATABASE_URL", "CELERY_"))}
    env.update(ARENA_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="arena.settings", **extra)
    return env


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )


def _production(tmp_path: Path) -> dict[str, str]:
    return _env(
        tmp_path,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="arena.example.org",
    )


@pytest.mark.parametrize(
    ("present", "missing"),
    [({}, "DJANGO_SECRET_KEY"), ({"DJANGO_SECRET_KEY": "k" * 60}, "DJANGO_ALLOWED_HOSTS")],
)
def test_production_refuses_to_start_without_its_settings(tmp_path, present, missing):
    run = _manage(_env(tmp_path, **present), "check")
    assert run.returncode != 0
    assert f"arena: refusing to start: {missing} is not set" in run.stderr
    assert "ARENA_MODE=development" in run.stderr  # says how to run locally instead
    assert "Traceback" not in run.stderr


def test_unknown_mode_is_refused(tmp_path):
    run = _manage(_env(tmp_path, ARENA_MODE="staging"), "check")
    assert run.returncode != 0 and "ARENA_MODE='staging' is not a mode" in run.stderr


def test_check_deploy_passes_in_production_settings(tmp_path):
    run = _manage(_production(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no issues" in run.stdout


def test_development_mode_is_what_the_suite_runs(settings):
    assert settings.ARENA_MODE == "development"
    assert not settings.SECURE_SSL_REDIRECT and not settings.SESSION_COOKIE_SECURE


def test_production_serves_securely_with_compressed_static_files(tmp_path):
    env = _production(tmp_path)
    for args in (("migrate", "--noinput", "-v0"), ("collectstatic", "--noinput", "-v0")):
        run = _manage(env, *args)
        assert run.returncode == 0, run.stdout + run.stderr
    static_root = tmp_path / "var" / "static"
    assert list(static_root.glob("web/arena.*.css.gz")), "collectstatic wrote no compressed files"
    run = _manage(env, "shell", "-c", PROBE)
    assert run.returncode == 0, run.stderr[-3000:]
    line = [ln for ln in run.stdout.splitlines() if ln.startswith("PROBE ")][-1]
    out = json.loads(line.removeprefix("PROBE "))
    assert out["plain"] == [301, "https://arena.example.org/"]
    assert out["home"] == 200
    assert out["headers"] == {
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    assert out["css_url"], "the page does not link the hashed stylesheet"
    status, encoding, cache = out["css"]
    assert status == 200 and encoding in ("gzip", "br")
    assert "immutable" in cache  # hashed names are cached forever by WhiteNoise
    assert "secure" in out["csrf_cookie"].lower()
    assert out["missing"] == [404, False]  # no debug page listing the URL patterns
    assert out["bad_host"] == 400
