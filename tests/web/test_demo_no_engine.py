"""Without a container engine the demo still seeds (prediction phases only) and says why the
algorithm phases are absent, with the command that installs an engine; the same line is in
the ``make run`` banner (``seed_demo --accounts``). An engine without the baseline image is
named as such."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from arena.demo import seed as seed_module
from arena.demo import spec

pytestmark = pytest.mark.django_db(transaction=True)

NO_ENGINE = "unix:///nonexistent/arena-no-engine.sock"
INSTALL = "`bash containers/setup_engine.sh && bash containers/build_images.sh`"


@pytest.fixture
def kits_only(monkeypatch):
    kits = [c for c in spec.CHALLENGES if c.slug == "kits21"]
    monkeypatch.setattr(seed_module, "CHALLENGES", tuple(kits))


def test_seed_without_engine_says_why_and_how(kits_only, settings, capsys):
    from arena.challenges.models import Phase

    settings.ARENA_ENGINE_URL = NO_ENGINE
    call_command("seed_demo", "--no-submissions")
    out = capsys.readouterr().out
    assert "Algorithm phases are absent: no container engine answers at ARENA_ENGINE_URL" in out
    assert INSTALL in out
    assert "/nonexistent/" not in out.split("absent:")[1].split("(")[0]  # the reason leads, not a path
    assert list(Phase.objects.values_list("slug", "kind")) == [("test", "predictions")]
    assert "1 challenges, 1 phases" in out

    call_command("seed_demo", "--accounts")
    banner = capsys.readouterr().out
    assert "alice" in banner and "Algorithm phases are absent" in banner and INSTALL in banner


def test_engine_without_the_baseline_image(kits_only, monkeypatch, capsys):
    from arena.challenges.models import Phase
    from arena.demo import algorithm

    class NoImages:
        engine = "podman"

        def image_exists(self, image: str) -> bool:
            return False

    monkeypatch.setattr("arena.execution.backends.get_backend", lambda *a, **k: NoImages())
    call_command("seed_demo", "--no-submissions")
    out = capsys.readouterr().out
    assert f"the container engine has no image {algorithm.IMAGE} (not built yet)" in out
    assert INSTALL in out
    assert not Phase.objects.filter(kind="algorithm").exists()


def test_no_algorithms_flag_asks_no_engine(kits_only, monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("the engine was asked")

    monkeypatch.setattr("arena.execution.backends.get_backend", refuse)
    call_command("seed_demo", "--no-submissions", "--no-algorithms")
    assert "Algorithm phases are absent" not in capsys.readouterr().out
