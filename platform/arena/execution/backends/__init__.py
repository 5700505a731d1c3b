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


_CACHE: dict[str, ExecutionBackend] = {}


def gpu_ids() -> tuple[str, ...]:
    """GPU ids assigned to this worker (``settings.ARENA_GPU_IDS``, comma separated)."""
    from django.conf import settings

    return tuple(x.strip() for x in str(settings.ARENA_GPU_IDS).split(",") if x.strip())


def get_backend(base_url: str | None = None) -> ExecutionBackend:
    """The backend of this worker's engine (``ARENA_ENGINE_URL`` unless ``base_url``), one
    per process and URL; it is pinged on every call (EngineUnavailable when down)."""
    from django.conf import settings

    from arena.execution.backends.docker_api import DockerApiBackend

    url = base_url or settings.ARENA_ENGINE_URL
    backend = _CACHE.get(url)
    if backend is None:
        backend = _CACHE[url] = DockerApiBackend(url)
    else:
        backend.ping()
    return backend
