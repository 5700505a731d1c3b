"""Fixtures of the integration tests: a real stack per backend (see stack.py) seeded with a
kits21 challenge on a synthetic dataset, an approved participant and their API token."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))  # synthdata
sys.path.insert(0, str(Path(__file__).resolve().parent))

SEED = """
from django.contrib.auth import get_user_model
from arena.api.tokens import issue_token
from arena.challenges.models import Challenge, Phase
from arena.challenges.services import configure_phase_dataset
User = get_user_model()
user = User.objects.create_user("alice", "alice@example.org", "pw-alice-123")
challenge = Challenge.objects.create(slug="kits-it", title="KiTS integration")
phase = Phase.objects.create(challenge=challenge, slug="test", title="Test", task="kits21")
configure_phase_dataset(phase, r"{dataset}")
print(issue_token(user, "tests")[1], phase.pk)
"""


@pytest.fixture(scope="session")
def it_dataset(tmp_path_factory):
    from synthdata import make_dataset

    return make_dataset(tmp_path_factory.mktemp("it-dataset"), n_cases=3)


@contextlib.contextmanager
def running_stack(backend: str, tmp_path: Path, dataset: Path):
    """A started, seeded Stack (token + phase_id attributes); always stopped afterwards."""
    from stack import Stack

    s = Stack(tmp_path / "var", backend)
    s.var_dir.mkdir()
    try:
        s.start()
        out = s.manage("shell", "-c", SEED.format(dataset=dataset))
        token, phase_id = out.strip().splitlines()[-1].split()
        s.token, s.phase_id = token, int(phase_id)
        yield s
    except BaseException:
        print(s.logs())
        raise
    finally:
        s.stop()


@pytest.fixture(params=["postgres", "embedded"])
def stack(request, tmp_path, it_dataset):
    with running_stack(request.param, tmp_path, it_dataset) as s:
        yield s


@pytest.fixture
def pg_stack(tmp_path, it_dataset):
    with running_stack("postgres", tmp_path, it_dataset) as s:
        yield s
