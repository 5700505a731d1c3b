"""Output validation (missing, garbage, geometry, labels) and failure classification."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from arena.execution.backends.base import RunResult
from arena.execution.backends.logs import CappedLog
from arena.execution.failures import run_failure
from arena.execution.outputs import OutputProblem, collect_outputs

CASE = {"id": "c1", "size": [8, 6, 4], "spacing": [1.0, 1.0, 2.0], "origin": [0.0, 0.0, 0.0],
        "direction": [1, 0, 0, 0, 1, 0, 0, 0, 1]}
LABELS = {1: "kidney", 2: "tumor"}


def _write(path: Path, values=1, spacing=(1.0, 1.0, 2.0), shape=(4, 6, 8)):
    array = np.zeros(shape, np.uint8)
    array[1:3, 2:4, 2:6] = values
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(spacing)
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path), True)


def test_valid_output_is_copied(tmp_path):
    _write(tmp_path / "out" / "c1.nii.gz")
    (tmp_path / "out" / "c1.json").write_text('{"diagnosis": {}}')
    (tmp_path / "out" / "notes.txt").write_text("x")
    got = collect_outputs(tmp_path / "out", tmp_path / "pred", [CASE], LABELS)
    assert got.files == 2 and got.extra == ["notes.txt"]
    assert sorted(p.name for p in (tmp_path / "pred").iterdir()) == ["c1.json", "c1.nii.gz"]


def test_missing_case(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(OutputProblem, match=r"1 of 1 cases .* c1.nii.gz") as exc:
        collect_outputs(tmp_path / "out", tmp_path / "pred", [CASE], LABELS)
    assert exc.value.reason == "missing_output" and not (tmp_path / "pred").exists()


def test_garbage(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "c1.nii.gz").write_bytes(b"\x00garbage" * 100)
    with pytest.raises(OutputProblem, match="c1.nii.gz is not a readable NIfTI image"):
        collect_outputs(tmp_path / "out", tmp_path / "pred", [CASE], LABELS)


def test_geometry_mismatch(tmp_path):
    _write(tmp_path / "out" / "c1.nii.gz", spacing=(1.0, 1.0, 3.0))
    with pytest.raises(OutputProblem, match=r"spacing \(1, 1, 3\) differs from the input's \(1, 1, 2\)"):
        collect_outputs(tmp_path / "out", tmp_path / "pred", [CASE], LABELS)


def test_labels_outside_the_map(tmp_path):
    _write(tmp_path / "out" / "c1.nii.gz", values=7)
    with pytest.raises(OutputProblem, match=r"labels \[7\] are not in the task's label map"):
        collect_outputs(tmp_path / "out", tmp_path / "pred", [CASE], LABELS)


def test_per_structure_folder_layout(tmp_path):
    _write(tmp_path / "out" / "c1" / "Brain.nii.gz")
    got = collect_outputs(tmp_path / "out", tmp_path / "pred", [CASE], None)
    assert got.files == 1 and (tmp_path / "pred" / "c1" / "Brain.nii.gz").is_file()


def test_structure_folders_beside_a_label_map(tmp_path):
    """SegRap: the task has an (atom) label map, yet a ``<case>/`` folder of binary masks is
    the official layout; with ``folders`` both are collected, masks must be 0/1."""
    atoms = {v: f"atom_{v}" for v in range(1, 10)}
    _write(tmp_path / "out" / "c1" / "Brainstem.nii.gz")
    with pytest.raises(OutputProblem, match=r"1 of 1 cases .* c1.nii.gz"):
        collect_outputs(tmp_path / "out", tmp_path / "pred", [CASE], atoms)
    got = collect_outputs(tmp_path / "out", tmp_path / "pred", [CASE], atoms, folders=True)
    assert got.files == 1 and (tmp_path / "pred" / "c1" / "Brainstem.nii.gz").is_file()
    _write(tmp_path / "out" / "c1" / "Brainstem.nii.gz", values=3)  # a label value in a mask
    with pytest.raises(OutputProblem, match=r"c1/Brainstem.nii.gz: labels \[3\]"):
        collect_outputs(tmp_path / "out", tmp_path / "pred", [CASE], atoms, folders=True)


LIMITS = dict(time_limit_s=60, memory_mb=512, log_limit_mb=16, output_limit_mb=100, hide_logs=False)


@pytest.mark.parametrize(
    "result, reason",
    [
        (RunResult(exit_code=137, runtime_s=60, timed_out=True), "time_limit"),
        (RunResult(exit_code=137, runtime_s=3, oom_killed=True), "out_of_memory"),
        (RunResult(exit_code=137, runtime_s=3, log_limit_exceeded=True), "log_limit"),
        (RunResult(exit_code=137, runtime_s=3, output_limit_exceeded=True), "output_limit"),
        (RunResult(exit_code=2, runtime_s=3, stderr="a\nb\nboom\n"), "nonzero_exit"),
    ],
)
def test_failure_reasons(result, reason):
    got = run_failure(result, **LIMITS)
    assert got is not None and got[0] == reason


def test_success_and_stderr_tail():
    assert run_failure(RunResult(exit_code=0, runtime_s=1), **LIMITS) is None
    stderr = "\n".join(f"line {i}" for i in range(20))
    _, message = run_failure(RunResult(exit_code=3, runtime_s=1, stderr=stderr), **LIMITS)
    assert "exited with code 3" in message and "line 19" in message and "line 14" not in message


def test_capped_log_keeps_head_and_tail():
    log = CappedLog(keep=10)
    for _ in range(1000):
        log.feed(b"0123456789")
    text = log.text()
    assert log.total == 10_000 and text.startswith("0123456789") and text.endswith("0123456789")
    assert "9980 bytes not kept" in text and len(text) < 100


def test_peak_memory_from_cgroup_files(tmp_path):
    from arena.execution.backends.cgroups import PeakMemory

    peak = PeakMemory("abc", root=tmp_path)
    assert peak.read() is None  # cgroup not created yet
    folder = tmp_path / "memory" / "libpod_parent" / "libpod-abc"
    folder.mkdir(parents=True)
    (folder / "memory.max_usage_in_bytes").write_text("123456\n")
    assert peak.read() == 123456
    v2 = tmp_path / "system.slice" / "docker-def.scope"
    v2.mkdir(parents=True)
    (v2 / "memory.peak").write_text("42\n")
    assert PeakMemory("def", root=tmp_path).read() == 42
