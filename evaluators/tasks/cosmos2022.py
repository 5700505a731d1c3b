"""COSMOS 2022: carotid vessel wall in 3-D black-blood MR (**Arena convention**; the official
formula is not public).

Reference: label map (1 vessel wall, 2 lumen) on the annotated axial slices only, plus a sidecar
``<case>.json``: ``{"annotated_slices": [z, …], "diagnosis": {"<z>": 0|1}}`` (0 normal,
1 atherosclerotic). Prediction: the same label map, optionally ``<case>.json`` with
``{"diagnosis": {"<z>": 0|1}}``. Per annotated slice (2-D, in-plane spacing): Dice of the lumen,
Dice of the whole vessel (wall ∪ lumen), and four measurements — lumen area, wall area (mm²),
mean and max wall thickness (mm; at each lumen-border pixel, the distance to the nearest outer
border pixel of the vessel). QuanM = mean over the four measurements and all annotated slices of
:func:`quanm_score`, in %. Diagnosis: F1 and accuracy over annotated slices. Ranking: mean QuanM,
then mean vessel Dice.
"""

import json
from pathlib import Path

import numpy as np
from scipy import ndimage

from evaluators.errors import EvaluationInputError
from evaluators.metrics.nearest import nearest_distances
from evaluators.metrics.overlap import dice
from evaluators.ranking import Lexicographic
from evaluators.tasks.base import CaseScores, Column
from evaluators.tasks.labelmap import LabelMapTask, mean_of

MEASUREMENTS = ("lumen_area", "wall_area", "mean_thickness", "max_thickness")


def quanm_score(pred: float, ref: float) -> float:
    """Arena's QuanM term for one measurement: max(0, 1 − |pred − ref| / ref); with ref = 0 it
    is 1 when pred = 0, else 0. Replace this one function to use the official formula."""
    if ref == 0:
        return 1.0 if pred == 0 else 0.0
    return max(0.0, 1.0 - abs(pred - ref) / ref)


def _border(mask: np.ndarray) -> np.ndarray:
    eroded = ndimage.binary_erosion(mask, structure=ndimage.generate_binary_structure(2, 1))
    return np.argwhere(mask & ~eroded)


def slice_measurements(labels: np.ndarray, spacing: tuple[float, float]) -> dict[str, float]:
    """Lumen area, wall area (mm²), mean and max wall thickness (mm) of one axial slice."""
    lumen, wall = labels == 2, labels == 1
    pixel = spacing[0] * spacing[1]
    out = {"lumen_area": lumen.sum() * pixel, "wall_area": wall.sum() * pixel,
           "mean_thickness": 0.0, "max_thickness": 0.0}
    lumen_border, outer_border = _border(lumen), _border(lumen | wall)
    if len(lumen_border) and len(outer_border) and wall.any():
        thickness = nearest_distances(lumen_border, outer_border, spacing)
        out["mean_thickness"], out["max_thickness"] = thickness.mean(), thickness.max()
    return {k: float(v) for k, v in out.items()}


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise EvaluationInputError(f"{path}: not readable JSON ({error})")


class Cosmos2022(LabelMapTask):
    name = "cosmos2022"
    title = "COSMOS 2022 — carotid vessel wall segmentation and atherosclerosis diagnosis"
    description = __doc__
    regions = ("lumen", "vessel", "quanm", "diagnosis")
    metrics = ("dice", "quanm", "accuracy")
    label_map = {1: "vessel_wall", 2: "lumen"}
    input_channels = {"0000": "black-blood MR"}
    leaderboard_columns = (
        Column("quanm", "QuanM (%)", unit="%"),
        Column("vessel_dice", "Vessel Dice"),
        Column("lumen_dice", "Lumen Dice"),
        Column("diagnosis_f1", "Diagnosis F1"),
        Column("diagnosis_accuracy", "Diagnosis accuracy"),
    )
    board_note = (
        "QuanM, vessel/lumen Dice and diagnosis accuracy pooled over all annotated slices of "
        "all cases (each slice weighs the same); the per-case statistics average per case first"
    )
    conventions = (
        "Arena: QuanM formula (quanm_score), per-slice Dice and thickness definitions, "
        "diagnosis F1/accuracy over annotated slices, ranking QuanM then vessel Dice",
    )

    @property
    def ranking(self):
        return Lexicographic(criteria=self.leaderboard_columns[:2])

    def is_sidecar(self, name: str, cases: set[str]) -> bool:
        return name.endswith(".json") and name[: -len(".json")] in cases

    def score_case(self, case, pred, ref, extra_metrics=()) -> CaseScores:
        sidecar = ref.with_name(f"{case}.json")
        if not sidecar.is_file():
            raise EvaluationInputError(f"{sidecar}: reference sidecar JSON is missing")
        meta = _read_json(sidecar)
        try:
            slices = [int(z) for z in meta["annotated_slices"]]
            ref_diagnosis = {int(z): int(v) for z, v in meta.get("diagnosis", {}).items()}
        except (KeyError, TypeError, ValueError):
            raise EvaluationInputError(
                f"{sidecar}: expected {{\"annotated_slices\": [z, ...], \"diagnosis\": "
                "{\"<z>\": 0|1}}"
            )
        pred_labels, ref_labels, ref_volume, _ = self.read_pair(case, pred, ref)
        pred_diagnosis: dict[int, int] = {}
        if pred is not None and pred.with_name(f"{case}.json").is_file():
            raw = _read_json(pred.with_name(f"{case}.json")).get("diagnosis", {})
            try:
                pred_diagnosis = {int(z): int(v) for z, v in raw.items()}
            except (TypeError, ValueError, AttributeError):
                raise EvaluationInputError(
                    f"{pred.with_name(case + '.json')}: expected {{\"diagnosis\": {{\"<z>\": 0|1}}}}"
                )
        in_plane = ref_volume.spacing[1:]
        per_slice = []
        for z in slices:
            if not 0 <= z < ref_labels.shape[0]:
                raise EvaluationInputError(f"{sidecar}: annotated slice {z} is outside the image")
            p, r = pred_labels[z], ref_labels[z]
            ref_m, pred_m = slice_measurements(r, in_plane), slice_measurements(p, in_plane)
            vessel_missed = bool((r > 0).any()) and not (p > 0).any()
            terms = [0.0 if vessel_missed else quanm_score(pred_m[k], ref_m[k]) for k in MEASUREMENTS]
            lumen_dice = dice(p == 2, r == 2)
            vessel_dice = dice(p > 0, r > 0)
            per_slice.append({
                "slice": z,
                "lumen_dice": 1.0 if lumen_dice is None else lumen_dice,
                "vessel_dice": 1.0 if vessel_dice is None else vessel_dice,
                "quanm": 100.0 * float(np.mean(terms)),
                "diagnosis_ref": ref_diagnosis.get(z),
                "diagnosis_pred": pred_diagnosis.get(z),
                **{f"ref_{k}": v for k, v in ref_m.items()},
                **{f"pred_{k}": v for k, v in pred_m.items()},
            })
        scores = CaseScores(case, details={"slices": per_slice})
        scores.values["lumen"] = {"dice": mean_of(s["lumen_dice"] for s in per_slice)}
        scores.values["vessel"] = {"dice": mean_of(s["vessel_dice"] for s in per_slice)}
        scores.values["quanm"] = {"quanm": mean_of(s["quanm"] for s in per_slice)}
        judged = [s for s in per_slice if s["diagnosis_ref"] is not None]
        scores.values["diagnosis"] = {"accuracy": mean_of(
            float(s["diagnosis_pred"] == s["diagnosis_ref"]) for s in judged
        )}
        if pred is None:
            scores.notes = {r: "missing_prediction" for r in self.regions}
        return scores

    def ranking_scores(self, cases: list[CaseScores], aggregates: dict) -> dict[str, float]:
        slices = [s for c in cases for s in c.details.get("slices", [])]
        judged = [s for s in slices if s["diagnosis_ref"] is not None]
        tp = sum(1 for s in judged if s["diagnosis_ref"] == 1 and s["diagnosis_pred"] == 1)
        fp = sum(1 for s in judged if s["diagnosis_ref"] == 0 and s["diagnosis_pred"] == 1)
        fn = sum(1 for s in judged if s["diagnosis_ref"] == 1 and s["diagnosis_pred"] != 1)
        f1 = 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else 1.0
        return {
            "quanm": mean_of(s["quanm"] for s in slices),
            "vessel_dice": mean_of(s["vessel_dice"] for s in slices),
            "lumen_dice": mean_of(s["lumen_dice"] for s in slices),
            "diagnosis_f1": f1,
            "diagnosis_accuracy": mean_of(
                float(s["diagnosis_pred"] == s["diagnosis_ref"]) for s in judged
            ),
        }

    def resampled_scores(self, cases: list[CaseScores], weights: np.ndarray) -> dict:
        """Slice-pooled means and diagnosis counts of each case, summed with the weights."""
        def pooled(numerators: list[float], counts: list[float]) -> np.ndarray:
            total, count = weights @ np.array(numerators), weights @ np.array(counts)
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(count > 0, total / np.where(count > 0, count, 1.0), np.nan)

        slices = [c.details.get("slices", []) for c in cases]
        scores = {}
        for key in ("quanm", "vessel_dice", "lumen_dice"):
            defined = [[s[key] for s in case if s[key] is not None] for case in slices]
            scores[key] = pooled([sum(d) for d in defined], [len(d) for d in defined])
        counts = np.array([_diagnosis_counts(case) for case in slices], dtype=np.float64)
        tp, fp, fn, correct, judged = (weights @ counts).T
        denominator = 2 * tp + fp + fn
        with np.errstate(invalid="ignore", divide="ignore"):
            scores["diagnosis_f1"] = np.where(denominator > 0, 2 * tp / denominator, 1.0)
            scores["diagnosis_accuracy"] = np.where(judged > 0, correct / judged, np.nan)
        return scores

    def column_case_values(self, key: str, cases: list[CaseScores]):
        """Per-case means over the case's slices; diagnosis F1 over the case's judged slices
        (``None`` when it has none)."""
        rows = {"quanm": ("quanm", "quanm"), "vessel_dice": ("vessel", "dice"),
                "lumen_dice": ("lumen", "dice"), "diagnosis_accuracy": ("diagnosis", "accuracy")}
        if key in rows:
            return super().column_case_values("/".join(rows[key]), cases)
        if key == "diagnosis_f1":
            values = {}
            for c in cases:
                tp, fp, fn, _, judged = _diagnosis_counts(c.details.get("slices", []))
                values[c.case] = (2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else 1.0) \
                    if judged else None
            return None, None, values
        return super().column_case_values(key, cases)


def _diagnosis_counts(slices: list[dict]) -> tuple[int, int, int, int, int]:
    """(tp, fp, fn, correct, judged) over the slices with a reference diagnosis."""
    judged = [s for s in slices if s["diagnosis_ref"] is not None]
    tp = sum(1 for s in judged if s["diagnosis_ref"] == 1 and s["diagnosis_pred"] == 1)
    fp = sum(1 for s in judged if s["diagnosis_ref"] == 0 and s["diagnosis_pred"] == 1)
    fn = sum(1 for s in judged if s["diagnosis_ref"] == 1 and s["diagnosis_pred"] != 1)
    correct = sum(1 for s in judged if s["diagnosis_pred"] == s["diagnosis_ref"])
    return tp, fp, fn, correct, len(judged)
