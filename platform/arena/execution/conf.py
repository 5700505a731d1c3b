"""Settings of the execution app, each overridable in Django settings or the environment.

``ARENA_ENGINE_URL``        Docker Engine API endpoint (Docker's or Podman's socket)
``ARENA_GPU_IDS``           GPU ids this worker may hand to containers ("0" or "0,1"; "" = none)
``ARENA_PIDS_LIMIT``        processes per container
``ARENA_OUTPUT_LIMIT_MB``   size cap of /output
``ARENA_TMP_MB``            size of the tmpfs /tmp
``ARENA_LOG_LIMIT_MB``      a container writing more than this to stdout+stderr is stopped
``ARENA_LOG_KEEP_KB``       stored head and tail of each stream
``ARENA_MAX_IMAGE_MB``      uncompressed image size limit (layers) at upload
``ARENA_RUN_UID``           uid:gid every algorithm runs as
``ARENA_ENGINE_RETRIES``    engine-unavailable retries before the job fails
``ARENA_KEEP_LOADED_IMAGES`` 1 = keep images a job loaded from its upload (default: removed
                            after the run unless another active job on this worker uses them)
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

_DEFAULTS: dict[str, Any] = {
    "ARENA_ENGINE_URL": "unix:///run/podman/podman.sock",
    "ARENA_GPU_IDS": "",
    "ARENA_PIDS_LIMIT": 256,
    "ARENA_OUTPUT_LIMIT_MB": 1024,
    "ARENA_TMP_MB": 1024,
    "ARENA_LOG_LIMIT_MB": 16,
    "ARENA_LOG_KEEP_KB": 64,
    "ARENA_MAX_IMAGE_MB": 20480,
    "ARENA_RUN_UID": "1000:1000",
    "ARENA_ENGINE_RETRIES": 5,
    "ARENA_KEEP_LOADED_IMAGES": 0,
}


def get(name: str) -> Any:
    """Value of ``name``: Django setting, else environment variable, else the default (typed
    like the default)."""
    default = _DEFAULTS[name]
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(name)
    if raw is None:
        return default
    return type(default)(raw)


def gpu_ids() -> tuple[str, ...]:
    """GPU ids assigned to this worker (``ARENA_GPU_IDS``, comma separated)."""
    return tuple(x.strip() for x in str(get("ARENA_GPU_IDS")).split(",") if x.strip())
