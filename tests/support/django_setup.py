"""Set-up shared by the Django test suites (platform, web, execution): storage folders under the
test's tmp path, eager Celery, users of every role and a public challenge with approved
participants. Plain functions; each suite's conftest wraps them in its own fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: role -> (username, email, password); "admin" is a superuser
ROLE_ACCOUNTS = {
    "participant": ("alice", "alice@example.org", "pw-alice-123"),
    "other": ("bob", "bob@example.org", "pw-bob-123"),
    "organizer": ("olga", "olga@example.org", "pw-olga-123"),
    "admin": ("root", "root@example.org", "pw-root"),
    "stranger": ("sam", "sam@example.org", "pw-sam-123"),
}


def isolate_storage(settings, tmp_path: Path) -> None:
    """Media, work, dataset and model folders under ``tmp_path``; e-mail kept in memory; fast hashing.

    The suite runs in development mode (``ARENA_MODE=development`` from the pytest config); the
    production defaults (HTTPS redirect, secure cookies) would break the test client."""
    assert settings.ARENA_MODE == "development", (
        "the test suite needs ARENA_MODE=development (pyproject's [tool.pytest.ini_options] env, "
        "pytest-env); the settings default to production"
    )
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ARENA_WORK_ROOT = tmp_path / "work"
    settings.ARENA_DATASETS_ROOT = tmp_path / "datasets"
    fs = "django.core.files.storage.FileSystemStorage"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": fs, "OPTIONS": {"location": str(settings.MEDIA_ROOT)}},
        "datasets": {"BACKEND": fs, "OPTIONS": {"location": str(settings.ARENA_DATASETS_ROOT)}},
    }
    settings.ARENA_MODELS_ROOT = tmp_path / "models"  # no nnU-Net demo rows from a developer's var/
    settings.VAR_DIR = tmp_path / "var"  # the development board-signing key of this test
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only
    for path in (settings.MEDIA_ROOT, settings.ARENA_WORK_ROOT):
        path.mkdir(parents=True, exist_ok=True)


@contextmanager
def eager_celery() -> Iterator[None]:
    """Run Celery tasks inline (the real task functions), errors propagated."""
    from arena.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False
        app.conf.task_eager_propagates = False


def role_users(user_model) -> dict:
    """One user per role of :data:`ROLE_ACCOUNTS`."""
    users = {}
    for role, (name, email, password) in ROLE_ACCOUNTS.items():
        make = user_model.objects.create_superuser if role == "admin" else user_model.objects.create_user
        users[role] = make(name, email, password)
    return users


def public_challenge(users: dict, slug: str = "kits", title: str = "KiTS test", **fields):
    """A public challenge organised by ``users["organizer"]`` with "participant" and "other"
    registered and approved."""
    from arena.challenges.models import Challenge
    from arena.participation.models import Registration

    challenge = Challenge.objects.create(slug=slug, title=title, is_public=True, **fields)
    challenge.organizers.add(users["organizer"])
    for role in ("participant", "other"):
        Registration.objects.create(user=users[role], challenge=challenge, status="approved")
    return challenge


def team_of(challenge, name: str, founder, *members):
    """A team founded by ``founder`` that each of ``members`` joined by accepting an invitation
    (the only way in, through the participation services)."""
    from arena.participation.services import accept_invitation, create_team, invite

    team = create_team(challenge, name, founder)
    for member in members:
        accept_invitation(invite(team, founder, member).pk, member)
    return team
