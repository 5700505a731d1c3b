"""Helpers for the evaluator tests (a uniquely named module: several conftest.py exist)."""

from pathlib import Path

import numpy as np
import SimpleITK as sitk


def write_labels(path: Path, array: np.ndarray, spacing_xyz=(1.0, 1.0, 1.0), origin=None) -> Path:
    """Write a label map (array order z, y, x) with SimpleITK."""
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(tuple(float(s) for s in spacing_xyz))
    if origin is not None:
        image.SetOrigin(origin)
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path))
    return path
