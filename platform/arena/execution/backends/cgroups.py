"""Kernel-tracked peak memory of a container, read from its cgroup on this host.

The engine's stats stream only samples usage about once a second; the memory cgroup records
the true high-water mark (v1 ``memory.max_usage_in_bytes``, v2 ``memory.peak``). Readable when
the worker runs on the engine's host (a unix socket), for Podman (cgroupfs or systemd) and
Docker layouts; otherwise the sampled value is all there is.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _candidates(container_id: str, root: Path) -> list[Path]:
    v1 = root / "memory"
    dirs_v1 = [v1 / "libpod_parent" / f"libpod-{container_id}", v1 / "docker" / container_id,
               v1 / "system.slice" / f"docker-{container_id}.scope",
               v1 / "machine.slice" / f"libpod-{container_id}.scope"]
    dirs_v2 = [root / "libpod_parent" / f"libpod-{container_id}",
               root / "system.slice" / f"docker-{container_id}.scope",
               root / "machine.slice" / f"libpod-{container_id}.scope"]
    return ([d / "memory.max_usage_in_bytes" for d in dirs_v1]
            + [d / "memory.peak" for d in dirs_v2])


class PeakMemory:
    """Remembers the cgroup file of one container; ``read()`` returns bytes or None."""

    def __init__(self, container_id: str, root: Path = ROOT) -> None:
        self.candidates = _candidates(container_id, root)
        self.path: Path | None = None

    def read(self) -> int | None:
        """The container's peak memory so far (None while its cgroup is not visible here)."""
        if self.path is None:
            self.path = next((p for p in self.candidates if p.is_file()), None)
        if self.path is None:
            return None
        try:
            return int(self.path.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
