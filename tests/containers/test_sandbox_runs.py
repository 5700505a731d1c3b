"""Every example image through the real engine with the production backend and sandbox:
the good one writes valid outputs; each hostile one is stopped or fails with its own reason;
no container is left behind. Also checks the sandbox from inside a container, and that the
libpod create path (used for CDI GPUs on Podman) applies the same sandbox."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from container_helpers import image

from arena.execution import workspace as ws
from arena.execution.backends import RunSpec
from arena.execution.failures import run_failure
from arena.execution.outputs import OutputProblem, collect_outputs

pytestmark = [pytest.mark.containers]

LIMITS = {"time_limit_s": 6, "memory_mb": 256}


def _run(backend, dataset, tmp_path: Path, name: str, **overrides):
    root, cases = dataset
    workspace = ws.Workspace(tmp_path / name)
    doc = ws.provision_inputs(workspace, root / "inputs", cases, {"0000": "CT"}, "kits21")
    ws.prepare_output(workspace, "1000:1000", 64)
    fields = dict(
        image=image(name) if "image" not in overrides else overrides.pop("image"),
        name=f"arena-test-{name}-{int(time.time() * 1000)}",
        input_dir=workspace.input_dir, output_dir=workspace.output_dir,
        labels={"arena.job": f"test-{name}", "arena.attempt": "1", "arena.test": "sandbox"},
        cpus=1, pids_limit=64, log_limit_bytes=4 * 2**20, **LIMITS,
    )
    fields.update(overrides)
    result = backend.run(RunSpec(**fields))
    return result, workspace, doc


def _reason(result, hide_logs=False):
    failure = run_failure(result, log_limit_mb=4, output_limit_mb=64, hide_logs=hide_logs, **LIMITS)
    return failure


def test_good_image_writes_valid_outputs(backend, phantom_dataset, tmp_path):
    result, workspace, doc = _run(backend, phantom_dataset, tmp_path, "good")
    try:
        assert result.exit_code == 0 and _reason(result) is None, result
        collected = collect_outputs(workspace.output_dir, workspace.predictions_dir, doc["cases"],
                                    {1: "kidney", 2: "tumor", 3: "cyst"})
        assert collected.files == 3
        assert "3 cases written" in result.stderr
        assert result.peak_memory_bytes and result.peak_memory_bytes > 20 * 2**20  # Python + SITK
    finally:
        ws.remove(workspace)


@pytest.mark.parametrize(
    "name, reason, needle",
    [
        ("sleep", "time_limit", "longer than the phase's limit of 6 s"),
        ("oom", "out_of_memory", "memory limit of 256 MB"),
        ("flood", "log_limit", "more than 4 MB"),
        ("exit1", "nonzero_exit", "model weights not found"),
        ("forkbomb", "nonzero_exit", "blocked: fork failed"),
        ("network", "nonzero_exit", "blocked: network unreachable"),
        ("escape", "nonzero_exit", "blocked: write outside /output refused"),
    ],
)
def test_hostile_image_fails_with_its_reason(backend, phantom_dataset, tmp_path, name, reason, needle):
    started = time.monotonic()
    result, workspace, _ = _run(backend, phantom_dataset, tmp_path, name)
    ws.remove(workspace)
    failure = _reason(result)
    assert failure is not None and failure[0] == reason, (failure, result)
    assert needle in failure[1]
    assert time.monotonic() - started < 30
    if name == "oom":
        assert result.peak_memory_bytes and result.peak_memory_bytes > 200 * 2**20
    if name == "flood":
        assert result.stdout_bytes > 4 * 2**20 and len(result.stdout) < 200 * 1024  # capped
    if name == "exit1":
        assert "exited with code 1" in failure[1]
        hidden = _reason(result, hide_logs=True)
        assert "model weights" not in hidden[1] and "hidden" in hidden[1]


def test_should_stop_kills_a_running_container(backend, phantom_dataset, tmp_path):
    asked = time.monotonic()
    result, workspace, _ = _run(backend, phantom_dataset, tmp_path, "sleep",
                                should_stop=lambda: time.monotonic() - asked > 1.5)
    ws.remove(workspace)
    assert result.stopped and not result.timed_out and not result.oom_killed
    assert result.runtime_s < 5


def test_garbage_output_is_invalid(backend, phantom_dataset, tmp_path):
    result, workspace, doc = _run(backend, phantom_dataset, tmp_path, "garbage")
    try:
        assert result.exit_code == 0
        with pytest.raises(OutputProblem) as problem:
            collect_outputs(workspace.output_dir, workspace.predictions_dir, doc["cases"], {1: "k"})
        assert problem.value.reason == "invalid_output"
        assert "is not a readable NIfTI image" in str(problem.value)
    finally:
        ws.remove(workspace)


def test_root_image_still_runs_as_uid_1000(backend, phantom_dataset, tmp_path):
    result, workspace, _ = _run(backend, phantom_dataset, tmp_path, "root")
    ws.remove(workspace)
    assert "running as uid 1000" in result.stdout


PROBE = r"""
set -u
echo "uid=$(id -u) gid=$(id -g)"
grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status
echo "ifaces=$(ls /sys/class/net | tr '\n' ' ')"
touch /input/x 2>/dev/null && echo input=writable || echo input=readonly
touch /etc/x 2>/dev/null && echo rootfs=writable || echo rootfs=readonly
touch /tmp/x && echo tmp=writable
touch /output/ok && echo output=writable
grep -E ' /tmp | /output ' /proc/mounts | awk '{print "mount", $2, $3, $4}'
cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null | head -1 | sed 's/^/mem=/'
cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null | head -1 | sed 's/^/pids=/'
ls /references 2>/dev/null && echo refs=present || echo refs=absent
"""


def _probe(backend, dataset, tmp_path, libpod: bool):
    root, cases = dataset
    workspace = ws.Workspace(tmp_path / ("libpod" if libpod else "compat"))
    ws.provision_inputs(workspace, root / "inputs", cases, {"0000": "CT"}, "kits21")
    ws.prepare_output(workspace, "1000:1000", 64)
    spec = RunSpec(
        image="localhost/arena/base:latest", name=f"arena-probe-{int(libpod)}-{time.time_ns()}",
        input_dir=workspace.input_dir, output_dir=workspace.output_dir,
        labels={"arena.test": "probe"}, time_limit_s=30, memory_mb=300, cpus=1, pids_limit=77,
        command=("sh", "-c", PROBE),
    )
    if libpod:
        original = backend._create
        backend._create = lambda s: backend.create_libpod(s, [])
        try:
            result = backend.run(spec)
        finally:
            backend._create = original
    else:
        result = backend.run(spec)
    written = sorted(p.name for p in workspace.output_dir.iterdir())
    ws.remove(workspace)
    return result.stdout, written


@pytest.mark.parametrize("libpod", [False, True], ids=["docker-api", "libpod-api"])
def test_sandbox_seen_from_inside(backend, phantom_dataset, tmp_path, libpod):
    out, written = _probe(backend, phantom_dataset, tmp_path, libpod)
    assert "uid=1000 gid=1000" in out
    assert "CapEff:\t0000000000000000" in out
    assert "NoNewPrivs:\t1" in out
    assert "Seccomp:\t2" in out
    assert "ifaces=lo " in out  # loopback only: no network
    assert "input=readonly" in out and "rootfs=readonly" in out
    assert "tmp=writable" in out and "output=writable" in out and written == ["ok"]
    assert f"mem={300 * 2**20}" in out
    assert "pids=77" in out
    assert "refs=absent" in out
    assert "mount /tmp tmpfs" in out


def test_no_container_left_behind(backend):
    assert backend.list_containers({"arena.test": "sandbox"}) == []
    assert backend.list_containers({"arena.test": "probe"}) == []


def test_labelled_containers_lists_labels_and_age(backend):
    client = backend.client
    created = client.containers.create(
        "localhost/arena/base-os:latest", command=["true"], network_mode="none",
        labels={"arena.job": "987654", "arena.attempt": "3", "arena.test": "sandbox"})
    try:
        (found,) = [c for c in backend.labelled_containers("arena.job") if c.name == created.name]
        assert found.labels["arena.attempt"] == "3"
        assert abs(time.time() - found.created) < 120
        assert backend.remove_containers({"arena.job": "987654"}) == [created.name]
    finally:
        backend._remove(created.id)
