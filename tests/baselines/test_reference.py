"""Reference baselines: every task beats an empty prediction when scored by the evaluators."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

import evaluators
from baselines.reference import TASKS, BaselineInputError, predict_folder

REPO = Path(__file__).resolve().parents[2]
#: the leaderboard score compared with the empty prediction, and the margin it must beat it by
PRIMARY = {
    "kits21": ("mean_dice", 0.3), "amos22": ("mean_dice", 0.15), "kipa22": ("Kidney/dice", 0.5),
    "kipa22_corrected": ("Artery/dice", 0.3), "myops2020": ("edema_and_scar/dice", 0.3),
    "cosmos2022": ("vessel_dice", 0.4), "segrap2023_task1": ("mean_dice", 0.3),
    "segrap2023_task2": ("mean_dice", 0.2),
}


def _empty_prediction(task: str, root: Path, out: Path) -> None:
    """All-background prediction in the task's layout."""
    out.mkdir(parents=True)
    refs = root / "references"
    for case in json.loads((root / "dataset.json").read_text())["cases"]:
        if task.startswith("segrap"):
            for f in (refs / case).iterdir():
                img = sitk.ReadImage(str(f))
                empty = sitk.GetImageFromArray(np.zeros(sitk.GetArrayFromImage(img).shape, np.uint8))
                empty.CopyInformation(img)
                (out / case).mkdir(exist_ok=True)
                sitk.WriteImage(empty, str(out / case / f.name))
        else:
            img = sitk.ReadImage(str(refs / f"{case}.nii.gz"))
            empty = sitk.GetImageFromArray(np.zeros_like(sitk.GetArrayFromImage(img)))
            empty.CopyInformation(img)
            sitk.WriteImage(empty, str(out / f"{case}.nii.gz"))


@pytest.mark.parametrize("task", TASKS)
def test_reference_beats_empty_prediction(task, phantom_dataset, tmp_path):
    root = phantom_dataset(task.replace("_corrected", ""))
    pred = tmp_path / "pred"
    done = predict_folder(task, root / "inputs", pred)
    assert done == json.loads((root / "dataset.json").read_text())["cases"]
    assert evaluators.validate_folder(task, pred, root / "references") == []
    ours = evaluators.score_folder(task, pred, root / "references").metrics_json
    _empty_prediction(task, root, tmp_path / "empty")
    empty = evaluators.score_folder(task, tmp_path / "empty", root / "references").metrics_json
    key, margin = PRIMARY[task]
    assert ours["ranking_scores"][key] >= empty["ranking_scores"][key] + margin, (
        task, ours["ranking_scores"], empty["ranking_scores"])
    assert ours["missing_cases"] == []
    if task == "cosmos2022":
        for case in done:
            doc = json.loads((pred / f"{case}.json").read_text())
            assert set(doc["diagnosis"].values()) <= {0, 1}


def test_container_mode_reads_cases_json(phantom_dataset, tmp_path):
    root = phantom_dataset("kits21")
    inp = tmp_path / "input"
    inp.mkdir()
    cases = []
    for f in sorted((root / "inputs").iterdir()):
        shutil.copy(f, inp / f.name)
        cases.append({"id": f.name[:-12], "files": {"0000": f.name}})
    (inp / "cases.json").write_text(json.dumps({"task": "kits21", "channels": {"0000": "CT"}, "cases": cases}))
    out = tmp_path / "output"
    out.mkdir()
    run = subprocess.run([sys.executable, "-m", "baselines.reference", "container"], cwd=REPO,
                         env={"PATH": "/usr/bin:/bin", "ARENA_INPUT": str(inp), "ARENA_OUTPUT": str(out)},
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"{c['id']}.nii.gz" for c in cases]


def test_bad_inputs_are_clear_errors(tmp_path):
    with pytest.raises(BaselineInputError, match="does not exist"):
        predict_folder("kits21", tmp_path / "missing", tmp_path / "out")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "case1.nii.gz").write_bytes(b"not an image")
    with pytest.raises(BaselineInputError, match="case1.nii.gz: expected nnU-Net naming"):
        predict_folder("kits21", tmp_path / "in", tmp_path / "out")
    (tmp_path / "in" / "case1.nii.gz").rename(tmp_path / "in" / "case1_0000.nii.gz")
    with pytest.raises(BaselineInputError, match="case1_0000.nii.gz: not a readable image"):
        predict_folder("kits21", tmp_path / "in", tmp_path / "out")
    assert not any((tmp_path / "out").glob("*.nii.gz"))
    run = subprocess.run([sys.executable, "-m", "baselines.reference", "predict", "--task", "kits21",
                          "--inputs", str(tmp_path / "in"), "--out", str(tmp_path / "o2")],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr and "not a readable image" in run.stderr
