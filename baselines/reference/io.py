"""Input discovery and output writing for baselines (the container contract's folders).

Inputs: nnU-Net style ``<dir>/<case>_<CCCC>.<ext>`` files, or one folder per case holding
``<case>_<CCCC>.<ext>`` or ``<CCCC>.<ext>``; when the platform's ``cases.json`` is present its
case list and file names are used. Readable extensions: .nii.gz, .nii, .mha, .nrrd.
Outputs are written into a temporary folder inside ``out_dir`` and moved into place per case,
so a failing case never leaves a half-written file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk

EXTS = (".nii.gz", ".nii", ".mha", ".nrrd")
_CH = re.compile(r"^(?P<case>.+)_(?P<ch>\d{4})$")


class BaselineInputError(ValueError):
    """Bad input folder: the message names the file/folder, what was expected and found."""


@dataclass
class CaseImages:
    """One case: channel id -> (z, y, x) float32 array, spacing (z, y, x) mm, geometry image."""

    case_id: str
    arrays: dict[str, np.ndarray]
    spacing: tuple[float, float, float]
    reference: sitk.Image

    def channel(self, ch: str) -> np.ndarray:
        """Array of channel ``ch``; BaselineInputError naming the case if it is missing."""
        if ch not in self.arrays:
            raise BaselineInputError(
                f"case {self.case_id}: channel {ch} missing; expected channels "
                f"{sorted(self.arrays) or 'none'} to include it"
            )
        return self.arrays[ch]


def _stem(p: Path) -> str | None:
    for ext in EXTS:
        if p.name.endswith(ext):
            return p.name[: -len(ext)]
    return None


def discover(inputs_dir: str | Path) -> dict[str, dict[str, Path]]:
    """Map case id -> {channel id: file} for an input folder (see module docstring)."""
    root = Path(inputs_dir)
    if not root.is_dir():
        raise BaselineInputError(f"input folder {root} does not exist or is not a folder")
    if (root / "cases.json").is_file():
        return _from_cases_json(root)
    cases: dict[str, dict[str, Path]] = {}
    for p in sorted(root.iterdir()):
        if p.is_dir():
            for f in sorted(p.iterdir()):
                stem = _stem(f)
                if stem is None:
                    continue
                m = _CH.match(stem)
                ch = m.group("ch") if m else (stem if re.fullmatch(r"\d{4}", stem) else None)
                if ch is not None:
                    cases.setdefault(p.name, {})[ch] = f
            continue
        stem = _stem(p)
        if stem is None:
            continue
        m = _CH.match(stem)
        if not m:
            raise BaselineInputError(
                f"input file {p.name}: expected nnU-Net naming <case>_<CCCC>{EXTS[0]}, "
                f"found no 4-digit channel suffix"
            )
        cases.setdefault(m.group("case"), {})[m.group("ch")] = p
    if not cases:
        raise BaselineInputError(
            f"input folder {root}: expected images named <case>_<CCCC>.nii.gz, found none"
        )
    return cases


def _from_cases_json(root: Path) -> dict[str, dict[str, Path]]:
    """Cases listed by the platform's ``cases.json`` ({"cases": [{"id", "files": {ch: name}}]})."""
    path = root / "cases.json"
    try:
        doc = json.loads(path.read_text())
        entries = doc["cases"]
        cases = {str(e["id"]): {str(ch): root / str(f) for ch, f in e["files"].items()} for e in entries}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BaselineInputError(
            f"{path}: expected {{\"cases\": [{{\"id\": ..., \"files\": {{channel: file}}}}]}}, "
            f"found unreadable content ({type(exc).__name__}: {exc})"
        )
    for case_id, files in cases.items():
        for ch, f in files.items():
            if not f.is_file():
                raise BaselineInputError(f"{path}: case {case_id} channel {ch} names {f.name}, which does not exist")
    return cases


def task_from_cases_json(inputs_dir: str | Path) -> str | None:
    """The ``task`` field of ``<inputs_dir>/cases.json`` if present."""
    path = Path(inputs_dir) / "cases.json"
    try:
        return json.loads(path.read_text()).get("task")
    except (OSError, ValueError, AttributeError):
        return None


def load_case(case_id: str, files: dict[str, Path]) -> CaseImages:
    """Read all channels of a case; they must share one grid (error names the file)."""
    arrays: dict[str, np.ndarray] = {}
    ref: sitk.Image | None = None
    for ch in sorted(files):
        try:
            img = sitk.ReadImage(str(files[ch]))
        except RuntimeError as exc:
            raise BaselineInputError(f"input file {files[ch]}: not a readable image ({exc})".strip())
        if img.GetDimension() != 3:
            raise BaselineInputError(
                f"input file {files[ch]}: expected a 3-D image, found {img.GetDimension()}-D"
            )
        if ref is None:
            ref = img
        elif img.GetSize() != ref.GetSize():
            raise BaselineInputError(
                f"input file {files[ch]}: size {img.GetSize()} differs from channel "
                f"{sorted(files)[0]}'s {ref.GetSize()}"
            )
        arrays[ch] = sitk.GetArrayFromImage(img).astype(np.float32)
    assert ref is not None
    spacing = tuple(float(s) for s in reversed(ref.GetSpacing()))
    return CaseImages(case_id, arrays, spacing, ref)  # type: ignore[arg-type]


def _image_like(array: np.ndarray, ref: sitk.Image) -> sitk.Image:
    img = sitk.GetImageFromArray(array)
    img.CopyInformation(ref)
    return img


class OutputWriter:
    """Writes predictions under ``out_dir`` atomically per file."""

    def __init__(self, out_dir: str | Path) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)

    def _atomic(self, final: Path, write) -> None:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=final.name, dir=final.parent)
        os.close(fd)
        try:
            write(Path(tmp))
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def label_map(self, case: CaseImages, array: np.ndarray, name: str | None = None) -> Path:
        """Write ``<out>/<case>.nii.gz`` (or ``<out>/<name>``) with the case's geometry."""
        final = self.out_dir / (name or f"{case.case_id}.nii.gz")
        img = _image_like(array, case.reference)
        self._atomic(final, lambda p: sitk.WriteImage(img, str(p), useCompression=True))
        return final

    def structures(self, case: CaseImages, masks: dict[str, np.ndarray]) -> Path:
        """Write ``<out>/<case>/<Structure>.nii.gz`` binary uint8 masks (SegRap layout)."""
        folder = self.out_dir / case.case_id
        tmp = Path(tempfile.mkdtemp(prefix=f".{case.case_id}.", dir=self.out_dir))
        try:
            for name, mask in masks.items():
                img = _image_like(mask.astype(np.uint8), case.reference)
                sitk.WriteImage(img, str(tmp / f"{name}.nii.gz"), useCompression=True)
            if folder.exists():
                shutil.rmtree(folder)
            tmp.rename(folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return folder

    def text(self, name: str, content: str) -> Path:
        """Write a small text file (e.g. COSMOS ``<case>.json``) atomically."""
        final = self.out_dir / name
        self._atomic(final, lambda p: p.write_text(content))
        return final
