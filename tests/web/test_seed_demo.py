"""seed_demo: creates accounts, challenges with datasets and scored demo submissions, and a
second run changes nothing (idempotent). Run here on one challenge to stay quick; the full
six-challenge seed runs in tests/browser (it is what `make run` does)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from arena.demo import seed as seed_module
from arena.demo import spec

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_is_idempotent(monkeypatch, capsys, settings):
    from arena.challenges.models import Challenge
    from arena.leaderboards.models import LeaderboardEntry
    from arena.submissions.models import Submission

    kits = [c for c in spec.CHALLENGES if c.slug == "kits21"]
    monkeypatch.setattr(seed_module, "CHALLENGES", tuple(kits))
    # prediction phases only (tests/containers/test_demo_algorithm.py seeds the algorithm phase)
    settings.ARENA_ENGINE_URL = "unix:///nonexistent/arena-no-engine.sock"
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "3 new demo submissions (3 scored)" in out
    for account in spec.ACCOUNTS:
        assert f"  {account.username} " in out and account.password in out
    challenge = Challenge.objects.get(slug="kits21")
    phase = challenge.phases.get()
    assert phase.has_dataset and phase.reference_digest and phase.cases.count() == 3
    assert challenge.organizers.filter(username="organizer").exists()
    # loaded from the shipped bundle through import_bundle: one version, the bundle's pages
    assert list(challenge.bundle_versions.values_list("number", flat=True)) == [1]
    assert sorted(challenge.pages.values_list("slug", flat=True)) == [
        "data", "overview", "rules", "timeline"]
    assert phase.quota_count == 10 and phase.max_upload_mb == 200 and phase.show_per_case
    assert set(Submission.objects.values_list("status", flat=True)) == {"succeeded"}
    entries = LeaderboardEntry.objects.filter(phase=phase).order_by("rank")
    assert {e.participant for e in entries} == {"reference-baseline", "bob", "carol"}
    baseline = Submission.objects.get(creator__username="reference-baseline")
    assert baseline.is_baseline and baseline.method == "Reference baseline (non-learned)"
    assert not Submission.objects.filter(creator__username__in=["bob", "carol"], is_baseline=True).exists()
    assert "not a method" in Submission.objects.get(creator__username="bob").method

    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "0 new demo submissions" in out
    assert Submission.objects.count() == 3 and Challenge.objects.count() == 1
    assert challenge.bundle_versions.count() == 1, "an unchanged bundle makes no new version"


def test_every_demo_bundle_is_valid():
    """The six shipped demo bundles, with their generated data, pass every bundle check."""
    from arena.challenges.bundles.validate import check_bundle
    from arena.demo import datasets

    assert len(spec.CHALLENGES) == 6
    for challenge in spec.CHALLENGES:
        folder, roots = datasets.ensure_bundle(challenge)
        bundle, problems = check_bundle(folder)
        assert problems == [], (challenge.slug, problems)
        assert bundle.slug == challenge.slug and set(roots) == {p.slug for p in bundle.phases}


def test_accounts_flag_changes_nothing(capsys):
    from django.contrib.auth import get_user_model

    call_command("seed_demo", "--accounts")
    assert "organizer" in capsys.readouterr().out
    assert get_user_model().objects.count() == 0
