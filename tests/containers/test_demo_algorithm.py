"""The demo's algorithm phase (``seed_demo`` with the real Podman engine): the seed creates an
algorithm phase beside the KiTS21 prediction phase, uploads the reference baseline image (the
``docker save`` archive exported from the engine) as the ``reference-baseline`` account, and the
execution app's runner runs it in the sandbox; the board shows one scored baseline row whose
values equal the same baseline's predictions scored in the prediction phase (same algorithm,
same test set: the container changes nothing). A second seed adds nothing.
Fails (never skips) without an engine or the image, unless ARENA_SKIP_CONTAINERS=1."""

from __future__ import annotations

import pytest
from container_helpers import SOCKET_URL
from django.core.management import call_command

from tests.support.django_setup import isolate_storage

pytestmark = [pytest.mark.containers, pytest.mark.django_db(transaction=True)]


def test_seed_runs_the_reference_baseline_container(backend, settings, tmp_path, monkeypatch,
                                                    capsys, client):
    from arena.challenges.models import AuditEntry, Phase
    from arena.demo import algorithm, spec
    from arena.demo import seed as seed_module
    from arena.execution.models import Job
    from arena.submissions.models import Submission

    assert backend.image_exists(algorithm.IMAGE), (
        f"image {algorithm.IMAGE} not built; run containers/build_images.sh")
    isolate_storage(settings, tmp_path)
    settings.ARENA_ENGINE_URL = SOCKET_URL
    settings.ARENA_KEEP_LOADED_IMAGES = 1
    monkeypatch.setattr(seed_module, "CHALLENGES",
                        tuple(c for c in spec.CHALLENGES if c.slug == "kits21"))
    # only the reference baseline's predictions in the prediction phase: the comparison row
    monkeypatch.setattr(seed_module, "SUBMISSIONS", spec.SUBMISSIONS[:1])
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "kits21/test-algorithm: algorithm phase, reference baseline container succeeded" in out, out
    assert "2 phases, 2 new demo submissions (2 scored)" in out, out

    phase = Phase.objects.get(challenge__slug="kits21", slug="test-algorithm")
    assert (phase.kind, phase.task, phase.gpu) == ("algorithm", "kits21", False)
    sub = Submission.objects.get(phase=phase)
    assert (sub.kind, sub.creator.username, sub.status) == ("algorithm", "reference-baseline", "succeeded")
    job = Job.objects.get(submission=sub)
    assert job.status == "succeeded" and job.exit_code == 0 and job.engine == "podman"
    assert "3 case(s) written to /output" in job.stderr
    assert AuditEntry.objects.filter(phase=phase, action="baseline", actor=None).count() == 1

    rows = client.get(f"/api/v1/phases/{phase.pk}/leaderboard/").json()["rows"]
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["participant"], row["method"], row["baseline"]) == (
        "reference-baseline", "Reference baseline (non-learned)", True)
    assert row["score"] is not None and 0 < row["values"]["mean_dice"] < 1
    predictions_phase = Phase.objects.get(challenge__slug="kits21", slug="test")
    [same] = client.get(f"/api/v1/phases/{predictions_phase.pk}/leaderboard/").json()["rows"]
    assert same["baseline"] is True
    assert row["values"] == pytest.approx(same["values"], abs=1e-9)
    page = client.get(f"/phases/{phase.pk}/leaderboard/").content.decode()
    assert '<span class="pill baseline"' in page and "Reference baseline (non-learned)" in page

    call_command("seed_demo")
    assert "0 new demo submissions" in capsys.readouterr().out
    assert Submission.objects.filter(phase=phase).count() == 1
