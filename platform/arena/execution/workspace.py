"""Host-side folders of one job attempt: provisioned /input, size-capped /output.

Layout under ``<work>/jobs/<job id>/<attempt>/``: ``input/`` (the test cases in the contract
layout + ``cases.json``; read-only inside the container), ``output/`` (writable by the run uid;
a size-capped tmpfs when the worker may mount one), ``predictions/`` (the collected outputs
handed to scoring). References are never placed here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


class ProvisionError(Exception):
    """The phase's test set cannot be provisioned (organizer's problem, message says what)."""


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def input_dir(self) -> Path:
        return self.root / "input"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def predictions_dir(self) -> Path:
        return self.root / "predictions"


def _place(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)
    os.chmod(dest, 0o644)


def _header(path: Path) -> dict:
    import SimpleITK as sitk  # on first use: a worker that only imports images stays small

    reader = sitk.ImageFileReader()
    reader.SetFileName(str(path))
    reader.ReadImageInformation()
    return {"size": list(reader.GetSize()), "spacing": list(reader.GetSpacing()),
            "origin": list(reader.GetOrigin()), "direction": list(reader.GetDirection())}


def provision_inputs(
    workspace: Workspace, inputs_dir: Path, case_ids: list[str], channels: dict[str, str], task: str
) -> dict:
    """Fill ``workspace.input_dir`` with ``<case>_<CCCC>.nii.gz`` (hard links or copies) and
    ``cases.json`` = {"task", "channels", "cases": [{"id", "files": {channel: name}, "size",
    "spacing", "origin", "direction"}]}; return that document. Raises ProvisionError naming the
    missing file."""
    if workspace.input_dir.exists():
        shutil.rmtree(workspace.input_dir)
    workspace.input_dir.mkdir(parents=True)
    cases = []
    for case in case_ids:
        files = {}
        header: dict = {}
        for channel in sorted(channels):
            name = f"{case}_{channel}.nii.gz"
            src = inputs_dir / name
            if not src.is_file():
                raise ProvisionError(f"test image {src} is missing (case {case}, channel {channel})")
            _place(src, workspace.input_dir / name)
            files[channel] = name
            header = header or _header(src)
        extra = inputs_dir / f"{case}.json"
        if extra.is_file():  # non-image inputs of a case (none of the v1 tasks needs one yet)
            _place(extra, workspace.input_dir / extra.name)
        cases.append({"id": case, "files": files, **header})
    document = {"task": task, "channels": dict(channels), "cases": cases}
    (workspace.input_dir / "cases.json").write_text(json.dumps(document, indent=1))
    os.chmod(workspace.input_dir, 0o755)
    return document


def _parse_uid(user: str) -> tuple[int, int]:
    uid, _, gid = user.partition(":")
    return int(uid), int(gid or uid)


def prepare_output(workspace: Workspace, user: str, limit_mb: int) -> bool:
    """Create an empty ``output/`` owned by ``user`` ("uid:gid"). When running as root, mount a
    tmpfs of ``limit_mb`` there (hard size cap) and return True; otherwise the backend's
    polling size check is the cap and this returns False."""
    release_output(workspace)
    if workspace.output_dir.exists():
        shutil.rmtree(workspace.output_dir)
    workspace.output_dir.mkdir(parents=True)
    uid, gid = _parse_uid(user)
    mounted = False
    if os.geteuid() == 0 and shutil.which("mount"):
        options = f"size={limit_mb}m,uid={uid},gid={gid},mode=0755,nosuid,nodev"
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "arena-output", str(workspace.output_dir)],
            capture_output=True, text=True,
        )
        mounted = result.returncode == 0
        if not mounted:
            logger.warning("tmpfs for %s failed (%s); using the polling size check",
                           workspace.output_dir, result.stderr.strip())
    if not mounted:
        with contextlib.suppress(PermissionError):
            os.chown(workspace.output_dir, uid, gid)
        os.chmod(workspace.output_dir, 0o777 if os.geteuid() != 0 else 0o755)
    return mounted


def is_mounted(path: Path) -> bool:
    """True if ``path`` is a mount point."""
    return os.path.ismount(path)


def release_output(workspace: Workspace) -> None:
    """Unmount the output tmpfs if mounted (its content is lost: collect first)."""
    if is_mounted(workspace.output_dir):
        subprocess.run(["umount", "-l", str(workspace.output_dir)], capture_output=True)


def remove(workspace: Workspace, keep_predictions: bool = True) -> None:
    """Release the output mount and delete input/ and output/ (and predictions/ if asked)."""
    release_output(workspace)
    for folder in (workspace.input_dir, workspace.output_dir):
        shutil.rmtree(folder, ignore_errors=True)
    if not keep_predictions:
        shutil.rmtree(workspace.predictions_dir, ignore_errors=True)
