"""Demo prediction folders and archives: the reference baseline's output and perturbed copies
of the references (eroded / dilated by one voxel), packed as the zip a participant uploads."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import SimpleITK as sitk

_IMAGE_SUFFIXES = (".nii.gz", ".nii", ".mha", ".nrrd")


class DemoDataError(RuntimeError):
    """The demo data could not be produced; the message says which step and why."""


def _is_image(path: Path) -> bool:
    return path.name.lower().endswith(_IMAGE_SUFFIXES)


def _perturb_image(src: Path, dst: Path, variant: str) -> None:
    image = sitk.ReadImage(str(src))
    if variant == "eroded":
        out = sitk.GrayscaleErode(image, [1, 1, 1])
    elif variant == "dilated":
        out = sitk.GrayscaleDilate(image, [1, 1, 1])
    else:
        raise DemoDataError(f"unknown perturbation {variant!r}; expected 'eroded' or 'dilated'")
    out.CopyInformation(image)
    dst.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(out, str(dst), useCompression=True, compressionLevel=1)


def _perturb_sidecar(src: Path, dst: Path, variant: str) -> None:
    """A prediction sidecar (``{"diagnosis": {...}}``) from a reference one; the eroded
    variant gets its first diagnosis flipped so the diagnosis metric differs too."""
    data = json.loads(src.read_text())
    diagnosis = {str(k): int(v) for k, v in (data.get("diagnosis") or {}).items()}
    if variant == "eroded" and diagnosis:
        first = sorted(diagnosis)[0]
        diagnosis[first] = 1 - diagnosis[first]
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps({"diagnosis": diagnosis}))


def perturbed_references(references: Path, out_dir: Path, variant: str) -> Path:
    """Copy the reference tree to ``out_dir`` with every image eroded or dilated by one voxel
    (same layout, geometry and pixel type). Written to a temporary sibling, then renamed."""
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for src in sorted(p for p in references.rglob("*") if p.is_file()):
        dst = tmp / src.relative_to(references)
        if _is_image(src):
            _perturb_image(src, dst, variant)
        elif src.suffix == ".json":
            _perturb_sidecar(src, dst, variant)
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return out_dir


def baseline_predictions(task: str, inputs: Path, out_dir: Path, *, timeout: int = 300) -> Path:
    """Run the non-learned reference baseline (``python -m baselines.reference predict``) on
    ``inputs``; raises DemoDataError with its last output lines when it fails."""
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    repo_root = Path(__file__).resolve().parents[3]
    cmd = [sys.executable, "-m", "baselines.reference", "predict", "--task", task,
           "--inputs", str(inputs), "--out", str(tmp)]
    try:
        proc = subprocess.run(cmd, cwd=repo_root, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise DemoDataError(f"baselines.reference predict --task {task} ran over {timeout} s")
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise DemoDataError(f"baselines.reference predict --task {task} failed: {tail}")
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return out_dir


def zip_folder(folder: Path, archive: Path) -> Path:
    """Zip every file under ``folder`` (paths relative to it), as a participant would."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    tmp = archive.with_name(archive.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            zf.write(path, arcname=path.relative_to(folder).as_posix())
    tmp.replace(archive)
    return archive
