"""nnU-Net raw-format conversion and label mapping (no torch needed)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import SimpleITK as sitk

from baselines.nnunet.convert import convert_dataset
from baselines.nnunet.labels import MYOPS_VALUES, dataset_name, from_nnunet, nnunet_labels


@pytest.mark.parametrize("task", ["kits21", "myops2020", "cosmos2022", "segrap2023_task1", "segrap2023_task2", "amos22"])
def test_convert_writes_nnunet_raw_dataset(task, phantom_dataset, tmp_path):
    root = phantom_dataset(task)
    meta = json.loads((root / "dataset.json").read_text())
    name = convert_dataset(root, tmp_path)
    assert name == dataset_name(task) and name.startswith("Dataset5")
    out = tmp_path / name
    doc = json.loads((out / "dataset.json").read_text())
    assert doc["numTraining"] == len(meta["cases"]) and doc["file_ending"] == ".nii.gz"
    assert list(doc["channel_names"]) == [str(i) for i in range(len(meta["channels"]))]
    values = sorted(doc["labels"].values())
    assert values == list(range(len(values)))  # consecutive, as nnU-Net requires
    assert len(list((out / "imagesTr").iterdir())) == len(meta["cases"]) * len(meta["channels"])
    for case in meta["cases"]:
        lab = sitk.GetArrayFromImage(sitk.ReadImage(str(out / "labelsTr" / f"{case}.nii.gz")))
        img = sitk.ReadImage(str(out / "imagesTr" / f"{case}_0000.nii.gz"))
        assert lab.shape == sitk.GetArrayFromImage(img).shape
        assert set(np.unique(lab).tolist()) <= set(values)
    if task == "cosmos2022":
        assert doc["labels"]["ignore"] == 3
        side = json.loads((root / "references" / f"{meta['cases'][0]}.json").read_text())
        lab = sitk.GetArrayFromImage(sitk.ReadImage(str(out / "labelsTr" / f"{meta['cases'][0]}.nii.gz")))
        not_annotated = [z for z in range(lab.shape[0]) if z not in side["annotated_slices"]]
        assert all((lab[z] == 3).all() for z in not_annotated)
    if task.startswith("segrap") or task in ("kits21", "amos22"):
        assert doc["channel_names"]["0"] == ("CT" if task != "amos22" else "CT or MRI")


def test_label_round_trips(phantom_dataset, tmp_path):
    # MyoPS: consecutive training labels map back to the official values
    arr = np.arange(6, dtype=np.uint8).reshape(1, 2, 3)
    assert from_nnunet("myops2020", arr).ravel().tolist() == list(MYOPS_VALUES)
    # SegRap task 1: the converted atom map gives back the reference structures
    root = phantom_dataset("segrap2023_task1")
    name = convert_dataset(root, tmp_path)
    case = json.loads((root / "dataset.json").read_text())["cases"][0]
    atoms = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / name / "labelsTr" / f"{case}.nii.gz")))
    masks = from_nnunet("segrap2023_task1", atoms)
    assert len(masks) == 45
    for s in ("Brain", "Larynx", "PharynxConst", "Lens_L"):
        ref = sitk.GetArrayFromImage(sitk.ReadImage(str(root / "references" / case / f"{s}.nii.gz")))
        assert np.array_equal(masks[s], ref), s
    assert nnunet_labels("segrap2023_task1")["background"] == 0 and len(nnunet_labels("segrap2023_task1")) == 55


def test_convert_reports_missing_files(phantom_dataset, tmp_path):
    with pytest.raises(ValueError, match="dataset.json: expected an Arena dataset.json"):
        convert_dataset(tmp_path / "nothing", tmp_path / "raw")
