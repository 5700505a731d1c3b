"""Label and channel handling between Arena task layouts and nnU-Net v2.

nnU-Net needs consecutive integer labels starting at 0 and one channel name per input (its
normalisation is chosen by name: "CT" gets CT normalisation, anything else a per-image
z-score). Conventions per task:

- kits21, amos22, kipa22: label values are already consecutive; unchanged.
- myops2020: 0/200/500/600/1220/2221 -> 0..5 for training, mapped back after inference.
- cosmos2022: 1 wall, 2 lumen; the slices that are not annotated (sidecar JSON) become nnU-Net's
  ``ignore`` label (3), so sparse annotations do not teach "background" on vessels.
- segrap2023_task1: the 45 per-structure masks -> the 54-atom map (1..54) for training; the atoms
  are turned back into the 45 structures after inference.
- segrap2023_task2: GTVp / GTVnd masks -> 1 / 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from baselines.phantoms.segrap_atlas import (
    ATOM_NAMES,
    GTVS,
    OARS,
    atoms_to_structures,
    structures_to_atoms,
)

MYOPS_VALUES = (0, 200, 500, 600, 1220, 2221)
#: fixed nnU-Net dataset ids of the Arena tasks
DATASET_IDS = {"kits21": 501, "amos22": 502, "kipa22": 503, "kipa22_corrected": 503, "myops2020": 504,
               "cosmos2022": 505, "segrap2023_task1": 506, "segrap2023_task2": 507}
_NAMES = {
    "kits21": ["kidney", "tumor", "cyst"],
    "kipa22": ["vein", "kidney", "artery", "tumor"],
    "myops2020": ["myocardium", "lv_blood_pool", "rv_blood_pool", "edema", "scar"],
    "cosmos2022": ["vessel_wall", "lumen"],
    "amos22": ["spleen", "right_kidney", "left_kidney", "gallbladder", "esophagus", "liver", "stomach",
               "aorta", "inferior_vena_cava", "pancreas", "right_adrenal_gland", "left_adrenal_gland",
               "duodenum", "bladder", "prostate_uterus"],
    "segrap2023_task1": [ATOM_NAMES[a] for a in range(1, 55)],
    "segrap2023_task2": list(GTVS),
}


def dataset_name(task: str) -> str:
    """nnU-Net dataset folder name, e.g. ``Dataset501_ArenaKits21``."""
    base = task.replace("_corrected", "")
    return f"Dataset{DATASET_IDS[task]:03d}_Arena{''.join(p.capitalize() for p in base.split('_'))}"


def nnunet_labels(task: str) -> dict[str, int]:
    """dataset.json ``labels`` for nnU-Net (consecutive values; cosmos adds ``ignore``)."""
    names = _NAMES[task.replace("_corrected", "")]
    out = {"background": 0, **{n: i + 1 for i, n in enumerate(names)}}
    if task == "cosmos2022":
        out["ignore"] = len(names) + 1
    return out


def nnunet_channels(task: str, channels: dict[str, str], cases: list[str] | None = None) -> dict[str, str]:
    """dataset.json ``channel_names`` ("0": name, ...): CT-like channels are named "CT" so
    nnU-Net uses CT normalisation; AMOS keeps z-score normalisation when MRI cases (ids >= 500)
    are in the training set and uses CT normalisation for a CT-only training set."""
    amos_ct_only = task == "amos22" and bool(cases) and all(int(c.rsplit("_", 1)[-1]) < 500 for c in cases)
    out = {}
    for ch, name in sorted(channels.items()):
        ct_like = amos_ct_only or (task != "amos22" and ("CT" in name.split() or name in ("CT", "CTA")))
        out[str(int(ch))] = "CT" if ct_like else name
    return out


def training_label(task: str, ref_dir: Path, case: str) -> sitk.Image:
    """The nnU-Net training label image of ``case`` built from the task's reference layout."""
    if task.startswith("segrap"):
        files = {p.name[: -len(".nii.gz")]: p for p in (ref_dir / case).glob("*.nii.gz")}
        names = OARS if task == "segrap2023_task1" else GTVS
        missing = [n for n in names if n not in files]
        if missing:
            raise ValueError(f"{ref_dir / case}: expected masks {', '.join(missing)}, not found")
        first = sitk.ReadImage(str(files[names[0]]))
        masks = {n: sitk.GetArrayFromImage(sitk.ReadImage(str(files[n]))) > 0 for n in names}
        if task == "segrap2023_task1":
            arr = structures_to_atoms(masks)
        else:
            arr = np.zeros(first.GetSize()[::-1], np.uint8)
            arr[masks["GTVnd"]] = 2
            arr[masks["GTVp"]] = 1
        img = sitk.GetImageFromArray(arr)
        img.CopyInformation(first)
        return img
    ref = sitk.ReadImage(str(ref_dir / f"{case}.nii.gz"))
    arr = sitk.GetArrayFromImage(ref)
    if task == "myops2020":
        lut = {v: i for i, v in enumerate(MYOPS_VALUES)}
        bad = set(np.unique(arr).tolist()) - set(lut)
        if bad:
            raise ValueError(f"{ref_dir / case}.nii.gz: label values {sorted(bad)} are not MyoPS values {MYOPS_VALUES}")
        out = np.zeros(arr.shape, np.uint8)
        for v, i in lut.items():
            out[arr == v] = i
        arr = out
    elif task == "cosmos2022":
        sidecar = json.loads((ref_dir / f"{case}.json").read_text())
        annotated = set(int(z) for z in sidecar["annotated_slices"])
        arr = arr.astype(np.uint8).copy()
        for z in range(arr.shape[0]):
            if z not in annotated:
                arr[z] = nnunet_labels(task)["ignore"]
    else:
        arr = arr.astype(np.uint8)
    img = sitk.GetImageFromArray(arr)
    img.CopyInformation(ref)
    return img


def from_nnunet(task: str, arr: np.ndarray, spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)):
    """Prediction in the task's layout from an nnU-Net label array (z, y, x; ``spacing`` in the
    same order, mm): a label map, a dict of structure masks (SegRap), or (label map, diagnosis)
    for COSMOS."""
    if task == "myops2020":
        return np.asarray(MYOPS_VALUES, np.uint16)[np.clip(arr, 0, len(MYOPS_VALUES) - 1)]
    if task == "segrap2023_task1":
        return atoms_to_structures(arr.astype(np.uint8), OARS)
    if task == "segrap2023_task2":
        return {"GTVp": (arr == 1).astype(np.uint8), "GTVnd": (arr == 2).astype(np.uint8)}
    if task == "cosmos2022":
        from baselines.nnunet.wall import diagnose

        out = np.where(arr > 2, 0, arr).astype(np.uint8)
        return out, diagnose(out, (spacing[1], spacing[2]))
    return arr.astype(np.uint8)
