"""Execution backend on the Docker Engine API (``docker`` SDK), for Docker and Podman.

Podman serves the same API with differences this module absorbs (see README "Organizers: GPU
workers"): GPUs go through CDI names in the libpod API, a timed-out ``wait`` raises
ConnectionError, OOM kills leave ``OOMKilled`` false (137 without a timeout = out of memory),
``containers.run`` may leave a failed container behind (hence create + start + remove in
``finally``), and gzip archives are refused by ``images.load`` (the caller decompresses).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import docker
import requests
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from arena.execution.backends import gpu as gpu_requests
from arena.execution.backends.base import (
    ContainerInfo,
    EngineUnavailable,
    ExecutionBackend,
    GpuUnavailable,
    ImageInvalid,
    RunResult,
    RunSpec,
    label_filters,
)
from arena.execution.backends.cgroups import PeakMemory
from arena.execution.backends.logs import CappedLog, StreamPump
from arena.execution.backends.sandbox import docker_create_kwargs, libpod_create_spec

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20
_POLL_S = 0.2
_TRANSPORT_ERRORS = (requests.exceptions.ConnectionError, requests.exceptions.Timeout)


API_VERSION = "1.41"  # served by Podman 4.x and by every supported Docker Engine


def detect_engine_from_ping(headers: Any) -> str | None:
    """"podman" when /_ping answers with Libpod headers, "docker" when it names the Docker
    API version without them, None when the headers say neither."""
    keys = {str(k).lower() for k in headers}
    if "libpod-api-version" in keys:
        return "podman"
    return "docker" if "api-version" in keys else None


def detect_engine(version: dict) -> str:
    """"podman" if the engine's /version report names a Podman component, else "docker"."""
    for component in version.get("Components") or []:
        if "podman" in str(component.get("Name", "")).lower():
            return "podman"
    platform = str((version.get("Platform") or {}).get("Name", "")).lower()
    return "podman" if "podman" in platform else "docker"


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return
        yield chunk


def _epoch(value: Any) -> float:
    """Unix seconds from the engine's ``Created`` (int, or RFC 3339 with nanoseconds)."""
    if isinstance(value, int | float):
        return float(value)
    try:
        text = str(value).rstrip("Z")
        main, _, frac = text.partition(".")
        stamp = datetime.datetime.fromisoformat(main).replace(tzinfo=datetime.UTC)
        return stamp.timestamp() + (float("0." + frac) if frac.isdigit() else 0.0)
    except ValueError:
        return time.time()


def directory_size(path: Path) -> int:
    """Total bytes of regular files under ``path`` (symlinks not followed)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


class DockerApiBackend(ExecutionBackend):
    """ExecutionBackend on a Docker Engine API endpoint (``unix:///run/podman/podman.sock``,
    ``unix:///var/run/docker.sock``, ...). ``client`` may be injected (unit tests)."""

    def __init__(self, base_url: str, *, timeout: int = 120, client: Any = None) -> None:
        self.base_url = base_url
        try:
            self.client = client or docker.DockerClient(
                base_url=base_url, timeout=timeout, version=API_VERSION
            )
            self.engine = self._detect()
        except (DockerException, *_TRANSPORT_ERRORS) as exc:
            raise EngineUnavailable(f"container engine at {base_url} is unavailable: {exc}")

    def _stream_api(self) -> Any:
        """A low-level client for long-lived log/stats streams: podman sends a stream's
        headers only once it has data or the container exits, so no short read timeout."""
        if not isinstance(self.client, docker.DockerClient):
            return self.client.api  # injected fake
        if getattr(self, "_streams", None) is None:
            self._streams = docker.APIClient(
                base_url=self.base_url, version=API_VERSION, timeout=86400
            )
        return self._streams

    def _detect(self) -> str:
        # /_ping headers are instant; /version makes podman query conmon and runc (~0.5 s).
        if isinstance(self.client, docker.DockerClient):
            response = self.client.api._get(self.client.api._url("/_ping"))
            self.client.api._raise_for_status(response)
            found = detect_engine_from_ping(response.headers)
            if found:
                return found
        return detect_engine(self.client.version())

    # -- engine and images ------------------------------------------------------------------
    def ping(self) -> None:
        """Raise EngineUnavailable unless the engine answers /_ping."""
        try:
            self.client.ping()
        except (DockerException, *_TRANSPORT_ERRORS) as exc:
            raise EngineUnavailable(f"container engine at {self.base_url} is unavailable: {exc}")

    def image_exists(self, image_id: str) -> bool:
        """True if the engine holds ``image_id`` (id or tag)."""
        try:
            self.client.images.get(image_id)
            return True
        except ImageNotFound:
            return False
        except (DockerException, *_TRANSPORT_ERRORS) as exc:
            raise EngineUnavailable(f"container engine unavailable while looking up an image: {exc}")

    def load_image(self, stream: BinaryIO, expected_id: str) -> str:
        """Stream an uncompressed ``docker save`` tar to the engine in 1 MiB chunks."""
        try:
            response = self.client.api.load_image(_chunks(stream))
            messages = [str(item) for item in response] if response is not None else []
        except APIError as exc:
            raise ImageInvalid(f"the engine refused the image archive: {exc.explanation or exc}")
        except (DockerException, *_TRANSPORT_ERRORS) as exc:
            raise EngineUnavailable(f"container engine unavailable while loading an image: {exc}")
        if not self.image_exists(expected_id):
            raise ImageInvalid(
                f"the archive did not load as image {expected_id[:19]} (engine said: "
                f"{'; '.join(messages)[-300:] or 'nothing'})"
            )
        return expected_id

    def remove_image(self, image_id: str, force: bool = True) -> bool:
        """Remove ``image_id`` (kept when in use and not ``force``); True if removed."""
        try:
            self.client.images.remove(image_id, force=force)
            return True
        except (NotFound, ImageNotFound):
            return False
        except APIError as exc:  # 409: used by a container, or a parent of another image
            logger.info("image %s kept: %s", image_id[:19], exc)
            return False

    # -- containers -------------------------------------------------------------------------
    def list_containers(self, labels: dict[str, str]) -> list[str]:
        """Names of all containers (any state) carrying every label in ``labels``."""
        try:
            found = self.client.containers.list(
                all=True, filters={"label": label_filters(labels)}
            )
        except (DockerException, *_TRANSPORT_ERRORS) as exc:
            raise EngineUnavailable(f"container engine unavailable while listing containers: {exc}")
        return [c.name for c in found]

    def labelled_containers(self, key: str) -> list[ContainerInfo]:
        """Containers carrying label ``key`` (any value), with labels and creation time."""
        try:
            found = self.client.containers.list(all=True, filters={"label": [key]})
        except (DockerException, *_TRANSPORT_ERRORS) as exc:
            raise EngineUnavailable(f"container engine unavailable while listing containers: {exc}")
        return [ContainerInfo(c.name, dict(c.labels or {}), _epoch(c.attrs.get("Created")))
                for c in found]

    def remove_containers(self, labels: dict[str, str]) -> list[str]:
        """Force-remove every container carrying ``labels`` (stale attempts)."""
        removed = []
        for name in self.list_containers(labels):
            self._remove(name)
            removed.append(name)
        return removed

    def _remove(self, name_or_id: str) -> None:
        for delay in (0, 0.5, 1, 2):
            time.sleep(delay)
            try:
                self.client.api.remove_container(name_or_id, force=True, v=True)
                return
            except NotFound:
                return
            except (APIError, *_TRANSPORT_ERRORS) as exc:
                logger.warning("removing container %s failed (%s); retrying", name_or_id, exc)
        raise EngineUnavailable(f"could not remove container {name_or_id}")

    def _create(self, spec: RunSpec) -> Any:
        if spec.gpu and self.engine == "podman":
            devices = gpu_requests.check_cdi_devices(spec.gpu_ids)
            return self.create_libpod(spec, devices)
        kwargs = docker_create_kwargs(spec)
        if spec.gpu:
            gpu_requests.check_docker_gpu_runtime(self.client.info())
            kwargs["device_requests"] = gpu_requests.docker_device_requests(spec.gpu_ids)
        return self.client.containers.create(**kwargs)

    def create_libpod(self, spec: RunSpec, devices: list[str]) -> Any:
        """Create the container through podman's libpod API (the only way to pass CDI device
        names); the sandbox is the same as the Docker-API path."""
        body = libpod_create_spec(spec, devices)
        url = self.client.api.base_url + "/v4.0.0/libpod/containers/create"
        response = self.client.api._post_json(url, data=body)
        self.client.api._raise_for_status(response)
        return self.client.containers.get(response.json()["Id"])

    def run(self, spec: RunSpec) -> RunResult:
        """One sandboxed run (see RunSpec); the container is removed before returning."""
        if spec.gpu and not spec.gpu_ids:
            raise GpuUnavailable(
                "the phase needs a GPU but this worker has none assigned (ARENA_GPU_IDS is empty)"
            )
        if not self.image_exists(spec.image):  # loaded just before: gone = the engine's doing
            raise EngineUnavailable(f"image {spec.image[:19]} vanished from the engine")
        self._remove(spec.name)  # a leftover of a crashed worker with the same attempt name
        container = None
        try:
            try:
                container = self._create(spec)
            except APIError as exc:
                raise EngineUnavailable(f"the engine could not create the container: {exc}")
            return _Supervisor(container, spec, self._stream_api()).run()
        except (DockerException, *_TRANSPORT_ERRORS) as exc:
            raise EngineUnavailable(f"container engine failed during the run: {exc}")
        finally:
            if container is not None:
                self._remove(container.id)


class _Supervisor:
    """Start one created container and watch it: wall time, log volume, /output size, peak
    memory. Kills the container when a limit is passed and reports which one."""

    def __init__(self, container: Any, spec: RunSpec, streams: Any) -> None:
        self.container = container
        self.streams = streams
        self.spec = spec
        self.kill_reason: str | None = None
        self.peak_memory: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def _kill(self, reason: str) -> None:
        with self._lock:
            if self.kill_reason is None:
                self.kill_reason = reason
        with contextlib.suppress(APIError, NotFound, *_TRANSPORT_ERRORS):
            self.container.kill()

    def _note_peak(self, value: int | None) -> None:
        if value:
            with self._lock:
                self.peak_memory = max(self.peak_memory or 0, value)

    def _sample_memory(self) -> None:
        try:
            for stats in self.streams.stats(self.container.id, stream=True, decode=True):
                memory = stats.get("memory_stats") or {}
                self._note_peak(
                    max(int(memory.get("max_usage") or 0), int(memory.get("usage") or 0))
                )
                if self._stop.is_set():
                    return
        except Exception:  # the stats stream ends (or errors) when the container exits
            return

    def run(self) -> RunResult:
        spec = self.spec
        counter = [0]
        logs = {"stdout": CappedLog(spec.log_keep_bytes), "stderr": CappedLog(spec.log_keep_bytes)}
        started = time.monotonic()
        try:
            self.container.start()
        except APIError as exc:
            message = str(exc.explanation or exc)
            if any(s in message for s in ("executable file not found", "no such file", "permission denied")):
                raise ImageInvalid(f"the container could not start: {message[-300:]}")
            raise EngineUnavailable(f"the engine could not start the container: {message[-300:]}")
        pumps = [
            StreamPump(
                lambda name=name: self.streams.logs(self.container.id, stream=True, follow=True,
                                               stdout=name == "stdout", stderr=name == "stderr"),
                log, counter, spec.log_limit_bytes,
                lambda: self._kill("log_limit"),
            )
            for name, log in logs.items()
        ]
        sampler = threading.Thread(target=self._sample_memory, daemon=True)
        for thread in (*pumps, sampler):
            thread.start()
        cgroup = PeakMemory(self.container.id)
        deadline = started + spec.time_limit_s
        output_limit = spec.output_limit_mb * 2**20
        next_size_check = 0.0
        state: dict = {}
        while True:
            self._note_peak(cgroup.read())
            self.container.reload()
            state = self.container.attrs.get("State") or {}
            if state.get("Status") in ("exited", "stopped", "dead") or (
                not state.get("Running", True) and state.get("Status") not in ("created", "configured")
            ):
                break
            now = time.monotonic()
            if now >= deadline:
                self._kill("time_limit")
            elif now >= next_size_check:
                next_size_check = now + 1.0
                if directory_size(spec.output_dir) > output_limit:
                    self._kill("output_limit")
                elif spec.should_stop is not None and spec.should_stop():
                    self._kill("stopped")
            time.sleep(_POLL_S)
        runtime = time.monotonic() - started
        self._stop.set()
        for pump in pumps:
            pump.join(timeout=5)
        if self.kill_reason is None and directory_size(spec.output_dir) > output_limit:
            self.kill_reason = "output_limit"
        exit_code = state.get("ExitCode")
        oom_killed = bool(state.get("OOMKilled")) or (exit_code == 137 and self.kill_reason is None)
        if oom_killed:
            # the kernel's OOM killer acts when usage reaches the cgroup limit: that is the peak,
            # even when the last sample (polled, then the cgroup is gone) caught less of it
            self._note_peak(spec.memory_mb * 2**20)
        return RunResult(
            exit_code=int(exit_code) if exit_code is not None else None,
            runtime_s=runtime,
            timed_out=self.kill_reason == "time_limit",
            oom_killed=oom_killed,
            log_limit_exceeded=self.kill_reason == "log_limit",
            output_limit_exceeded=self.kill_reason == "output_limit",
            stopped=self.kill_reason == "stopped",
            peak_memory_bytes=self.peak_memory,
            stdout=logs["stdout"].text(),
            stderr=logs["stderr"].text(),
            stdout_bytes=logs["stdout"].total,
            stderr_bytes=logs["stderr"].total,
            container_id=self.container.id,
        )
