"""What the Docker-API backend reports about a finished container (fake SDK client)."""

from __future__ import annotations

from fakes import FakeClient, run_spec

from arena.execution.backends.docker_api import DockerApiBackend


def test_oom_killed_container_peaked_at_the_memory_limit(tmp_path):
    client = FakeClient("podman", exit_state={"ExitCode": 137, "OOMKilled": True})
    result = DockerApiBackend("unix:///fake", client=client).run(run_spec(tmp_path, memory_mb=256))
    assert result.oom_killed and result.exit_code == 137
    assert result.peak_memory_bytes == 256 * 2**20  # samples (1234 B here) missed the last burst


def test_normal_exit_reports_the_sampled_peak(tmp_path):
    client = FakeClient("podman")
    result = DockerApiBackend("unix:///fake", client=client).run(run_spec(tmp_path, memory_mb=256))
    assert not result.oom_killed and result.exit_code == 0
    assert result.peak_memory_bytes is None or result.peak_memory_bytes < 256 * 2**20
