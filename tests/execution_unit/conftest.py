"""Fixtures of the execution unit tests: isolated storage, eager Celery, an algorithm phase on
a tiny dataset, and a queued algorithm submission with its image record and job."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.django_setup import eager_celery, isolate_storage

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "containers"))  # phantom


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate_storage(settings, tmp_path)


@pytest.fixture
def eager():
    with eager_celery():
        yield


@pytest.fixture(scope="session")
def dataset(tmp_path_factory):
    from phantom import write_dataset

    root = tmp_path_factory.mktemp("exec-dataset")
    write_dataset(root, n_cases=2)
    return root


@pytest.fixture
def job(transactional_db, dataset, settings):
    from django.contrib.auth import get_user_model

    from arena.challenges.models import Challenge, Phase
    from arena.challenges.services import configure_phase_dataset
    from arena.execution.models import AlgorithmImage, Job
    from arena.submissions.models import Submission

    user = get_user_model().objects.create_user("alice", "a@example.org", "pw")
    challenge = Challenge.objects.create(slug="c", title="C")
    phase = Phase.objects.create(challenge=challenge, slug="p", title="P", task="kits21",
                                 kind="algorithm", hide_logs=False, time_limit_s=30)
    configure_phase_dataset(phase, dataset)
    sub = Submission.objects.create(phase=phase, creator=user, kind="algorithm",
                                    status="queued", file="submissions/x/img.tar")
    image = AlgorithmImage.objects.create(submission=sub, phase=phase, image_id="img",
                                          archive_sha256="0" * 64, size_bytes=1,
                                          architecture="amd64", user="1000")
    return Job.objects.create(submission=sub, submission_attempt=1, image=image)
