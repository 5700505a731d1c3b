"""The sandbox of every algorithm run, as Docker-API create arguments and as a libpod spec.

Both forms express the same policy: no network, the phase's uid (never root), read-only root
filesystem with a tmpfs /tmp, all capabilities dropped, no-new-privileges, memory = memory +
swap, CPU and pids limits, /input read-only, /output writable, labels with job id and attempt.
"""

from __future__ import annotations

from typing import Any

from arena.execution.backends.base import RunSpec


def _tmpfs_options(spec: RunSpec) -> str:
    return f"rw,nosuid,nodev,size={spec.tmp_mb}m,mode=1777"


def docker_create_kwargs(spec: RunSpec) -> dict[str, Any]:
    """Keyword arguments of ``client.containers.create`` for ``spec`` (Docker and Podman)."""
    memory = f"{spec.memory_mb}m"
    kwargs: dict[str, Any] = {"command": list(spec.command)} if spec.command else {}
    return kwargs | {
        "image": spec.image,
        "name": spec.name,
        "labels": dict(spec.labels),
        "detach": True,
        "network_mode": "none",
        "user": spec.user,
        "read_only": True,
        "tmpfs": {"/tmp": _tmpfs_options(spec)},
        "security_opt": ["no-new-privileges"],
        "cap_drop": ["ALL"],
        "mem_limit": memory,
        "memswap_limit": memory,
        "nano_cpus": int(spec.cpus * 1e9),
        "pids_limit": spec.pids_limit,
        "ipc_mode": "private",
        "volumes": {
            str(spec.input_dir): {"bind": "/input", "mode": "ro"},
            str(spec.output_dir): {"bind": "/output", "mode": "rw"},
        } | {host: {"bind": target, "mode": "ro"} for host, target in spec.readonly_binds},
        "environment": dict(spec.environment),
    }


def libpod_create_spec(spec: RunSpec, devices: list[str]) -> dict[str, Any]:
    """podman's SpecGenerator (libpod API ``containers/create``) for ``spec``; ``devices`` are
    CDI names such as ``nvidia.com/gpu=0``."""
    memory = spec.memory_mb * 2**20
    period = 100_000
    extra: dict[str, Any] = {"command": list(spec.command)} if spec.command else {}
    return extra | {
        "name": spec.name,
        "image": spec.image,
        "labels": dict(spec.labels),
        "netns": {"nsmode": "none"},
        "ipcns": {"nsmode": "private"},
        "user": spec.user,
        "read_only_filesystem": True,
        "no_new_privileges": True,
        "cap_drop": ["ALL"],
        "env": dict(spec.environment),
        "mounts": [
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
             "options": _tmpfs_options(spec).split(",")},
            {"destination": "/input", "type": "bind", "source": str(spec.input_dir),
             "options": ["rbind", "ro"]},
            {"destination": "/output", "type": "bind", "source": str(spec.output_dir),
             "options": ["rbind", "rw"]},
        ] + [
            {"destination": target, "type": "bind", "source": host, "options": ["rbind", "ro"]}
            for host, target in spec.readonly_binds
        ],
        "resource_limits": {
            "memory": {"limit": memory, "swap": memory},
            "cpu": {"quota": int(spec.cpus * period), "period": period},
            "pids": {"limit": spec.pids_limit},
        },
        "devices": [{"path": name} for name in devices],
    }
