"""The sandbox policy as Docker-API kwargs and as a libpod spec (same policy, both forms)."""

from __future__ import annotations

from pathlib import Path

from arena.execution.backends import RunSpec
from arena.execution.backends.sandbox import docker_create_kwargs, libpod_create_spec

SPEC = RunSpec(image="sha256:abc", name="arena-job7-a2", input_dir=Path("/w/in"),
               output_dir=Path("/w/out"), labels={"arena.job": "7", "arena.attempt": "2"},
               time_limit_s=60, memory_mb=2048, cpus=1.5, pids_limit=128, tmp_mb=256)


def test_docker_kwargs_carry_the_whole_sandbox():
    kw = docker_create_kwargs(SPEC)
    assert kw["network_mode"] == "none"
    assert kw["user"] == "1000:1000"
    assert kw["read_only"] is True
    assert kw["tmpfs"] == {"/tmp": "rw,nosuid,nodev,size=256m,mode=1777"}
    assert kw["cap_drop"] == ["ALL"] and kw["security_opt"] == ["no-new-privileges"]
    assert kw["mem_limit"] == kw["memswap_limit"] == "2048m"
    assert kw["nano_cpus"] == 1_500_000_000 and kw["pids_limit"] == 128
    assert kw["volumes"] == {"/w/in": {"bind": "/input", "mode": "ro"},
                             "/w/out": {"bind": "/output", "mode": "rw"}}
    assert kw["labels"] == {"arena.job": "7", "arena.attempt": "2"}
    assert kw["name"] == "arena-job7-a2"
    assert "command" not in kw and "privileged" not in kw


def test_libpod_spec_is_the_same_policy():
    body = libpod_create_spec(SPEC, ["nvidia.com/gpu=0"])
    assert body["netns"] == {"nsmode": "none"} and body["user"] == "1000:1000"
    assert body["read_only_filesystem"] and body["no_new_privileges"]
    assert body["cap_drop"] == ["ALL"]
    limits = body["resource_limits"]
    assert limits["memory"] == {"limit": 2048 * 2**20, "swap": 2048 * 2**20}
    assert limits["cpu"] == {"quota": 150_000, "period": 100_000}
    assert limits["pids"] == {"limit": 128}
    mounts = {m["destination"]: m for m in body["mounts"]}
    assert mounts["/input"]["options"] == ["rbind", "ro"] and mounts["/input"]["source"] == "/w/in"
    assert mounts["/output"]["options"] == ["rbind", "rw"]
    assert mounts["/tmp"]["type"] == "tmpfs" and "size=256m" in mounts["/tmp"]["options"]
    assert body["devices"] == [{"path": "nvidia.com/gpu=0"}]
    assert not any("reference" in str(m).lower() for m in body["mounts"])
