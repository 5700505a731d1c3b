"""SimpleITK contour distances: ``avd_sitk`` and the KiPA22 HD/AVD.

Contours are SimpleITK's 26-neighbour contours (``SimpleContourExtractorImageFilter``:
foreground pixels with a background neighbour; foreground on the image edge is not contour),
and distances come from ``HausdorffDistanceImageFilter`` on the two contour images.
"""

import numpy as np
import SimpleITK as sitk


def contour(mask: np.ndarray, spacing: tuple[float, ...]) -> np.ndarray:
    """26-neighbour contour of a boolean mask (array order z, y, x) as a uint8 array."""
    image = sitk.GetImageFromArray(mask.astype(np.uint8))
    image.SetSpacing(tuple(float(s) for s in reversed(spacing)))
    extractor = sitk.SimpleContourExtractorImageFilter()  # radius 1: 26 neighbours in 3-D
    return sitk.GetArrayFromImage(extractor.Execute(image)).astype(np.uint8)


def hausdorff_filter(
    pred_contour: np.ndarray, ref_contour: np.ndarray, spacing: tuple[float, ...]
) -> tuple[float, float]:
    """(HD, AVD) of SimpleITK's ``HausdorffDistanceImageFilter`` on two contour arrays:
    HD = max of the two directed maxima, AVD = mean of the two directed mean distances (mm)."""
    images = []
    for array in (ref_contour, pred_contour):
        image = sitk.GetImageFromArray(array.astype(np.uint8))
        image.SetSpacing(tuple(float(s) for s in reversed(spacing)))
        images.append(image)
    hd_filter = sitk.HausdorffDistanceImageFilter()
    hd_filter.Execute(images[0], images[1])
    return float(hd_filter.GetHausdorffDistance()), float(hd_filter.GetAverageHausdorffDistance())


def avd_sitk(pred: np.ndarray, ref: np.ndarray, spacing: tuple[float, ...]) -> float | None:
    """``avd_sitk``: SimpleITK average Hausdorff distance (mean of the two directed means, mm)
    between the 26-neighbour contours of two masks. ``None`` if either contour is empty."""
    pred_contour, ref_contour = contour(pred, spacing), contour(ref, spacing)
    if not pred_contour.any() or not ref_contour.any():
        return None
    return hausdorff_filter(pred_contour, ref_contour, spacing)[1]
