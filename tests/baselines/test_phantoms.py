"""Phantom generators: layout, label values, channels, spacing, determinism, structure sizes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

import evaluators
from baselines.phantoms import TASKS, generate_cases, generate_dataset, task_module
from baselines.phantoms.segrap_atlas import (
    GTVS,
    OAR_ATOMS,
    OARS,
    atoms_to_structures,
    structures_to_atoms,
)

REPO = Path(__file__).resolve().parents[2]
LABEL_MAP_TASKS = ("kits21", "amos22", "kipa22", "myops2020", "cosmos2022")


def _read(path: Path) -> tuple[np.ndarray, sitk.Image]:
    img = sitk.ReadImage(str(path))
    return sitk.GetArrayFromImage(img), img


@pytest.mark.parametrize("task", TASKS)
def test_dataset_layout_channels_and_spacing(task, phantom_dataset):
    root = phantom_dataset(task)
    meta = json.loads((root / "dataset.json").read_text())
    mod = task_module(task)
    spec = evaluators.get_task(task)
    assert meta["task"] == task and meta["preset"] == "small" and meta["seed"] == 0
    assert meta["channels"] == spec.input_channels
    assert len(meta["cases"]) == 3
    for case in meta["cases"]:
        files = sorted((root / "inputs").glob(f"{case}_*.nii.gz"))
        assert [f.name[len(case) + 1: len(case) + 5] for f in files] == sorted(meta["channels"])
        shapes = set()
        for f in files:
            arr, img = _read(f)
            shapes.add(arr.shape)
            geom = mod.GEOMETRY["small"]
            if task == "amos22":
                geom = geom["mri" if int(case[-4:]) >= 500 else "ct"]
            assert arr.shape == geom[0]
            assert np.allclose(img.GetSpacing(), tuple(reversed(geom[1])))
        assert len(shapes) == 1
    # the references are a valid, perfect prediction of themselves
    assert evaluators.validate_folder(task, root / "references", root / "references") == []


@pytest.mark.parametrize("task", LABEL_MAP_TASKS)
def test_label_values_match_the_task(task, phantom_dataset):
    root = phantom_dataset(task)
    allowed = {0, *evaluators.get_task(task).label_map}
    seen: set[int] = set()
    for f in sorted((root / "references").glob("*.nii.gz")):
        arr, _ = _read(f)
        values = set(np.unique(arr).tolist())
        assert values <= allowed, f"{f.name}: {values - allowed}"
        seen |= values
    assert seen == allowed, f"labels never generated: {allowed - seen}"


def test_myops_channels_and_official_values(phantom_dataset):
    root = phantom_dataset("myops2020")
    meta = json.loads((root / "dataset.json").read_text())
    assert meta["channels"] == {"0000": "C0", "0001": "DE", "0002": "T2"}
    arr, img = _read(root / "references" / f"{meta['cases'][0]}.nii.gz")
    assert set(np.unique(arr).tolist()) <= {0, 200, 500, 600, 1220, 2221}
    assert 3 <= arr.shape[0] <= 6 and img.GetSpacing()[2] >= 8.0  # short-axis stack
    # scar is bright on LGE, edema bright on T2 (the contrasts the task relies on)
    de, _ = _read(root / "inputs" / f"{meta['cases'][0]}_0001.nii.gz")
    t2, _ = _read(root / "inputs" / f"{meta['cases'][0]}_0002.nii.gz")
    assert de[arr == 2221].mean() > 3 * de[arr == 200].mean()
    assert t2[arr == 1220].mean() > 1.5 * t2[arr == 200].mean()


def test_amos_ct_and_mri_case_ids(phantom_dataset):
    root = phantom_dataset("amos22", n_cases=4)
    cases = json.loads((root / "dataset.json").read_text())["cases"]
    assert cases == ["amos_0001", "amos_0002", "amos_0501", "amos_0502"]
    for case in cases:
        img, _ = _read(root / "inputs" / f"{case}_0000.nii.gz")
        if int(case[-4:]) < 500:
            assert img.min() <= -900 and img.dtype == np.int16  # CT in HU with air
        else:
            assert img.min() >= 0 and img.dtype == np.float32  # MR magnitude


def test_cosmos_annotations_only_on_listed_slices(phantom_dataset):
    root = phantom_dataset("cosmos2022")
    for sidecar in sorted((root / "references").glob("*.json")):
        doc = json.loads(sidecar.read_text())
        arr, _ = _read(root / "references" / f"{sidecar.stem}.nii.gz")
        annotated = doc["annotated_slices"]
        labelled = sorted(np.nonzero(arr.any(axis=(1, 2)))[0].tolist())
        assert labelled == annotated and len(annotated) >= 4
        assert set(doc["diagnosis"]) == {str(z) for z in annotated}
        assert set(doc["diagnosis"].values()) <= {0, 1}
        lumen_mm2 = [(arr[z] == 2).sum() * 0.64 for z in annotated]
        assert 15 < np.median(lumen_mm2) < 200  # two carotids, a few mm across each


def test_segrap_reference_folders(phantom_dataset):
    for task, names in (("segrap2023_task1", OARS), ("segrap2023_task2", GTVS)):
        root = phantom_dataset(task)
        for case in json.loads((root / "dataset.json").read_text())["cases"]:
            files = sorted(p.stem.replace(".nii", "") for p in (root / "references" / case).iterdir())
            assert files == sorted(names)
            for name in names:
                arr, _ = _read(root / "references" / case / f"{name}.nii.gz")
                assert arr.dtype == np.uint8 and set(np.unique(arr).tolist()) == {0, 1}, name


def test_segrap_atoms_round_trip():
    case = next(generate_cases("segrap2023_task1", n_cases=1))
    atoms = case.extra["atoms"]
    assert set(np.unique(atoms).tolist()) - {0} <= set(range(1, 55))
    masks = atoms_to_structures(atoms)
    assert all(m.any() for m in masks.values()), [n for n, m in masks.items() if not m.any()]
    assert np.array_equal(structures_to_atoms(masks), atoms)
    # overlaps are shared atoms: hippocampus and temporal lobe meet in atom 6
    assert (masks["Hippocampus_L"] & masks["TemporalLobe_L"]).any()
    assert set(OAR_ATOMS["Larynx"]) & set(OAR_ATOMS["PharynxConst"]) == {51}


def _volumes_ml(task: str, case) -> dict[str, float]:
    vox = float(np.prod(case.grid.spacing)) / 1000.0
    lab = case.labels
    if task == "kits21":
        return {"kidney_and_mass": (lab > 0).sum() * vox, "tumor": (lab == 2).sum() * vox,
                "cyst": (lab == 3).sum() * vox}
    if task == "amos22":
        from baselines.phantoms.abdomen import AMOS_LABELS
        return {k: (lab == v).sum() * vox for k, v in AMOS_LABELS.items()}
    if task == "kipa22":
        return {"renal_vein": (lab == 1).sum() * vox, "kidney": (lab == 2).sum() * vox,
                "renal_artery": (lab == 3).sum() * vox, "tumor": (lab == 4).sum() * vox}
    if task == "myops2020":
        return {"lv_blood_pool": (lab == 500).sum() * vox, "rv_blood_pool": (lab == 600).sum() * vox,
                "myocardium_all": np.isin(lab, (200, 1220, 2221)).sum() * vox,
                "scar": (lab == 2221).sum() * vox, "edema_and_scar": np.isin(lab, (1220, 2221)).sum() * vox}
    if task.startswith("segrap"):
        out = {k: float(v.sum()) * vox for k, v in atoms_to_structures(case.extra["atoms"]).items()}
        out["GTVp"] = (case.extra["gtv"] == 1).sum() * vox
        out["GTVnd"] = (case.extra["gtv"] == 2).sum() * vox
        return out
    raise AssertionError(task)


@pytest.mark.parametrize("task", ["kits21", "amos22", "kipa22", "myops2020", "segrap2023_task1"])
def test_structure_sizes_within_spec(task):
    spec = task_module(task).SIZE_SPEC_ML
    for case in generate_cases(task, n_cases=4, seed=3):
        vols = _volumes_ml(task, case)
        for name, (lo, hi) in spec.items():
            assert lo <= vols[name] <= hi, f"{case.case_id} {name}: {vols[name]:.2f} ml not in [{lo}, {hi}]"


@pytest.mark.parametrize("task", TASKS)
def test_deterministic_by_seed_and_fast(task):
    t0 = time.perf_counter()
    a = list(generate_cases(task, n_cases=2, seed=7))
    per_case = (time.perf_counter() - t0) / 2
    b = list(generate_cases(task, n_cases=1, seed=7))  # case 0 independent of n_cases
    c = list(generate_cases(task, n_cases=1, seed=8))
    assert np.array_equal(a[0].labels, b[0].labels)
    for ch in a[0].images:
        assert np.array_equal(a[0].images[ch], b[0].images[ch])
    assert not np.array_equal(a[0].images["0000"], c[0].images["0000"])
    assert not np.array_equal(a[0].images["0000"], a[1].images["0000"])
    assert per_case < 1.0, f"{task}: {per_case:.2f} s per small case"


def test_bad_arguments_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown task 'nope'; expected one of kits21"):
        generate_dataset("nope", tmp_path / "x")
    with pytest.raises(ValueError, match="unknown preset 'huge'"):
        generate_dataset("kits21", tmp_path / "x", preset="huge")
    with pytest.raises(ValueError, match="n_cases must be a positive integer"):
        generate_dataset("kits21", tmp_path / "x", n_cases=0)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError, match="is not empty"):
        generate_dataset("kits21", tmp_path / "full", n_cases=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]  # nothing half-written


def test_cli_generate_and_error(tmp_path):
    out = tmp_path / "ds"
    run = subprocess.run(
        [sys.executable, "-m", "baselines.phantoms", "generate", "--task", "kipa22", "--cases", "2",
         "--seed", "1", "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads((out / "dataset.json").read_text())["cases"] == ["kipa_0000", "kipa_0001"]
    again = subprocess.run(
        [sys.executable, "-m", "baselines.phantoms", "generate", "--task", "kipa22", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and again.stderr.startswith("error: output folder") and "Traceback" not in again.stderr


@pytest.mark.slow
@pytest.mark.parametrize("task", ["kits21", "myops2020"])
def test_full_preset_has_realistic_geometry(task):
    case = next(generate_cases(task, preset="full", n_cases=1))
    shape, spacing = task_module(task).GEOMETRY["full"]
    assert case.labels.shape == shape and case.grid.spacing == spacing
    vols = _volumes_ml(task, case)
    for name, (lo, hi) in task_module(task).SIZE_SPEC_ML.items():
        assert lo <= vols[name] <= hi, f"full {task} {name}: {vols[name]:.1f} ml"
