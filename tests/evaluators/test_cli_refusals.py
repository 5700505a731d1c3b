"""The CLI refuses what is clearly a mistake (exit 2, one clear message, nothing written):
no file matching a reference case, an unreadable or truncated image, missing cases under
--strict; missing cases otherwise warn on stderr. CSV cells a spreadsheet would run as a formula
are neutralised, numbers are not."""

import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from evaluators_testutil import write_labels

from evaluators.report import spreadsheet_safe

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evaluators", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    ref = np.zeros((8, 24, 24), np.uint8)
    ref[2:6, 6:16, 6:16] = 1
    ref[3:5, 8:11, 8:11] = 2
    for case in ("case_a", "case_b"):
        write_labels(tmp_path / "ref" / f"{case}.nii.gz", ref, (0.8, 0.8, 2.5))
    write_labels(tmp_path / "pred" / "case_a.nii.gz", ref, (0.8, 0.8, 2.5))
    return tmp_path / "pred", tmp_path / "ref"


def _score(pred: Path, ref: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return cli("score", "--task", "kits21", "--pred", str(pred), "--ref", str(ref),
               "--out", str(out), "--quiet", *extra)


def _refused(run: subprocess.CompletedProcess, out: Path, *words: str) -> None:
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    for word in words:
        assert word in run.stderr, run.stderr
    assert not (out / "metrics.json").exists() and not (out / "cases.csv").exists()


def test_no_matching_file_exits_2(tmp_path):
    pred, ref = _folders(tmp_path)
    (pred / "case_a.nii.gz").rename(pred / "prediction_1.nii.gz")
    run = _score(pred, ref, tmp_path / "out")
    _refused(run, tmp_path / "out", "no file matches a reference case", "prediction_1.nii.gz")


def test_empty_folder_exits_2(tmp_path):
    pred, ref = _folders(tmp_path)
    (pred / "case_a.nii.gz").unlink()
    _refused(_score(pred, ref, tmp_path / "out"), tmp_path / "out", "found nothing")


def test_entry_that_is_not_an_image_exits_2(tmp_path):
    pred, ref = _folders(tmp_path)
    (pred / "case_a.nii.gz").write_text("these are my notes, not an image")
    _refused(_score(pred, ref, tmp_path / "out"), tmp_path / "out",
             "case case_a", "cannot be read as an image")


def test_truncated_nifti_gz_exits_2(tmp_path):
    pred, ref = _folders(tmp_path)
    data = (pred / "case_a.nii.gz").read_bytes()
    (pred / "case_a.nii.gz").write_bytes(data[: len(data) // 2])
    _refused(_score(pred, ref, tmp_path / "out"), tmp_path / "out", "case_a.nii.gz", "truncated")


def test_missing_case_warns_and_strict_refuses(tmp_path):
    pred, ref = _folders(tmp_path)
    run = _score(pred, ref, tmp_path / "out")
    assert run.returncode == 0, run.stderr
    assert "warning: 1 reference case(s) have no prediction" in run.stderr
    assert "case_b" in run.stderr
    notes = {r["note"] for r in csv.DictReader(open(tmp_path / "out" / "cases.csv"))
             if r["case"] == "case_b"}
    assert notes == {"missing_prediction"}
    strict = _score(pred, ref, tmp_path / "strict", "--strict")
    _refused(strict, tmp_path / "strict", "have no prediction: case_b", "--strict")


def test_complete_folder_has_no_warning(tmp_path):
    pred, ref = _folders(tmp_path)
    (pred / "case_b.nii.gz").write_bytes((pred / "case_a.nii.gz").read_bytes())
    run = _score(pred, ref, tmp_path / "out", "--strict")
    assert run.returncode == 0 and "warning" not in run.stderr, run.stderr
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["missing_cases"] == []


@pytest.mark.parametrize("cell,expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("-0.25", "-0.25"),  # a negative number written as text stays a number
    ("+3", "+3"),
    ("-1e-05", "-1e-05"),
    ("alice", "alice"),
    ("a=b", "a=b"),
    ("", ""),
    (-0.5, -0.5),
    (3, 3),
])
def test_spreadsheet_safe(cell, expected):
    assert spreadsheet_safe(cell) == expected


def test_rank_csv_neutralises_formula_names(tmp_path):
    pred, ref = _folders(tmp_path)
    (pred / "case_b.nii.gz").write_bytes((pred / "case_a.nii.gz").read_bytes())
    assert _score(pred, ref, tmp_path / "s").returncode == 0
    run = cli("rank", "--task", "kits21", "--out", str(tmp_path / "rank.csv"), "--",
              f"@evil={tmp_path / 's'}", f"-5={tmp_path / 's'}", f"+x={tmp_path / 's'}")
    assert run.returncode == 0, run.stderr
    names = [row["name"] for row in csv.DictReader(open(tmp_path / "rank.csv"))]
    assert sorted(names) == ["'+x", "'@evil", "-5"]  # -5 reads as a number: left alone


def test_cases_csv_neutralises_text_cells(tmp_path):
    from evaluators.report import cases_csv_text
    from evaluators.scoring import CaseRow

    class Result:
        rows = [CaseRow("=cmd()", "kidney", "dice", -0.5, "+note")]

    lines = cases_csv_text(Result()).splitlines()
    assert lines[1] == "'=cmd(),kidney,dice,-0.5,'+note"


def test_gzip_member_concatenation_is_one_valid_stream(tmp_path):
    from evaluators.headers import check_gzip_stream

    pred, _ = _folders(tmp_path)
    raw = gzip.decompress((pred / "case_a.nii.gz").read_bytes())
    two = gzip.compress(raw[:1000]) + gzip.compress(raw[1000:]) + b"\0" * 8
    (tmp_path / "two.nii.gz").write_bytes(two)
    assert check_gzip_stream(tmp_path / "two.nii.gz") == len(raw)
