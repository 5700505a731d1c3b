"""Fixtures of the platform unit tests: isolated storage folders, eager Celery, users of every
role, and a kits21 challenge whose phase points at a small synthetic dataset."""

from __future__ import annotations

import pytest
from synthdata import make_dataset

from tests.support.django_setup import eager_celery, isolate_storage, public_challenge, role_users


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    isolate_storage(settings, tmp_path)
    settings.ARENA_SCORING_JOBS = 1


@pytest.fixture(autouse=True)
def _eager_celery():
    with eager_celery():
        yield


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("kits21-dataset"), n_cases=3)


@pytest.fixture
def users(db, django_user_model):
    return role_users(django_user_model)


@pytest.fixture
def challenge(users):
    return public_challenge(users)


@pytest.fixture
def phase(challenge, dataset_dir):
    from arena.challenges.models import Phase
    from arena.challenges.services import configure_phase_dataset

    phase = Phase.objects.create(
        challenge=challenge,
        slug="test",
        title="Test phase",
        task="kits21",
        quota_count=3,
        show_per_case=False,
    )
    return configure_phase_dataset(phase, dataset_dir)
