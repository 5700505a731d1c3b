"""Fixtures of the web UI tests: isolated storage, eager Celery (the real task functions run
inline), users of every role, a kits21 challenge whose phase holds a phantom test set from
``baselines.phantoms``, and helpers that build prediction archives."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from web_helpers import upload

from tests.support.django_setup import eager_celery, isolate_storage, public_challenge, role_users


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    isolate_storage(settings, tmp_path)
    cache.clear()  # cached leaderboard charts of an earlier test


@pytest.fixture(autouse=True)
def _eager_celery():
    with eager_celery():
        yield


@pytest.fixture(scope="session")
def kits_dataset(tmp_path_factory) -> Path:
    from baselines.phantoms import generate_dataset

    return generate_dataset(
        "kits21", tmp_path_factory.mktemp("web-kits21") / "ds", preset="small", n_cases=3, seed=7
    )


@pytest.fixture(scope="session")
def archives(kits_dataset, tmp_path_factory) -> dict[str, bytes]:
    """Prediction archives (zip bytes): "perfect" (the references), "eroded", "dilated"."""
    from arena.demo.predictions import perturbed_references, zip_folder

    root = tmp_path_factory.mktemp("web-archives")
    out = {"perfect": zip_folder(kits_dataset / "references", root / "perfect.zip").read_bytes()}
    for variant in ("eroded", "dilated"):
        folder = perturbed_references(kits_dataset / "references", root / variant, variant)
        out[variant] = zip_folder(folder, root / f"{variant}.zip").read_bytes()
    return out


@pytest.fixture
def users(transactional_db, django_user_model):
    return role_users(django_user_model)


@pytest.fixture
def challenge(users):
    return public_challenge(users, title="KiTS web test", description="Kidney tumours.")


@pytest.fixture
def phase(challenge, kits_dataset):
    from arena.challenges.models import Phase
    from arena.challenges.services import configure_phase_dataset

    phase = Phase.objects.create(
        challenge=challenge, slug="test", title="Test phase", task="kits21", quota_count=5,
        show_per_case=False,
    )
    return configure_phase_dataset(phase, kits_dataset)


@pytest.fixture
def scored(phase, users, archives):
    """Two succeeded submissions: alice (eroded references), bob (dilated)."""
    from arena.submissions.services import create_prediction_submission

    subs = {}
    for role, variant in (("participant", "eroded"), ("other", "dilated")):
        sub = create_prediction_submission(users[role], phase, upload(f"{variant}.zip", archives[variant]))
        sub.refresh_from_db()
        assert sub.status == "succeeded", sub.error
        subs[role] = sub
    return subs


@pytest.fixture
def client_for(client, users):
    """``client_for("participant")`` → a test client logged in as that role (None = anonymous)."""

    def make(role: str | None):
        client.logout()
        if role is not None:
            client.force_login(users[role])
        return client

    return make
