"""The GPU request path for both engines (the machine has no GPU: fakes of the SDK client).

Docker → ``device_requests`` with the worker's GPU ids; Podman → CDI names through the libpod
API; a worker that cannot give a GPU fails the job with a clear reason, never runs on CPU."""

from __future__ import annotations

import pytest
from fakes import FakeClient, run_spec

from arena.execution.backends import GpuUnavailable
from arena.execution.backends import gpu as gpu_mod
from arena.execution.backends.docker_api import DockerApiBackend, detect_engine

CDI_YAML = """cdiVersion: 0.5.0
kind: nvidia.com/gpu
devices:
- name: "0"
  containerEdits: {}
- name: "1"
  containerEdits: {}
- name: all
"""


def test_detect_engine():
    assert detect_engine(FakeClient("podman").version()) == "podman"
    assert detect_engine(FakeClient("docker").version()) == "docker"


def test_docker_gpu_job_uses_device_requests_with_worker_ids(tmp_path):
    client = FakeClient("docker", runtimes={"nvidia": {"path": "nvidia-container-runtime"}})
    backend = DockerApiBackend("unix:///fake", client=client)
    result = backend.run(run_spec(tmp_path, gpu=True, gpu_ids=("1",)))
    assert result.exit_code == 0
    (kwargs,) = client.created
    (request,) = kwargs["device_requests"]
    assert request["DeviceIDs"] == ["1"] and request["Capabilities"] == [["gpu"]]
    assert request.get("Count", 0) != -1  # never "all GPUs"
    assert client.api.posted == []
    assert kwargs["network_mode"] == "none" and kwargs["cap_drop"] == ["ALL"]


def test_docker_without_nvidia_runtime_fails_clearly(tmp_path):
    client = FakeClient("docker", runtimes={"runc": {}})
    backend = DockerApiBackend("unix:///fake", client=client)
    with pytest.raises(GpuUnavailable, match="no 'nvidia' runtime"):
        backend.run(run_spec(tmp_path, gpu=True, gpu_ids=("0",)))
    assert client.created == []


def test_podman_gpu_job_uses_cdi_names_via_libpod(tmp_path, monkeypatch):
    cdi = tmp_path / "cdi"
    cdi.mkdir()
    (cdi / "nvidia.yaml").write_text(CDI_YAML)
    monkeypatch.setattr(gpu_mod, "CDI_SPEC_DIRS", (cdi,))
    client = FakeClient("podman")
    backend = DockerApiBackend("unix:///fake", client=client)
    result = backend.run(run_spec(tmp_path, gpu=True, gpu_ids=("0", "1")))
    assert result.exit_code == 0
    assert client.created == []  # not the compat API: it would silently ignore device_requests
    ((url, body),) = client.api.posted
    assert url.endswith("/libpod/containers/create")
    assert body["devices"] == [{"path": "nvidia.com/gpu=0"}, {"path": "nvidia.com/gpu=1"}]
    assert body["netns"] == {"nsmode": "none"} and body["cap_drop"] == ["ALL"]
    assert body["no_new_privileges"] and body["read_only_filesystem"]
    assert "device_requests" not in body


def test_podman_without_cdi_spec_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu_mod, "CDI_SPEC_DIRS", (tmp_path / "nothing",))
    client = FakeClient("podman")
    backend = DockerApiBackend("unix:///fake", client=client)
    with pytest.raises(GpuUnavailable, match=r"no CDI device nvidia.com/gpu=0.*nvidia-ctk cdi generate"):
        backend.run(run_spec(tmp_path, gpu=True, gpu_ids=("0",)))
    assert client.created == [] and client.api.posted == []


def test_podman_cdi_spec_lacking_the_worker_gpu(tmp_path, monkeypatch):
    (tmp_path / "nvidia.json").write_text('{"kind": "nvidia.com/gpu", "devices": [{"name": "0"}]}')
    monkeypatch.setattr(gpu_mod, "CDI_SPEC_DIRS", (tmp_path,))
    backend = DockerApiBackend("unix:///fake", client=FakeClient("podman"))
    with pytest.raises(GpuUnavailable, match="nvidia.com/gpu=3"):
        backend.run(run_spec(tmp_path, gpu=True, gpu_ids=("3",)))


@pytest.mark.parametrize("engine", ["docker", "podman"])
def test_gpu_job_on_worker_without_gpu_ids_fails(tmp_path, engine):
    client = FakeClient(engine, runtimes={"nvidia": {}})
    backend = DockerApiBackend("unix:///fake", client=client)
    with pytest.raises(GpuUnavailable, match="ARENA_GPU_IDS is empty"):
        backend.run(run_spec(tmp_path, gpu=True, gpu_ids=()))
    assert client.created == [] and client.api.posted == []


@pytest.mark.parametrize("engine", ["docker", "podman"])
def test_cpu_job_requests_no_device(tmp_path, engine):
    client = FakeClient(engine)
    backend = DockerApiBackend("unix:///fake", client=client)
    backend.run(run_spec(tmp_path))
    (kwargs,) = client.created
    assert "device_requests" not in kwargs and "devices" not in kwargs
    assert client.removed[-1] == "c1"  # the container is always removed

