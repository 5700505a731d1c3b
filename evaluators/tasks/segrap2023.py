"""SegRap2023: 45 organs-at-risk (task 1) and 2 gross tumour volumes (task 2) in head & neck CT.

Official layout: one binary mask per structure, ``<case>/<Structure>.nii.gz`` (foreground =
value > 0, whatever the dtype). A single label map ``<case>.nii.gz`` of the 54 non-overlapping
atoms (task 1) or of GTVp = 1 / GTVnd = 2 (task 2) is accepted too; each structure is the union
of its atoms. Metrics (official): ``dice`` and ``nsd`` at 1 mm (Larynx 2 mm, OralCavity 3 mm),
distances with the **reference's** spacing. Per-case values are rounded to 4 decimals, as the
official CSV stores them, before any averaging. Empty masks: both empty → 1/1, one empty → 0/0;
a missing structure file → 0/0 (**Arena rule**: the official script crashes on it).
Ranking (official): mean per structure and metric over cases, rank on each, average all ranks,
divide by the number of teams (lower is better).
"""

import re
from pathlib import Path

import numpy as np

from evaluators.errors import EvaluationInputError
from evaluators.io import as_label_map, case_stem, check_same_grid, read_volume
from evaluators.metrics.pairs import MetricSpec, evaluate_pair
from evaluators.ranking import RankThenAggregate
from evaluators.tasks.base import CaseScores, Column, Task
from evaluators.tasks.labelmap import mean_of

OAR_ATOMS: dict[str, tuple[int, ...]] = {
    "Brain": tuple(range(1, 10)), "BrainStem": (2,), "Chiasm": (3,),
    "TemporalLobe_L": (4, 6), "TemporalLobe_R": (5, 7), "Hippocampus_L": (8, 6),
    "Hippocampus_R": (9, 7), "Eye_L": (10, 12), "Eye_R": (11, 13), "Lens_L": (12,),
    "Lens_R": (13,), "OpticNerve_L": (14,), "OpticNerve_R": (15,),
    "MiddleEar_L": (18, 16, 20, 24, 28, 30), "MiddleEar_R": (19, 17, 21, 25, 29, 31),
    "IAC_L": (18,), "IAC_R": (19,), "TympanicCavity_L": (22, 20), "TympanicCavity_R": (23, 21),
    "VestibulSemi_L": (26, 24), "VestibulSemi_R": (27, 25), "Cochlea_L": (28,),
    "Cochlea_R": (29,), "ETbone_L": (32, 30), "ETbone_R": (33, 31), "Pituitary": (34,),
    "OralCavity": (35,), "Mandible_L": (36,), "Mandible_R": (37,), "Submandibular_L": (38,),
    "Submandibular_R": (39,), "Parotid_L": (40,), "Parotid_R": (41,), "Mastoid_L": (42,),
    "Mastoid_R": (43,), "TMjoint_L": (44,), "TMjoint_R": (45,), "SpinalCord": (46,),
    "Esophagus": (47,), "Larynx": (48, 49, 50, 51), "Larynx_Glottic": (49,),
    "Larynx_Supraglot": (50,), "PharynxConst": (51, 52), "Thyroid": (53,), "Trachea": (54,),
}
GTV_ATOMS: dict[str, tuple[int, ...]] = {"GTVp": (1,), "GTVnd": (2,)}
TOLERANCE_MM = {"Larynx": 2.0, "OralCavity": 3.0}
METRIC_TITLES = {"dice": "Dice", "nsd": "NSD"}
DECIMALS = 4


_TITLE_WORDS = {"ETbone": "ET bone", "TMjoint": "TM joint", "IAC": "IAC",
                "VestibulSemi": "Vestibule/semicircular canals",
                "PharynxConst": "Pharyngeal constrictor", "Supraglot": "supraglottic"}


def structure_title(name: str) -> str:
    """Readable structure name: ``TemporalLobe_L`` → ``Temporal lobe (L)``, ``ETbone_R`` →
    ``ET bone (R)``, ``Larynx_Supraglot`` → ``Larynx supraglottic``."""
    base, _, side = name.partition("_")
    if base in _TITLE_WORDS:
        text = _TITLE_WORDS[base]
    else:
        words = re.findall(r"[A-Z]?[a-z]+", base) or [base]
        text = " ".join([words[0]] + [w.lower() for w in words[1:]])
    if side in ("L", "R"):
        return f"{text} ({side})"
    return f"{text} {_TITLE_WORDS.get(side, side.lower())}" if side else text


def official_round(value: float | None, metric: str) -> float | None:
    """The official CSV's ``round(x, 4)``: Python's round for medpy's Dice (a Python float),
    NumPy's round for the surface Dice (a NumPy float64)."""
    if value is None:
        return None
    if metric == "dice":
        return round(float(value), DECIMALS)
    return float(np.round(np.float64(value), DECIMALS))


class _SegRap(Task):
    atoms: dict[str, tuple[int, ...]] = {}
    metrics = ("dice", "nsd")
    case_folders = True
    region_means = {"mean_dice": "dice", "mean_nsd": "nsd"}
    input_channels = {"0000": "CT", "0001": "contrast CT"}
    leaderboard_columns = (
        Column("mean_dice", "Mean Dice"),
        Column("mean_nsd", "Mean NSD"),
    )
    conventions = (
        "official: per-structure files (> 0), tolerances, reference spacing, 4-decimal rounding, "
        "empty rules, rank-then-average ranking",
        "Arena: a missing structure file scores 0/0 (the official script crashes); the atom label "
        "map layout is accepted as an alternative; geometry must match the reference",
    )

    @property
    def regions(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.atoms)

    @property
    def label_map(self) -> dict[int, str]:  # type: ignore[override]
        values = sorted({a for atoms in self.atoms.values() for a in atoms})
        return {v: f"atom_{v}" for v in values} if len(self.atoms) > 2 else {
            atoms[0]: name for name, atoms in self.atoms.items()
        }

    @property
    def ranking(self):
        criteria = tuple(
            Column(f"{s}/{m}", f"{structure_title(s)} {METRIC_TITLES[m]}", True)
            for s in self.atoms for m in self.metrics
        )
        return RankThenAggregate(criteria=criteria, normalize=True)

    def region_title(self, region: str) -> str:
        return structure_title(region)

    def official_specs(self, region: str) -> list[MetricSpec]:
        return [MetricSpec("dice", "dice"), MetricSpec("nsd", "nsd", TOLERANCE_MM.get(region, 1.0))]

    def _structure_masks(self, case: str, pred: Path | None, ref: Path):
        """Yield (structure, pred mask or None when missing, ref mask, ref spacing, shape)."""
        if not ref.is_dir():
            raise EvaluationInputError(
                f"{ref}: expected a reference folder {case}/ with one <Structure>.nii.gz per "
                "structure"
            )
        label_map = None
        if pred is not None and not pred.is_dir():
            label_volume = read_volume(pred)
            label_map = (label_volume, as_label_map(label_volume, {0, *self.label_map}, case))
        for structure in self.atoms:
            ref_path = _structure_file(ref, structure)
            if ref_path is None:
                raise EvaluationInputError(
                    f"{ref}: reference structure file {structure}.nii.gz is missing"
                )
            ref_volume = read_volume(ref_path)
            ref_mask = ref_volume.array > 0
            pred_mask = None
            if label_map is not None:
                check_same_grid(label_map[0], ref_volume, case)
                pred_mask = np.isin(label_map[1], self.atoms[structure])
            elif pred is not None:
                pred_path = _structure_file(pred, structure)
                if pred_path is not None:
                    pred_volume = read_volume(pred_path, like=ref_path)
                    check_same_grid(pred_volume, ref_volume, case)
                    pred_mask = pred_volume.array > 0
            yield structure, pred_mask, ref_mask, ref_volume.spacing

    def validate_case(self, case: str, pred: Path, ref: Path) -> None:
        for _ in self._structure_masks(case, pred, ref):
            pass

    def score_case(self, case, pred, ref, extra_metrics=()) -> CaseScores:
        scores = CaseScores(case)
        for structure, pred_mask, ref_mask, spacing in self._structure_masks(case, pred, ref):
            specs = self.metric_specs(structure, extra_metrics)
            if pred_mask is None:
                scores.values[structure] = {
                    s.name: (0.0 if s.name in self.metrics else None) for s in specs
                }
                scores.notes[structure] = "missing_prediction" if pred is None else "missing_structure"
                continue
            result = evaluate_pair(pred_mask, ref_mask, spacing, specs)
            scores.values[structure] = {
                name: official_round(v, name) if name in self.metrics else v
                for name, v in result.values.items()
            }
            if result.note:
                scores.notes[structure] = result.note
        return scores

    def ranking_scores(self, cases: list[CaseScores], aggregates: dict) -> dict[str, float]:
        scores = {
            f"{s}/{m}": aggregates[s][m]["mean"] for s in self.atoms for m in self.metrics
        }
        for metric in self.metrics:
            scores[f"mean_{metric}"] = mean_of(scores[f"{s}/{metric}"] for s in self.atoms)
        return scores


def _structure_file(folder: Path, structure: str) -> Path | None:
    for entry in folder.iterdir():
        if case_stem(entry.name) == structure:
            return entry
    return None


class SegRapTask1(_SegRap):
    name = "segrap2023_task1"
    title = "SegRap2023 task 1 — 45 organs-at-risk in head & neck CT"
    description = __doc__
    atoms = OAR_ATOMS


class SegRapTask2(_SegRap):
    name = "segrap2023_task2"
    title = "SegRap2023 task 2 — nasopharyngeal GTVp and GTVnd in head & neck CT"
    description = __doc__
    atoms = GTV_ATOMS
