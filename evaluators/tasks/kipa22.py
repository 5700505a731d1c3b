"""KiPA22: kidney parsing in CTA — renal vein 1, kidney 2, renal artery 3, tumour 4.

Official rules (``kipa22``): Dice on the native grid; HD (maximum, not 95th percentile) and AVD
via SimpleITK on a 1 mm grid. The reference is resampled (nearest neighbour, identity
transform) to spacing 1 mm and size round(size·spacing); the official script **replaces the
prediction's spacing by (sx, sx, sx)** (the reference's x spacing) before resampling it the same
way onto the same size — reproduced here. 26-neighbour contours, then
``HausdorffDistanceImageFilter`` on the contour images with spacing 1. An empty prediction
contour is replaced by the six faces of the image box (official). Values are stored as float32,
as the official CSVs. ``kipa22_corrected`` uses the true spacing for the prediction.
Empty reference label: the official script crashes; Arena skips that structure for that case
and reports it. Dice with both masks empty: skipped (the official 0/0 is NaN).
Ranking: 12 means (Dice, HD, AVD × 4 structures), rank each (Dice higher is better, HD/AVD
lower), average the ranks.
"""

from pathlib import Path

import numpy as np
import SimpleITK as sitk

from evaluators.io import as_label_map, check_same_grid, read_volume
from evaluators.metrics.sitk_contours import contour, hausdorff_filter
from evaluators.ranking import RankThenAggregate
from evaluators.tasks.base import CaseScores, Column, Task

STRUCTURES = {"Vein": 1, "Kidney": 2, "Artery": 3, "Tumor": 4}
METRIC_TITLES = {"dice": "Dice", "hd": "HD (mm)", "avd": "AVD (mm)"}


def _resample_to_1mm(image: sitk.Image, size: list[int]) -> np.ndarray:
    resampler = sitk.ResampleImageFilter()
    resampler.SetReferenceImage(image)
    resampler.SetSize(size)
    resampler.SetOutputSpacing([1.0, 1.0, 1.0])
    resampler.SetTransform(sitk.Transform(3, sitk.sitkIdentity))
    resampler.SetInterpolator(sitk.sitkNearestNeighbor)
    return sitk.GetArrayFromImage(resampler.Execute(image))


def _box_faces(shape: tuple[int, ...]) -> np.ndarray:
    faces = np.zeros(shape, dtype=np.uint8)
    faces[0], faces[-1] = 1, 1
    faces[:, 0], faces[:, -1] = 1, 1
    faces[:, :, 0], faces[:, :, -1] = 1, 1
    return faces


class Kipa22(Task):
    name = "kipa22"
    title = "KiPA22 — kidney parsing (vein, kidney, artery, tumour) in CTA"
    description = __doc__
    regions = tuple(STRUCTURES)
    metrics = ("dice", "hd", "avd")
    label_map = {v: k.lower() for k, v in STRUCTURES.items()}
    input_channels = {"0000": "CTA"}
    #: the official prediction-spacing overwrite (False in kipa22_corrected)
    official_spacing_quirk = True
    conventions = (
        "official: Dice on the native grid, HD/AVD on the 1 mm grid with the prediction spacing "
        "overwritten by (sx, sx, sx), image-box faces for an empty prediction, float32 values",
        "Arena: empty reference label skipped and reported (the official script crashes); "
        "geometry must match the reference",
    )

    @property
    def leaderboard_columns(self):  # type: ignore[override]
        return tuple(
            Column(f"{s}/{m}", f"{s} {METRIC_TITLES[m]}", m == "dice", "" if m == "dice" else "mm")
            for m in self.metrics
            for s in STRUCTURES
        )

    @property
    def ranking(self):
        return RankThenAggregate(criteria=self.leaderboard_columns)

    def _store(self, value: float | None) -> float | None:
        if value is None:
            return None
        return float(np.float32(value)) if self.official_spacing_quirk else float(value)

    def validate_case(self, case: str, pred: Path, ref: Path) -> None:
        ref_volume = read_volume(ref)
        as_label_map(ref_volume, {0, *STRUCTURES.values()}, case)
        pred_volume = read_volume(pred, like=ref)
        check_same_grid(pred_volume, ref_volume, case)
        as_label_map(pred_volume, {0, *STRUCTURES.values()}, case)

    def score_case(self, case, pred, ref, extra_metrics=()) -> CaseScores:
        allowed = {0, *STRUCTURES.values()}
        ref_volume = read_volume(ref)
        ref_labels = as_label_map(ref_volume, allowed, case)
        ref_image = sitk.ReadImage(str(ref))
        spacing_xyz = ref_image.GetSpacing()
        size = [int(round(n * s)) for n, s in zip(ref_image.GetSize(), spacing_xyz, strict=True)]
        ref_1mm = _resample_to_1mm(ref_image, size)
        if pred is not None:
            pred_volume = read_volume(pred, like=ref)
            check_same_grid(pred_volume, ref_volume, case)
            pred_labels = as_label_map(pred_volume, allowed, case)
            pred_image = sitk.GetImageFromArray(pred_labels)
            pred_image.SetOrigin(pred_volume.origin)
            pred_image.SetDirection(pred_volume.direction)
            quirk = (spacing_xyz[0],) * 3 if self.official_spacing_quirk else spacing_xyz
            pred_image.SetSpacing(quirk)
            pred_1mm = _resample_to_1mm(pred_image, size)
        else:
            pred_labels = np.zeros_like(ref_labels)
            pred_1mm = np.zeros_like(ref_1mm)
        scores = CaseScores(case)
        for structure, label in STRUCTURES.items():
            ref_mask, pred_mask = ref_labels == label, pred_labels == label
            values: dict[str, float | None] = {"dice": None, "hd": None, "avd": None}
            if ref_mask.any() or pred_mask.any():
                overlap = int(np.count_nonzero(ref_mask & pred_mask))
                total = int(np.count_nonzero(ref_mask)) + int(np.count_nonzero(pred_mask))
                values["dice"] = self._store(2.0 * overlap / total)
            ref_contour = contour(ref_1mm == label, (1.0, 1.0, 1.0))
            if not ref_contour.any():
                scores.notes[structure] = "ref_empty_skipped"
                scores.values[structure] = values
                continue
            pred_contour = contour(pred_1mm == label, (1.0, 1.0, 1.0))
            if not pred_contour.any():
                pred_contour = _box_faces(pred_contour.shape)
                scores.notes[structure] = "pred_empty_box_faces"
            hd, avd = hausdorff_filter(pred_contour, ref_contour, (1.0, 1.0, 1.0))
            values["hd"], values["avd"] = self._store(hd), self._store(avd)
            scores.values[structure] = values
        if pred is None:
            scores.notes = {s: "missing_prediction" for s in STRUCTURES}
        return scores

    def ranking_scores(self, cases: list[CaseScores], aggregates: dict) -> dict[str, float]:
        return {
            f"{s}/{m}": aggregates[s][m]["mean"] for s in STRUCTURES for m in self.metrics
        }


class Kipa22Corrected(Kipa22):
    name = "kipa22_corrected"
    title = "KiPA22 (corrected spacing) — HD/AVD with the prediction's true spacing"
    official_spacing_quirk = False
