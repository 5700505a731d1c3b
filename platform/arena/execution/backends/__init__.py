"""Container engine backends behind one interface (``base.ExecutionBackend``)."""

from __future__ import annotations

from arena.execution.backends.base import (
    BackendError,
    EngineUnavailable,
    ExecutionBackend,
    GpuUnavailable,
    ImageInvalid,
    RunResult,
    RunSpec,
)

__all__ = [
    "BackendError",
    "EngineUnavailable",
    "ExecutionBackend",
    "GpuUnavailable",
    "ImageInvalid",
    "RunResult",
    "RunSpec",
    "get_backend",
]


def get_backend(base_url: str | None = None) -> ExecutionBackend:
    """The backend of this worker's engine (``ARENA_ENGINE_URL`` unless ``base_url``)."""
    from arena.execution import conf
    from arena.execution.backends.docker_api import DockerApiBackend

    return DockerApiBackend(base_url or conf.get("ARENA_ENGINE_URL"))
