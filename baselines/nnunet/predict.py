"""Inference with an exported nnU-Net baseline (see :mod:`baselines.nnunet.train`).

Reads the container contract's inputs (``<case>_<CCCC>.nii.gz`` files or ``cases.json``), runs
nnU-Net's predictor on the exported model and writes the task's prediction layout with the
task's original label values (MyoPS values, SegRap per-structure folders, COSMOS ``<case>.json``
diagnosis).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from baselines.nnunet.labels import from_nnunet
from baselines.reference.io import BaselineInputError, CaseImages, OutputWriter, discover


def load_model_info(model_dir: str | Path) -> dict:
    """``arena_model.json`` of an exported model (clear error when it is not one)."""
    path = Path(model_dir) / "arena_model.json"
    if not path.is_file():
        raise BaselineInputError(f"{model_dir}: expected an exported nnU-Net model (arena_model.json), not found")
    return json.loads(path.read_text())


def predict_folder(model_dir: str | Path, inputs_dir: str | Path, out_dir: str | Path,
                   device: str = "cpu") -> list[str]:
    """Predict every case of ``inputs_dir`` into ``out_dir``; returns the case ids written."""
    import torch
    from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor

    info = load_model_info(model_dir)
    task = info["task"]
    channels = sorted(info["channels"])
    cases = discover(inputs_dir)
    lists, ids = [], []
    for case_id, files in sorted(cases.items()):
        missing = [ch for ch in channels if ch not in files]
        if missing:
            raise BaselineInputError(
                f"case {case_id}: expected channels {channels}, missing {missing} in {inputs_dir}")
        lists.append([str(files[ch]) for ch in channels])
        ids.append(case_id)
    if device == "cpu":
        torch.set_num_threads(max(1, os.cpu_count() or 1))
    predictor = nnUNetPredictor(tile_step_size=0.5, use_gaussian=True, use_mirroring=False,
                                perform_everything_on_device=device != "cpu",
                                device=torch.device(device), verbose=False, allow_tqdm=False)
    predictor.initialize_from_trained_model_folder(str(Path(model_dir) / "nnunet"), use_folds=("all",),
                                                   checkpoint_name="checkpoint_final.pth")
    writer = OutputWriter(out_dir)
    with tempfile.TemporaryDirectory(prefix="nnunet-pred-") as tmp:
        # sequential: no worker processes (the sandbox has tight pids limits and no /dev/shm use)
        predictor.predict_from_files_sequential(lists, [str(Path(tmp) / c) for c in ids],
                                                save_probabilities=False, overwrite=True)
        for case_id, files in zip(ids, lists, strict=True):
            raw = sitk.ReadImage(str(Path(tmp) / f"{case_id}.nii.gz"))
            ref = sitk.ReadImage(files[0])
            arr = sitk.GetArrayFromImage(raw)
            spacing = tuple(float(s) for s in reversed(ref.GetSpacing()))
            case = CaseImages(case_id, {}, spacing, ref)  # type: ignore[arg-type]
            result = from_nnunet(task, arr, spacing)
            if isinstance(result, dict):
                writer.structures(case, result)
            elif isinstance(result, tuple):
                writer.label_map(case, result[0])
                writer.text(f"{case_id}.json", json.dumps({"diagnosis": result[1]}))
            else:
                writer.label_map(case, np.ascontiguousarray(result))
    return ids
