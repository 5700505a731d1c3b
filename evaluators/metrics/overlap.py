"""Volume overlap."""

import numpy as np


def dice(pred: np.ndarray, ref: np.ndarray) -> float | None:
    """Dice coefficient 2·|P∩R| / (|P|+|R|) of two boolean masks (medpy ``dc`` convention).

    Returns ``None`` when both masks are empty (0/0); the caller's empty rule decides.
    """
    pred_count = int(np.count_nonzero(pred))
    ref_count = int(np.count_nonzero(ref))
    if pred_count + ref_count == 0:
        return None
    intersection = int(np.count_nonzero(pred & ref))
    return 2.0 * intersection / float(pred_count + ref_count)
