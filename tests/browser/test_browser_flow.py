"""A newcomer in Chromium (Playwright, Debian's /usr/bin/chromium, headless): sign up, join
the KiTS21 demo challenge, upload a prediction archive through the form (progress bar), wait
for the worker to score it, and find it ranked on the leaderboard. Screenshots of each page
go to tests/artifacts/."""

from __future__ import annotations

import os
import re
import uuid
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"




def _prediction_zip(arena_server, tmp_path: Path) -> Path:
    """The kits21 demo references, zipped as a participant's (perfect) predictions."""
    references = arena_server.var_dir / "work" / "demo" / "kits21-test" / "references"  # seed_demo generates here, then imports into storage
    files = sorted(references.glob("*.nii.gz"))
    assert files, f"no demo references under {references}"
    archive = tmp_path / "my-predictions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in files:
            zf.write(path, arcname=f"predictions/{path.name}")
    return archive


def _rejected_upload_shows_progress_then_reason(page, tmp_path: Path) -> None:
    """A slow (throttled) upload of an archive with a stray file: the progress bar moves, then
    the server's reason appears on the form and the page stays put."""
    bad = tmp_path / "with-stray-file.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("notes.bin", os.urandom(300_000))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions",
             {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 150_000})
    page.set_input_files("input[type=file]", str(bad))
    page.click("#submission-form button[type=submit]")
    # selectors, not wait_for_function: the pages' CSP (no 'unsafe-eval') refuses evaluated strings
    page.wait_for_selector("#upload-status:text-matches('^Uploading')", timeout=10_000)
    page.wait_for_selector("#upload-progress .progress > div[style*='width']:not([style*='width: 0%'])")
    page.screenshot(path=str(ARTIFACTS / "submit-progress.png"))
    page.wait_for_selector("#upload-errors:not([hidden]) li", timeout=30_000)
    assert "notes.bin" in page.locator("#upload-errors").inner_text()
    assert "/submit/" in page.url
    cdp.send("Network.emulateNetworkConditions",
             {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    cdp.detach()


def test_signup_join_upload_and_rank(arena_server, browser, tmp_path):
    url = arena_server.url
    username = f"newcomer{uuid.uuid4().hex[:6]}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    blocked: list[str] = []  # the Content-Security-Policy must not block anything the pages use
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text
            or "Refused to" in m.text else None)

    page.goto(url)
    assert page.locator(".card").count() >= 6
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    with page.expect_navigation(url=re.compile(r"/accounts/signup/")):
        page.click(".topbar >> text=Sign up")
    page.fill("input[name=username]", username)
    page.fill("input[name=password1]", "newcomer-pass-42")
    page.fill("input[name=password2]", "newcomer-pass-42")
    with page.expect_navigation():
        page.click("form.stacked button[type=submit]")
    page.wait_for_selector(f".topbar >> text={username}")

    page.goto(url + "challenges/kits21/")
    with page.expect_navigation():
        page.click("#join-button")
    page.wait_for_selector("text=You are registered")
    page.screenshot(path=str(ARTIFACTS / "challenge.png"), full_page=True)

    with page.expect_navigation(url=re.compile(r"/submit/$")):
        page.click("a.btn:text-is(\"Submit\") >> nth=0")
    _rejected_upload_shows_progress_then_reason(page, tmp_path)
    page.set_input_files("input[type=file]", str(_prediction_zip(arena_server, tmp_path)))
    page.fill("input[name=comment]", "perfect predictions from the browser test")
    page.screenshot(path=str(ARTIFACTS / "submit-form.png"), full_page=True)
    with page.expect_navigation(url=re.compile(r"/submissions/\d+/$"), timeout=60_000):
        page.click("#submission-form button[type=submit]")
    submission_id = int(re.search(r"/submissions/(\d+)/$", page.url).group(1))

    # the page refreshes itself while pending; the real worker scores it
    page.wait_for_selector(".pill.succeeded, .pill.failed", timeout=120_000)
    status = page.locator("h1 .pill").inner_text()
    assert status == "Succeeded", page.locator("#failure-reason").all_inner_texts()
    assert page.locator("#aggregates").count() == 1
    page.screenshot(path=str(ARTIFACTS / "submission.png"), full_page=True)

    page.goto(url + "challenges/kits21/")
    with page.expect_navigation(url=re.compile(r"/leaderboard/$")):
        page.click("a.btn:text-is(\"Leaderboard\") >> nth=0")
    row = page.locator("#leaderboard tbody tr", has_text=username)
    for _ in range(60):  # the board is recomputed by its own task right after scoring
        if row.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    assert row.count() == 1, page.locator("#leaderboard").inner_text()
    assert row.locator("td.rank").inner_text() == "1"
    assert f"#{submission_id}" in row.inner_text()
    page.wait_for_selector("#chart-box .main-svg")
    page.wait_for_selector("#chart-cases .main-svg")
    page.screenshot(path=str(ARTIFACTS / "leaderboard.png"), full_page=True)
    _robustness_figures_drawn(page, username)

    with page.expect_navigation(url=re.compile(r"/notifications/$")):
        page.click(".topbar >> text=Notifications")
    assert f"/submissions/{submission_id}/" in page.content()
    assert not blocked, blocked
    page.close()


def _robustness_figures_drawn(page, username: str) -> None:
    """The board's robustness analysis (its own Celery task, after the board's) is drawn by
    plotly: blob plot with the new entry first, Kendall's tau violin, a significance map with
    one menu entry per leaderboard column."""
    medians: list = []
    for _ in range(120):  # the analysis of the new board lands a moment after the board
        if page.locator("#chart-blob").count():
            page.wait_for_selector("#chart-blob .main-svg")
            medians = page.evaluate("document.getElementById('chart-blob').data[1].x")
            if username in medians:
                break
        page.wait_for_timeout(500)
        page.reload()
    for chart in ("blob", "tau", "significance"):
        page.wait_for_selector(f"#chart-{chart} .main-svg")
    assert medians[0] == username, medians
    tau = page.evaluate("document.getElementById('chart-tau').data[0]")
    assert tau["type"] == "violin" and all(-1 <= t <= 1 for t in tau["y"])
    heatmap = page.evaluate("document.getElementById('chart-significance').data[0]")
    assert heatmap["x"][0] == username and len(heatmap["z"]) == len(medians)
    labels = page.evaluate(
        "document.getElementById('chart-significance').layout.updatemenus[0].buttons"
        ".map(b => b.label)"
    )
    headers = page.eval_on_selector_all(
        "#leaderboard thead th.num:not(#score-header)", "cells => cells.map(c => c.textContent)"
    )
    assert [h.rsplit(" ", 1)[0] for h in headers] == labels, (headers, labels)
    assert page.locator("#chart-significance .updatemenu-container").count() == 1
    page.locator("#robustness").screenshot(path=str(ARTIFACTS / "leaderboard-robustness.png"))
