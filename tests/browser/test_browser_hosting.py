"""An organizer in Chromium hosts a challenge: the demo admin (who may create challenges) opens
"Host a challenge", uploads a broken bundle and reads every problem in the table (nothing
created), uploads the repository's example bundle, lands on the new challenge page with its
overview, opens the rules page and edits it. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
EXAMPLE = REPO / "examples" / "bundles" / "my-kits"




def _zip(folder: Path, target: Path, replace: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            if replace and name in replace:
                zf.writestr(name, replace[name])
            else:
                zf.write(path, name)
    return target


def test_organizer_uploads_a_bundle_in_the_browser(arena_server, browser, tmp_path):
    url = arena_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text
            or "Refused to" in m.text else None)
    page.goto(url + "accounts/login/?next=/challenges/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "arena-admin")
    with page.expect_navigation(url=re.compile(r"/challenges/$")):
        page.click("form button[type=submit]")
    with page.expect_navigation(url=re.compile(r"/challenges/new/$")):
        page.click("#host-challenge")

    broken = _zip(EXAMPLE, tmp_path / "broken.zip", {"challenge.yaml": (
        "slug: broken-kits\ntitle: Broken\nphases:\n"
        "  - slug: v\n    task: kits99\n    references: data/validation/references\n"
        "  - slug: w\n    task: kits21\n    references: data/nowhere\n")})
    page.set_input_files("input[type=file]", str(broken))
    with page.expect_navigation():
        page.click("#bundle-submit")
    page.wait_for_selector("#bundle-problems")
    table = page.locator("#bundle-problems").inner_text()
    assert "2 problems" in table
    assert "phases[0].task" in table and "kits99" in table
    assert "data/nowhere" in table and "phases[1].references" in table
    page.screenshot(path=str(ARTIFACTS / "host-refused.png"), full_page=True)
    page.goto(url + "challenges/")
    assert page.locator("text=Broken").count() == 0

    page.goto(url + "challenges/new/")
    page.set_input_files("input[type=file]", str(_zip(EXAMPLE, tmp_path / "my-kits.zip")))
    with page.expect_navigation(url=re.compile(r"/challenges/my-kits/$"), timeout=120_000):
        page.click("#bundle-submit")
    overview = page.locator("#challenge-overview").inner_text()
    assert "Segment the kidneys" in overview and "0 participants" in overview
    assert page.locator("text=You organize this challenge").count() == 1
    assert page.locator(".panel h2", has_text="Validation").count() == 1
    page.screenshot(path=str(ARTIFACTS / "host-created.png"), full_page=True)

    with page.expect_navigation(url=re.compile(r"/pages/rules/$")):
        page.click(".page-tabs >> text=Rules")
    assert "One account per person" in page.locator("#page-body").inner_text()
    with page.expect_navigation(url=re.compile(r"/pages/rules/edit/$")):
        page.click("#edit-page")
    page.fill("textarea[name=body]", "# Rules\n\nBe *kind*.\n\n<script>alert(1)</script>")
    with page.expect_navigation(url=re.compile(r"/pages/rules/$")):
        page.click("#page-form button[type=submit]")
    body = page.locator("#page-body")
    assert body.locator("em", has_text="kind").count() == 1
    assert body.locator("script").count() == 0
    page.screenshot(path=str(ARTIFACTS / "host-rules.png"), full_page=True)
    assert not blocked, blocked
