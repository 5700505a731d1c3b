"""Shared fixtures for evaluator tests: the shared real data and the peer-library venv."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
REF_PYTHON = ROOT / ".venv-ref" / "bin" / "python"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"shared data not present at {SHARED} (CI has ../shared beside the clone)")
    return SHARED


@pytest.fixture(scope="session")
def ref_python() -> Path:
    if not REF_PYTHON.exists():
        pytest.fail(f"{REF_PYTHON} missing: run scripts/ref_venv.sh (make test does)")
    return REF_PYTHON
