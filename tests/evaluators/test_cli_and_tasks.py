"""CLI behaviour (exit codes, clear errors, atomic outputs, rank) and the task rules of
MyoPS, AMOS, COSMOS, SegRap's label-map layout and the ranking classes, on synthetic data."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from evaluators_testutil import write_labels

import evaluators
from evaluators.ranking import Lexicographic, RankThenAggregate, min_ranks
from evaluators.tasks.base import Column

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evaluators", *args], cwd=ROOT,
                          capture_output=True, text=True)


def kits_pair(tmp_path: Path, shift: int = 1) -> tuple[Path, Path]:
    ref = np.zeros((12, 32, 32), np.uint8)
    ref[3:9, 8:20, 8:20] = 1
    ref[4:7, 10:14, 10:14] = 2
    pred = np.roll(ref, shift, axis=2)
    write_labels(tmp_path / "ref" / "case_a.nii.gz", ref, (0.8, 0.8, 2.5))
    write_labels(tmp_path / "pred" / "case_a.nii.gz", pred, (0.8, 0.8, 2.5))
    write_labels(tmp_path / "ref" / "case_b.nii.gz", ref, (0.8, 0.8, 2.5))
    return tmp_path / "pred", tmp_path / "ref"


def test_score_writes_outputs_and_reports_missing(tmp_path):
    pred, ref = kits_pair(tmp_path)
    (pred / "notes.txt").write_text("extra")
    run = cli("score", "--task", "kits21", "--pred", str(pred), "--ref", str(ref),
              "--out", str(tmp_path / "out"), "--extra-metrics", "hd95,nsd@2.0")
    assert run.returncode == 0, run.stderr
    assert "missing predictions" in run.stdout and "case_b" in run.stdout
    assert "notes.txt" in run.stdout
    rows = list(csv.DictReader(open(tmp_path / "out" / "cases.csv")))
    metrics = {r["metric"] for r in rows}
    assert metrics == {"dice", "surface_dice", "hd95", "nsd@2.0"}
    assert {r["note"] for r in rows if r["case"] == "case_b"} == {"missing_prediction"}
    data = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert set(data) >= {"case", "aggregates", "ranking_scores"}
    assert data["aggregates"]["tumor"]["dice"]["count"] == 2
    assert not list((tmp_path / "out").glob(".*.tmp"))


@pytest.mark.parametrize("args,message", [
    (["--task", "kits21", "--pred", "/nonexistent", "--ref", "/tmp"], "does not exist"),
    (["--task", "kits21", "--extra-metrics", "hd96"], "unknown metric 'hd96'"),
])
def test_bad_input_exits_2_with_one_clear_message(tmp_path, args, message):
    pred, ref = kits_pair(tmp_path)
    base = {"--pred": str(pred), "--ref": str(ref)}
    argv = ["score", "--out", str(tmp_path / "o")]
    for key in ("--pred", "--ref"):
        if key not in args:
            argv += [key, base[key]]
    run = cli(*argv, *args)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "o" / "metrics.json").exists()


def test_geometry_and_label_errors_name_the_case(tmp_path):
    pred, ref = kits_pair(tmp_path)
    bad = np.zeros((12, 32, 32), np.uint8)
    bad[0, 0, 0] = 7
    write_labels(pred / "case_b.nii.gz", bad, (0.8, 0.8, 2.5))
    problems = evaluators.validate_folder("kits21", pred, ref)
    assert any("case_b" in p and "[7]" in p for p in problems)
    write_labels(pred / "case_b.nii.gz", np.zeros((12, 32, 32), np.uint8), (0.8, 0.8, 3.0))
    with pytest.raises(evaluators.EvaluationInputError, match="case_b: prediction spacing"):
        evaluators.score_folder("kits21", pred, ref)
    (pred / "case_b.nii.gz").unlink()
    (pred / "case_b.nii").write_bytes(b"not an image")
    with pytest.raises(evaluators.EvaluationInputError, match="cannot be read as an image"):
        evaluators.score_folder("kits21", pred, ref)
    write_labels(pred / "case_a.nii", np.zeros((12, 32, 32), np.uint8), (0.8, 0.8, 2.5))
    assert any("appears more than once" in p for p in evaluators.validate_folder("kits21", pred, ref))


def test_tasks_and_rank_commands(tmp_path):
    run = cli("tasks")
    assert run.returncode == 0
    for name in ("kits21", "segrap2023_task1", "segrap2023_task2", "myops2020", "cosmos2022",
                 "kipa22", "kipa22_corrected", "amos22"):
        assert name in run.stdout
    pred, ref = kits_pair(tmp_path)
    good = tmp_path / "good"
    (tmp_path / "perfect").mkdir()
    for case in ("case_a", "case_b"):
        (tmp_path / "perfect" / f"{case}.nii.gz").write_bytes((ref / f"{case}.nii.gz").read_bytes())
    assert cli("score", "--task", "kits21", "--pred", str(pred), "--ref", str(ref),
               "--out", str(good), "--quiet").returncode == 0
    assert cli("score", "--task", "kits21", "--pred", str(tmp_path / "perfect"), "--ref",
               str(ref), "--out", str(tmp_path / "best"), "--quiet").returncode == 0
    run = cli("rank", "--task", "kits21", f"shifted={good}", f"perfect={tmp_path / 'best'}",
              "--out", str(tmp_path / "rank.csv"))
    assert run.returncode == 0, run.stderr
    table = list(csv.DictReader(open(tmp_path / "rank.csv")))
    assert [(r["rank"], r["name"]) for r in table] == [("1", "perfect"), ("2", "shifted")]
    assert cli("rank", "--task", "amos22", f"x={good}").returncode == 2


def test_ranking_rules():
    assert min_ranks([0.9, 0.9, 0.5, None], True) == [1, 1, 3, 4]
    rule = RankThenAggregate((Column("a", "A"), Column("b", "B", False)),
                             tiebreak=Column("t", "T"))
    ranked = rule.rank({"x": {"a": 1.0, "b": 5.0, "t": 0.1}, "y": {"a": 0.5, "b": 1.0, "t": 0.9},
                        "z": {"a": 0.1, "b": 9.0, "t": 0.0}})
    assert [(e.name, e.rank) for e in ranked] == [("y", 1), ("x", 2), ("z", 3)]
    lex = Lexicographic((Column("q", "Q"), Column("d", "D")))
    ranked = lex.rank({"p": {"q": 80, "d": 0.5}, "r": {"q": 80, "d": 0.7}, "s": {"q": 90, "d": 0}})
    assert [e.name for e in ranked] == ["s", "r", "p"]


def test_myops_amos_and_segrap_label_map(tmp_path):
    ref = np.zeros((4, 24, 24), np.int16)
    ref[:, 5:15, 5:15] = 200
    ref[1:3, 6:10, 6:10] = 2221
    ref[1:3, 10:13, 6:10] = 1220
    write_labels(tmp_path / "mr" / "ref" / "p1.nii.gz", ref, (1, 1, 10))
    write_labels(tmp_path / "mr" / "pred" / "p1.nii.gz", ref, (1, 1, 10))
    result = evaluators.score_folder("myops2020", tmp_path / "mr" / "pred", tmp_path / "mr" / "ref")
    assert result.metrics_json["ranking_scores"]["scar/dice"] == 1.0

    organs = np.zeros((10, 30, 30), np.uint8)
    organs[2:8, 2:12, 2:12] = 6
    organs[2:6, 15:25, 15:25] = 1
    write_labels(tmp_path / "ab" / "ref" / "amos_0001.nii.gz", organs)
    write_labels(tmp_path / "ab" / "ref" / "amos_0507.nii.gz", organs)
    pred = organs.copy()
    pred[pred == 1] = 0
    write_labels(tmp_path / "ab" / "pred" / "amos_0001.nii.gz", organs)
    write_labels(tmp_path / "ab" / "pred" / "amos_0507.nii.gz", pred)
    result = evaluators.score_folder("amos22", tmp_path / "ab" / "pred", tmp_path / "ab" / "ref")
    scores = result.metrics_json["ranking_scores"]
    assert scores["mean_dice_ct"] == 1.0 and scores["mean_dice_mri"] == 0.5
    assert result.metrics_json["aggregates"]["liver"]["dice"]["count"] == 2
    assert result.metrics_json["aggregates"]["aorta"]["dice"]["count"] == 0  # both empty: skipped

    gtv = np.zeros((8, 20, 20), np.uint8)
    gtv[2:6, 4:10, 4:10] = 1
    gtv[2:5, 12:16, 12:16] = 2
    for structure, label in (("GTVp", 1), ("GTVnd", 2)):
        write_labels(tmp_path / "sr" / "ref" / "c1" / f"{structure}.nii.gz",
                     (gtv == label).astype(np.uint8) * 255)
    write_labels(tmp_path / "sr" / "pred" / "c1.nii.gz", gtv)
    result = evaluators.score_folder("segrap2023_task2", tmp_path / "sr" / "pred",
                                     tmp_path / "sr" / "ref")
    assert result.metrics_json["case"]["c1"]["GTVnd"] == {"dice": 1.0, "nsd": 1.0}


def test_cosmos_quanm_and_diagnosis(tmp_path):
    ref = np.zeros((6, 40, 40), np.uint8)
    for z in (1, 3):
        yy, xx = np.mgrid[:40, :40]
        r = np.hypot(yy - 20, xx - 20)
        ref[z][r < 8] = 1
        ref[z][r < 5] = 2
    write_labels(tmp_path / "ref" / "n1.nii.gz", ref, (0.5, 0.5, 2.0))
    (tmp_path / "ref" / "n1.json").write_text(json.dumps(
        {"annotated_slices": [1, 3], "diagnosis": {"1": 0, "3": 1}}))
    write_labels(tmp_path / "pred" / "n1.nii.gz", ref, (0.5, 0.5, 2.0))
    (tmp_path / "pred" / "n1.json").write_text(json.dumps({"diagnosis": {"1": 0, "3": 1}}))
    result = evaluators.score_folder("cosmos2022", tmp_path / "pred", tmp_path / "ref")
    scores = result.metrics_json["ranking_scores"]
    assert scores["quanm"] == 100.0 and scores["vessel_dice"] == 1.0
    assert scores["diagnosis_f1"] == 1.0 and result.extra_files == []
    slices = result.metrics_json["case_details"]["n1"]["slices"]
    assert 1.0 < slices[0]["ref_mean_thickness"] < 2.0  # 3 px ring at 0.5 mm
    empty = np.zeros_like(ref)
    write_labels(tmp_path / "pred" / "n1.nii.gz", empty, (0.5, 0.5, 2.0))
    result = evaluators.score_folder("cosmos2022", tmp_path / "pred", tmp_path / "ref")
    assert result.metrics_json["ranking_scores"]["quanm"] == 0.0


def test_kits21_reference_samples_are_averaged(tmp_path):
    pred, ref = kits_pair(tmp_path)
    (ref / "case_b.nii.gz").unlink()
    single = evaluators.score_folder("kits21", pred, ref).metrics_json["case"]["case_a"]
    samples = ref / "case_a"
    samples.mkdir()
    (ref / "case_a.nii.gz").rename(samples / "sample_0.nii.gz")
    # the second sample equals the prediction: dice 1 against it
    prediction = sitk.GetArrayFromImage(sitk.ReadImage(str(pred / "case_a.nii.gz")))
    write_labels(samples / "sample_1.nii.gz", prediction, (0.8, 0.8, 2.5))
    result = evaluators.score_folder("kits21", pred, ref)
    averaged = result.metrics_json["case"]["case_a"]
    for region in ("kidney_and_mass", "tumor"):
        assert averaged[region]["dice"] == pytest.approx((single[region]["dice"] + 1.0) / 2)
    assert result.metrics_json["notes"][0]["note"].startswith("mean_of_2_samples")
