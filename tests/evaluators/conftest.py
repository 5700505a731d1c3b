"""Shared fixtures for evaluator tests: the shared real data and the peer-library venv."""

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
REF_PYTHON = ROOT / ".venv-ref" / "bin" / "python"


def write_labels(path: Path, array: np.ndarray, spacing_xyz=(1.0, 1.0, 1.0), origin=None) -> Path:
    """Write a label map (array order z, y, x) with SimpleITK."""
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(tuple(float(s) for s in spacing_xyz))
    if origin is not None:
        image.SetOrigin(origin)
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path))
    return path


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
