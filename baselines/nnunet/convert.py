"""Conversion of an Arena dataset folder (phantoms or a phase's training set) to nnU-Net v2's
raw format: ``<raw>/DatasetNNN_Name/{imagesTr,labelsTr,dataset.json}``.

Images keep their nnU-Net file names (``<case>_<CCCC>.nii.gz``); labels are rebuilt by
:func:`baselines.nnunet.labels.training_label` (consecutive values, SegRap atoms, COSMOS ignore).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import SimpleITK as sitk

from baselines.nnunet.labels import dataset_name, nnunet_channels, nnunet_labels, training_label


def read_meta(dataset_dir: Path) -> dict:
    """dataset.json of an Arena dataset folder (clear error when missing or incomplete)."""
    path = Path(dataset_dir) / "dataset.json"
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: expected an Arena dataset.json, could not read it ({exc})")
    for key in ("task", "channels", "cases"):
        if key not in meta:
            raise ValueError(f"{path}: expected key {key!r}, found keys {sorted(meta)}")
    return meta


def convert_dataset(dataset_dir: str | Path, raw_root: str | Path, task: str | None = None) -> str:
    """Write the nnU-Net raw dataset for ``dataset_dir`` under ``raw_root``; returns its name.

    ``task`` overrides dataset.json's task (e.g. ``kipa22_corrected`` on a kipa22 dataset).
    An existing converted dataset of the same name is replaced.
    """
    src = Path(dataset_dir)
    meta = read_meta(src)
    task = task or meta["task"]
    name = dataset_name(task)
    out = Path(raw_root) / name
    if out.exists():
        shutil.rmtree(out)
    (out / "imagesTr").mkdir(parents=True)
    (out / "labelsTr").mkdir()
    for case in meta["cases"]:
        for ch in sorted(meta["channels"]):
            f = src / "inputs" / f"{case}_{ch}.nii.gz"
            if not f.is_file():
                raise ValueError(f"{f}: expected the image of case {case} channel {ch}, not found")
            shutil.copyfile(f, out / "imagesTr" / f.name)
        label = training_label(task, src / "references", case)
        sitk.WriteImage(label, str(out / "labelsTr" / f"{case}.nii.gz"), useCompression=True)
    doc = {
        "channel_names": nnunet_channels(task, meta["channels"], meta["cases"]),
        "labels": nnunet_labels(task),
        "numTraining": len(meta["cases"]),
        "file_ending": ".nii.gz",
        "arena_task": task,
        "arena_channels": meta["channels"],
    }
    (out / "dataset.json").write_text(json.dumps(doc, indent=1))
    return name
