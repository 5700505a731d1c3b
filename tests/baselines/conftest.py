"""Fixtures of the baselines tests: small phantom datasets generated once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from baselines.phantoms import generate_dataset


@pytest.fixture(scope="session")
def phantom_dataset(tmp_path_factory):
    """``phantom_dataset(task, n_cases=3, seed=0) -> Path``: a cached small dataset folder."""
    cache: dict[tuple, Path] = {}

    def make(task: str, n_cases: int = 3, seed: int = 0) -> Path:
        key = (task, n_cases, seed)
        if key not in cache:
            out = tmp_path_factory.mktemp("phantoms") / f"{task}-{n_cases}-{seed}"
            cache[key] = generate_dataset(task, out, preset="small", n_cases=n_cases, seed=seed)
        return cache[key]

    return make
