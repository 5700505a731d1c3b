"""Image extent helpers."""

import numpy as np


def image_diagonal_mm(shape: tuple[int, ...], spacing: tuple[float, ...]) -> float:
    """Diagonal of the image's physical extent in mm: the 'max distance penalty' given to a
    distance metric when exactly one of the two masks is empty."""
    return float(np.sqrt(sum((n * s) ** 2 for n, s in zip(shape, spacing, strict=True))))
