"""A cold board page (with the robustness figures and charts) transfers under 1.5 MB when
served as in production: static files collected by WhiteNoise's
CompressedManifestStaticFilesStorage (gzip + brotli) and fetched through WhiteNoise with
``Accept-Encoding: br, gzip``; the HTML counted uncompressed. Prints the measured bytes."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # collectstatic: ~1.5 min

LIMIT_BYTES = 1_500_000


def _transfer(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url, HTTP_ACCEPT_ENCODING="br, gzip")
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(body), response.get("Content-Encoding", "")


def test_cold_board_page_transfers_under_limit(settings, tmp_path, phase, scored, capsys):
    import brotli  # noqa: F401  (requirements.txt: WhiteNoise writes .br files only with it)
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", "--noinput", verbosity=0)
    client = Client()  # a fresh handler: WhiteNoise indexes the collected files
    page = client.get(reverse("web:leaderboard", args=[phase.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="robustness"' in html or "robustness" in html
    assets = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(
        r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    assert any("plotly-cartesian" in a for a in assets), assets
    total = len(page.content)
    lines = [f"html: {len(page.content)} bytes (uncompressed)"]
    for url in assets:
        size, encoding = _transfer(client, url)
        assert encoding in ("br", "gzip"), (url, encoding)
        total += size
        lines.append(f"{url}: {size} bytes ({encoding})")
    lines.append(f"total: {total} bytes (limit {LIMIT_BYTES})")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert total < LIMIT_BYTES, lines
