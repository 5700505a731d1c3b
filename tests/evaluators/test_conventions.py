"""Evaluation conventions of README's "Evaluation conventions": KiTS21's sampled-reference
layout, missing cases (Arena's rule and the official choice), AMOS's aggregation orders, MyoPS's
table rounding, COSMOS's pooled board values in the CLI. Expected values are hand-derived."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from evaluators_testutil import write_labels

import evaluators

ROOT = Path(__file__).resolve().parents[2]
SPACING = (0.8, 0.8, 2.5)


def _kidney(shift: int = 0, tumor: bool = True) -> np.ndarray:
    ref = np.zeros((12, 32, 32), np.uint8)
    ref[3:9, 8:20, 8 + shift:20 + shift] = 1
    if tumor:
        ref[4:7, 10:14, 10 + shift:14 + shift] = 2
    return ref


def test_kits21_official_sample_layout_averages_every_sample(tmp_path):
    pred = _kidney()
    write_labels(tmp_path / "pred" / "case_a.nii.gz", pred, SPACING)
    samples = [_kidney(1), _kidney(2), _kidney(0, tumor=False)]
    # each sample alone, as a plain reference file
    single = []
    for i, sample in enumerate(samples):
        folder = tmp_path / f"flat{i}"
        write_labels(folder / "case_a.nii.gz", sample, SPACING)
        single.append(evaluators.score_folder("kits21", tmp_path / "pred", folder)
                      .metrics_json["case"]["case_a"])
    for root in ("segmentation_samples/", ""):  # the kits21 repository's layout, and group*/ only
        ref = tmp_path / f"ref{len(root)}"
        case = ref / "case_a"
        write_labels(case / root / "group1" / "case_a_s0.nii.gz", samples[0], SPACING)
        write_labels(case / root / "group1" / "case_a_s1.nii.gz", samples[1], SPACING)
        write_labels(case / root / "group2" / "case_a_s0.nii.gz", samples[2], SPACING)
        write_labels(case / "aggregated_MAJ_seg.nii.gz", samples[0], SPACING)  # not a sample
        assert evaluators.validate_folder("kits21", tmp_path / "pred", ref) == []
        result = evaluators.score_folder("kits21", tmp_path / "pred", ref)
        mine = result.metrics_json["case"]["case_a"]
        for region in ("kidney_and_mass", "mass", "tumor"):
            for metric in ("dice", "surface_dice"):
                expected = np.mean([s[region][metric] for s in single])
                assert mine[region][metric] == pytest.approx(expected, abs=1e-12), (region, metric)
        assert result.metrics_json["notes"][0]["note"].startswith("mean_of_3_samples")


def test_kits21_empty_sample_folder_is_a_clear_error(tmp_path):
    write_labels(tmp_path / "pred" / "case_a.nii.gz", _kidney(), SPACING)
    (tmp_path / "ref" / "case_a" / "segmentation_samples" / "group1").mkdir(parents=True)
    with pytest.raises(evaluators.EvaluationInputError, match="holds no segmentation samples"):
        evaluators.score_folder("kits21", tmp_path / "pred", tmp_path / "ref")


def test_missing_cases_arena_rule_and_official_choice(tmp_path):
    pred, ref = tmp_path / "pred", tmp_path / "ref"
    write_labels(pred / "case_a.nii.gz", _kidney(), SPACING)
    write_labels(ref / "case_a.nii.gz", _kidney(), SPACING)
    write_labels(ref / "case_b.nii.gz", _kidney(), SPACING)
    arena = evaluators.score_folder("kits21", pred, ref)
    tumor = arena.metrics_json["aggregates"]["tumor"]["dice"]
    assert (tumor["count"], tumor["mean"]) == (2, 0.5)  # case_b scored as empty: dice 0
    for missing in ("official", "drop"):
        official = evaluators.score_folder("kits21", pred, ref, missing=missing)
        tumor = official.metrics_json["aggregates"]["tumor"]["dice"]
        assert (tumor["count"], tumor["mean"]) == (1, 1.0)
        assert official.missing_cases == ["case_b"]
        assert official.metrics_json["ranking_scores"]["mean_dice"] == 1.0
    # tasks without a public official rule score the missing case either way
    assert evaluators.get_task("amos22").official_missing is None
    run = subprocess.run(
        [sys.executable, "-m", "evaluators", "score", "--task", "kits21", "--pred", str(pred),
         "--ref", str(ref), "--out", str(tmp_path / "out"), "--missing", "official", "--quiet"],
        cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "missing predictions (left out of the means): case_b" in run.stdout
    with pytest.raises(evaluators.EvaluationInputError, match="missing: expected"):
        evaluators.score_folder("kits21", pred, ref, missing="ignore")


def test_amos_case_first_and_organ_first(tmp_path):
    a = np.zeros((10, 30, 30), np.uint8)
    a[2:8, 2:12, 2:12] = 6  # liver
    a[2:6, 15:25, 15:25] = 1  # spleen
    missed_spleen = a.copy()
    missed_spleen[a == 1] = 0
    b = missed_spleen.copy()  # no spleen in reference nor prediction: not counted
    for folder, case_a, case_b in (("ref", a, b), ("pred", missed_spleen, b)):
        write_labels(tmp_path / folder / "amos_0001.nii.gz", case_a)
        write_labels(tmp_path / folder / "amos_0002.nii.gz", case_b)
    scores = evaluators.score_folder("amos22", tmp_path / "pred", tmp_path / "ref"
                                     ).metrics_json["ranking_scores"]
    assert scores["mean_dice"] == 0.75  # case first: (mean(1, 0) + 1) / 2
    assert scores["mean_dice_organwise"] == 0.5  # organ first: mean(liver 1, spleen 0)


def test_myops_board_values_rounded_as_the_official_tables(tmp_path):
    ref = np.zeros((4, 24, 24), np.int16)
    ref[:, 5:15, 5:15] = 200
    ref[1, 6:8, 6:11] = 2221  # 10 scar voxels
    pred = ref.copy()
    pred[1, 7, 8:11] = 200  # 7 of them predicted: Dice 14/17 = 0.82352…
    write_labels(tmp_path / "ref" / "p1.nii.gz", ref, (1, 1, 10))
    write_labels(tmp_path / "pred" / "p1.nii.gz", pred, (1, 1, 10))
    result = evaluators.score_folder("myops2020", tmp_path / "pred", tmp_path / "ref")
    assert result.metrics_json["case"]["p1"]["scar"]["dice"] == pytest.approx(14 / 17, abs=1e-15)
    assert result.metrics_json["ranking_scores"]["scar/dice"] == 0.824


def test_cosmos_cli_shows_the_pooled_board_values(tmp_path):
    ref = np.zeros((6, 40, 40), np.uint8)
    yy, xx = np.mgrid[:40, :40]
    r = np.hypot(yy - 20, xx - 20)
    for z in (1, 3):
        ref[z][r < 8] = 1
        ref[z][r < 5] = 2
    write_labels(tmp_path / "ref" / "n1.nii.gz", ref, (0.5, 0.5, 2.0))
    (tmp_path / "ref" / "n1.json").write_text('{"annotated_slices": [1, 3]}')
    write_labels(tmp_path / "ref" / "n2.nii.gz", ref, (0.5, 0.5, 2.0))
    (tmp_path / "ref" / "n2.json").write_text('{"annotated_slices": [1]}')
    pred = ref.copy()
    pred[3] = 0  # n1: second slice missed (QuanM 0), first perfect (100)
    write_labels(tmp_path / "pred" / "n1.nii.gz", pred, (0.5, 0.5, 2.0))
    write_labels(tmp_path / "pred" / "n2.nii.gz", ref, (0.5, 0.5, 2.0))
    run = subprocess.run(
        [sys.executable, "-m", "evaluators", "score", "--task", "cosmos2022", "--pred",
         str(tmp_path / "pred"), "--ref", str(tmp_path / "ref"), "--out", str(tmp_path / "o"),
         "--quiet"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    # pooled over the three slices (100, 0, 100): 66.67; per case first would be (50+100)/2 = 75
    assert "quanm: 66.6667" in run.stdout
    assert "pooled over all annotated slices" in run.stdout
    assert "per-case statistics" in run.stdout
