"""The one executor interface every container engine backend implements.

A backend loads images, runs one sandboxed container per job attempt and reports what
happened; it knows nothing about Django models. Conventions: sizes in bytes unless the name
says MB, times in seconds, the container is always removed before ``run`` returns.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO


class BackendError(Exception):
    """Base of the errors a backend raises; ``str(exc)`` is safe to show to an organizer."""


class EngineUnavailable(BackendError):
    """The engine did not answer or failed for reasons that are not the image's fault.
    Callers retry; the participant is never blamed."""


class ImageInvalid(BackendError):
    """The image cannot be loaded or used (not found, corrupt archive, wrong id)."""


class GpuUnavailable(BackendError):
    """The job asks for a GPU this worker cannot give: it must fail, never run on the CPU."""


@dataclass(frozen=True)
class RunSpec:
    """Everything one sandboxed run needs. ``input_dir`` is bound read-only at /input,
    ``output_dir`` writable at /output; nothing else from the host is mounted."""

    image: str
    name: str
    input_dir: Path
    output_dir: Path
    labels: dict[str, str] = field(default_factory=dict)
    time_limit_s: float = 3600.0
    memory_mb: int = 8192
    cpus: float = 2.0
    pids_limit: int = 256
    tmp_mb: int = 1024
    output_limit_mb: int = 1024
    log_limit_bytes: int = 16 * 2**20
    log_keep_bytes: int = 64 * 2**10
    user: str = "1000:1000"
    gpu: bool = False
    gpu_ids: tuple[str, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    command: tuple[str, ...] | None = None  # None = the image's own CMD (always, for jobs)
    # extra read-only binds (host path, container path): the evaluator image's /references.
    # Never used for algorithm jobs: references are not mounted into participants' containers.
    readonly_binds: tuple[tuple[str, str], ...] = ()
    # polled about once a second while the container runs; True stops it (e.g. cancelled)
    should_stop: Callable[[], bool] | None = field(default=None, compare=False)


@dataclass
class RunResult:
    """What happened in one run. ``exit_code`` is None when the container never started."""

    exit_code: int | None
    runtime_s: float
    timed_out: bool = False
    oom_killed: bool = False
    log_limit_exceeded: bool = False
    output_limit_exceeded: bool = False
    stopped: bool = False
    peak_memory_bytes: int | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    container_id: str = ""


@dataclass(frozen=True)
class ContainerInfo:
    """A container as listed by the engine: name, labels, creation time (unix seconds)."""

    name: str
    labels: dict[str, str]
    created: float


class ExecutionBackend(abc.ABC):
    """Interface of a container engine backend (Docker Engine API: Docker or Podman)."""

    #: "docker" or "podman", detected from the engine's version report
    engine: str

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise EngineUnavailable unless the engine answers."""

    @abc.abstractmethod
    def image_exists(self, image_id: str) -> bool:
        """True if the engine holds an image with this id (``sha256:...``) or tag."""

    @abc.abstractmethod
    def load_image(self, stream: BinaryIO, expected_id: str) -> str:
        """Load a ``docker save`` archive (uncompressed tar stream, read in chunks) and return
        the loaded image id; raise ImageInvalid if the engine reports another id."""

    @abc.abstractmethod
    def remove_image(self, image_id: str, force: bool = True) -> bool:
        """Remove an image; without ``force`` an image in use stays. True if removed (no
        error if it is already gone)."""

    @abc.abstractmethod
    def run(self, spec: RunSpec) -> RunResult:
        """Create, start, wait for (with the wall-time limit), and always remove a sandboxed
        container. Raises GpuUnavailable / ImageInvalid / EngineUnavailable before starting."""

    @abc.abstractmethod
    def remove_containers(self, labels: dict[str, str]) -> list[str]:
        """Force-remove every container carrying all ``labels``; returns their names."""

    @abc.abstractmethod
    def list_containers(self, labels: dict[str, str]) -> list[str]:
        """Names of containers (any state) carrying all ``labels``."""

    @abc.abstractmethod
    def labelled_containers(self, key: str) -> list[ContainerInfo]:
        """Every container (any state) that has the label ``key``, whatever its value."""


def label_filters(labels: dict[str, str]) -> list[str]:
    """Engine label filter strings ``key=value`` for ``labels``."""
    return [f"{k}={v}" for k, v in labels.items()]


def tail_lines(text: str, count: int) -> list[str]:
    """The last ``count`` non-empty lines of ``text``."""
    lines: Iterable[str] = (line for line in text.splitlines() if line.strip())
    return list(lines)[-count:]
