"""Fit for people, in Chromium (Playwright, Debian's /usr/bin/chromium): every main page, as a
visitor and as a signed-up participant, passes axe-core's WCAG 2 A/AA rules (colour contrast
included) with no serious or critical violation, and at 360 px wide no page scrolls sideways
(wide tables scroll inside their own box). axe-core 4.14.1 is vendored in tests/browser/vendor
(npm package ``axe-core``) and injected into each page. Screenshots at 360 px go to
tests/artifacts/."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")

_AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations'],
  });
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
}"""

_OVERFLOW = """() => {
  const doc = document.documentElement;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-wrap, pre, .chart, .js-plotly-plot')) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > doc.clientWidth + 1) wide.push(el.tagName.toLowerCase() +
      (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''));
  }
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wide: wide.slice(0, 8)};
}"""




def _axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(_AXE_RUN) if v["impact"] in BLOCKING]


def _pages(url: str, page) -> dict[str, str]:
    """Name -> URL of the pages to check (the demo's kits21 challenge, its board, submit...)."""
    page.goto(url + "challenges/kits21/")
    board = page.locator("a.btn:text-is(\"Leaderboard\") >> nth=0").get_attribute("href")
    phase_id = re.search(r"/phases/(\d+)/", board).group(1)
    return {
        "home": url,
        "challenges": url + "challenges/",
        "challenge": url + "challenges/kits21/",
        "challenge-rules": url + "challenges/kits21/pages/rules/",
        "leaderboard": url.rstrip("/") + board,
        "leaderboard-full": url.rstrip("/") + board + "?view=full",
        "keys": url + "about/keys/",
        "login": url + "accounts/login/",
        "signup": url + "accounts/signup/",
        "submit": url + f"phases/{phase_id}/submit/",
        "my-submissions": url + "submissions/",
        "tokens": url + "account/tokens/",
    }


def test_pages_pass_axe_and_fit_360px(arena_server, browser):
    assert AXE.is_file(), f"{AXE} is missing (npm pack axe-core@4.14.1)"
    url = arena_server.url
    # The site's CSP forbids the injected axe-core script; bypassing it is for the checker only
    # (the CSP itself is asserted in test_browser_flow, which fails on any violation).
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    username = f"a11y{uuid.uuid4().hex[:6]}"
    page.goto(url + "accounts/signup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password1]", "a11y-pass-4242")
    page.fill("input[name=password2]", "a11y-pass-4242")
    with page.expect_navigation():
        page.click("form.stacked button[type=submit]")
    page.goto(url + "challenges/kits21/")
    if page.locator("#join-button").count():
        with page.expect_navigation():
            page.click("#join-button")
    pages = _pages(url, page)

    failures: dict[str, object] = {}
    for name, target in pages.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(target)
        if name.startswith("leaderboard"):
            page.wait_for_selector("#leaderboard")
            page.wait_for_timeout(500)  # charts drawn
        violations = _axe_violations(page)
        if violations:
            failures[f"{name} (axe)"] = violations
        page.set_viewport_size({"width": 360, "height": 780})
        page.wait_for_timeout(300)
        layout = page.evaluate(_OVERFLOW)
        page.screenshot(path=str(ARTIFACTS / f"narrow-{name}.png"), full_page=True)
        if layout["scrollWidth"] > layout["clientWidth"] + 1 or layout["wide"]:
            failures[f"{name} (360 px)"] = layout
    context.close()
    (ARTIFACTS / "a11y-report.json").write_text(json.dumps(failures, indent=1), encoding="utf-8")
    assert not failures, json.dumps(failures, indent=1)[:6000]
