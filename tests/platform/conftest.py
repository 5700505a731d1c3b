"""Fixtures of the platform unit tests: isolated storage folders, eager Celery, users of every
role, and a kits21 challenge whose phase points at a small synthetic dataset."""

from __future__ import annotations

import pytest
from synthdata import make_dataset

from arena.celery import app as celery_app


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ARENA_WORK_ROOT = tmp_path / "work"
    settings.ARENA_DATASETS_ROOT = tmp_path / "datasets"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ARENA_SCORING_JOBS = 1
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for path in (settings.MEDIA_ROOT, settings.ARENA_WORK_ROOT):
        path.mkdir(parents=True, exist_ok=True)
    yield


@pytest.fixture(autouse=True)
def _eager_celery():
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("kits21-dataset"), n_cases=3)


@pytest.fixture
def users(db, django_user_model):
    make = django_user_model.objects.create_user
    return {
        "participant": make("alice", "alice@example.org", "pw-alice-123"),
        "other": make("bob", "bob@example.org", "pw-bob-123"),
        "organizer": make("olga", "olga@example.org", "pw-olga-123"),
        "admin": django_user_model.objects.create_superuser("root", "root@example.org", "pw-root"),
        "stranger": make("sam", "sam@example.org", "pw-sam-123"),
    }


@pytest.fixture
def challenge(users):
    from arena.challenges.models import Challenge
    from arena.participation.models import Registration

    ch = Challenge.objects.create(slug="kits", title="KiTS test", is_public=True)
    ch.organizers.add(users["organizer"])
    for role in ("participant", "other"):
        Registration.objects.create(user=users[role], challenge=ch, status="approved")
    return ch


@pytest.fixture
def phase(challenge, dataset_dir):
    from arena.challenges.models import Phase

    return Phase.objects.create(
        challenge=challenge,
        slug="test",
        title="Test phase",
        task="kits21",
        quota_count=3,
        inputs_path=str(dataset_dir / "inputs"),
        references_path=str(dataset_dir / "references"),
        show_per_case=False,
    )
