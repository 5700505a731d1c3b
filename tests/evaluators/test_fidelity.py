"""Fidelity on the shared real data: every expected value of ../shared/data/kits21 (official
KiTS21 libraries) and ../shared/data/official (unmodified SegRap2023 / KiPA22 scripts)."""

import csv
import subprocess
import sys

import numpy as np
import pytest

import evaluators

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]

KITS_COLUMNS = {"dice": "dice", "surface_dice": "surface_dice", "nsd_2mm": "nsd@2.0",
                "hd95_pooled": "hd95", "hd95_deepmind": "hd95_surfel"}


def _kits_expected(shared, kind):
    return list(csv.DictReader(open(shared / "kits21" / "expected" / f"{kind}.csv")))


@pytest.mark.parametrize("kind", ["annotator", "kits19"])
def test_kits21_library_reproduces_expected(shared_data, kind):
    kits = shared_data / "kits21"
    result = evaluators.score_folder(
        "kits21", kits / "predictions" / kind, kits / "references", jobs=2,
        extra_metrics=("nsd@2.0", "hd95", "hd95_surfel"),
    )
    rows = _kits_expected(shared_data, kind)
    assert rows
    for row in rows:
        mine = result.metrics_json["case"][row["case"]][row["region"]]
        for column, metric in KITS_COLUMNS.items():
            if row[column] == "":
                continue
            assert mine[metric] == pytest.approx(float(row[column]), abs=1e-6, rel=0), (
                row["case"], row["region"], column)


def test_kits21_cli_reproduces_expected(shared_data, tmp_path):
    """The README's example: ``python -m evaluators score`` on the degraded predictions."""
    kits = shared_data / "kits21"
    out = tmp_path / "scores"
    run = subprocess.run(
        [sys.executable, "-m", "evaluators", "score", "--task", "kits21",
         "--pred", str(kits / "predictions" / "degraded"), "--ref", str(kits / "references"),
         "--out", str(out), "--jobs", "2", "--extra-metrics", "hd95,hd95_surfel,nsd@2.0"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "mean_dice" in run.stdout
    table = {(r["case"], r["region"], r["metric"]): r
             for r in csv.DictReader(open(out / "cases.csv"))}
    assert list(next(iter(csv.reader(open(out / "cases.csv"))))) == [
        "case", "region", "metric", "value", "note"]
    for row in _kits_expected(shared_data, "degraded"):
        for column, metric in KITS_COLUMNS.items():
            if row[column] == "":
                continue
            mine = table[(row["case"], row["region"], metric)]
            assert float(mine["value"]) == pytest.approx(float(row[column]), abs=1e-6, rel=0)
    # the tumor_removed cases are flagged with the empty rule
    notes = {r["note"] for r in table.values() if r["region"] == "tumor"}
    assert "pred_empty" in notes


@pytest.mark.parametrize("task", ["segrap2023_task1", "segrap2023_task2"])
def test_segrap_reproduces_official_csv_exactly(shared_data, task):
    folder = shared_data / "official" / task
    result = evaluators.score_folder(task, folder / "predictions", folder / "references", jobs=2)
    rows = list(csv.DictReader(open(folder / "expected.csv")))
    assert rows
    for row in rows:
        mine = result.metrics_json["case"][row["case"]][row["structure"]]
        assert mine["dice"] == float(row["dsc"]), (row["case"], row["structure"])
        assert mine["nsd"] == float(row["nsd"]), (row["case"], row["structure"])


def test_kipa22_reproduces_official_float32_values(shared_data):
    folder = shared_data / "official" / "kipa22"
    result = evaluators.score_folder("kipa22", folder / "predictions", folder / "references")
    rows = list(csv.DictReader(open(folder / "expected.csv")))
    assert rows
    for row in rows:
        mine = result.metrics_json["case"][row["case"]][row["structure"]]
        for column, metric in (("dsc", "dice"), ("hd", "hd"), ("avd", "avd")):
            assert np.float32(mine[metric]) == np.float32(row[column]), (
                row["case"], row["structure"], column)


def test_kipa22_corrected_differs_only_on_anisotropic_cases(shared_data):
    folder = shared_data / "official" / "kipa22"
    official = evaluators.score_folder("kipa22", folder / "predictions", folder / "references")
    corrected = evaluators.score_folder(
        "kipa22_corrected", folder / "predictions", folder / "references")
    for case, regions in official.metrics_json["case"].items():
        for structure, values in regions.items():
            fixed = corrected.metrics_json["case"][case][structure]
            assert fixed["dice"] == pytest.approx(values["dice"], rel=1e-6)
            assert fixed["hd"] <= values["hd"] + 1e-6 or fixed["hd"] == pytest.approx(values["hd"])
