"""How a GPU job asks each engine for its GPUs, and how we know the worker can give them.

Docker Engine: ``device_requests`` with the worker's GPU ids (NVIDIA container toolkit).
Podman: ``device_requests`` is accepted and silently ignored, so GPUs are requested through
CDI device names (``nvidia.com/gpu=<id>``) in podman's own libpod API, after
``nvidia-ctk cdi generate``. A job that cannot get its GPU raises GpuUnavailable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from docker.types import DeviceRequest

from arena.execution.backends.base import GpuUnavailable

CDI_KIND = "nvidia.com/gpu"
CDI_SPEC_DIRS = (Path("/etc/cdi"), Path("/var/run/cdi"))


def docker_device_requests(gpu_ids: tuple[str, ...]) -> list[DeviceRequest]:
    """Docker's request for exactly the worker's GPUs (never ``count=-1``: all GPUs)."""
    if not gpu_ids:
        raise GpuUnavailable(
            "the phase needs a GPU but this worker has none assigned (ARENA_GPU_IDS is empty)"
        )
    return [DeviceRequest(driver="nvidia", device_ids=list(gpu_ids), capabilities=[["gpu"]])]


def check_docker_gpu_runtime(info: dict) -> None:
    """Raise GpuUnavailable unless Docker reports the NVIDIA runtime (container toolkit)."""
    runtimes = info.get("Runtimes") or {}
    if "nvidia" not in runtimes:
        raise GpuUnavailable(
            "the phase needs a GPU but this worker's Docker engine has no 'nvidia' runtime; "
            "install the NVIDIA container toolkit (nvidia-ctk runtime configure --runtime=docker)"
        )


def cdi_device_names(gpu_ids: tuple[str, ...]) -> list[str]:
    """CDI names for podman: ``["nvidia.com/gpu=0", ...]``."""
    if not gpu_ids:
        raise GpuUnavailable(
            "the phase needs a GPU but this worker has none assigned (ARENA_GPU_IDS is empty)"
        )
    return [f"{CDI_KIND}={gpu_id}" for gpu_id in gpu_ids]


def declared_cdi_devices(spec_dirs: Iterable[Path] | None = None) -> set[str]:
    """Names of the nvidia.com/gpu devices declared by the CDI spec files (yaml or json) in
    ``spec_dirs`` (default: /etc/cdi and /var/run/cdi)."""
    names: set[str] = set()
    spec_dirs = CDI_SPEC_DIRS if spec_dirs is None else spec_dirs
    for folder in spec_dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".yaml", ".yml", ".json"):
                continue
            text = path.read_text(errors="replace")
            if CDI_KIND not in text:
                continue
            # `- name: "0"` (yaml) or {"name": "0"} (json) entries of the devices list
            names.update(re.findall(r"""["']?name["']?\s*:\s*["']?([\w.:-]+)["']?""", text))
    return names


def check_cdi_devices(gpu_ids: tuple[str, ...], spec_dirs: Iterable[Path] | None = None) -> list[str]:
    """CDI names of the worker's GPUs; GpuUnavailable if a spec does not declare them."""
    spec_dirs = tuple(CDI_SPEC_DIRS if spec_dirs is None else spec_dirs)
    wanted = cdi_device_names(gpu_ids)
    declared = declared_cdi_devices(spec_dirs)
    missing = [gpu_id for gpu_id in gpu_ids if gpu_id not in declared]
    if missing:
        where = " or ".join(str(d) for d in spec_dirs)
        raise GpuUnavailable(
            f"the phase needs a GPU but podman has no CDI device {CDI_KIND}={missing[0]} "
            f"(no spec in {where}); run 'nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml'"
        )
    return wanted
