"""Fixtures of the container tests: the real Podman engine (containers/setup_engine.sh) and the
images built by containers/build_images.sh (both run by scripts/test.sh before pytest).

An engine that cannot be set up is a failure with its reason (containers/prepare_tests.sh
records it in var/engine-unavailable.txt), as is a missing image; the only way past the tier is
the explicit opt-out ARENA_SKIP_CONTAINERS=1 (tests/conftest.py skips it and says so)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from container_helpers import EXAMPLES, REPO, SOCKET_URL, image  # noqa: E402


@pytest.fixture(scope="session")
def backend():
    from arena.execution.backends import EngineUnavailable
    from arena.execution.backends.docker_api import DockerApiBackend

    marker = REPO / "var" / "engine-unavailable.txt"
    if marker.is_file():
        raise AssertionError(
            f"container engine could not be set up: {marker.read_text().strip()} "
            "(set ARENA_SKIP_CONTAINERS=1 to opt this run out of the container tier)"
        )
    try:
        engine = DockerApiBackend(SOCKET_URL)
    except EngineUnavailable as exc:
        raise AssertionError(f"{exc}; run containers/setup_engine.sh (as root)")
    missing = [name for name in EXAMPLES if not engine.image_exists(image(name))]
    assert not missing, f"images not built: {missing}; run containers/build_images.sh"
    return engine


@pytest.fixture(scope="session")
def phantom_dataset(tmp_path_factory):
    from phantom import write_dataset

    root = tmp_path_factory.mktemp("container-dataset")
    return root, write_dataset(root, n_cases=3)
