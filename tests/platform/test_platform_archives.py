"""Archive module unit tests: name mapping rules (wrapping folder, SegRap folders, ``./``
prefixes, macOS junk) and extraction of exactly the mapped files."""

from __future__ import annotations

import io
import tarfile

import pytest

from arena.submissions.archives import (
    ArchiveError,
    Limits,
    Member,
    extract_members,
    list_members,
    map_prediction_members,
)

CASES = ["case_00000", "case_00001"]
LIMITS = Limits(max_total_bytes=2**30, max_members=100, max_ratio=500)


def _members(*names: str) -> list[Member]:
    return [Member(n, 1, n.endswith("/")) for n in names]


def test_wrapping_folder_is_stripped():
    prefix, by_case = map_prediction_members(
        _members("out/case_00000.nii.gz", "out/case_00001.nii.gz"), CASES, folder_layout=False
    )
    assert prefix == "out/" and sorted(by_case) == CASES


def test_segrap_folders():
    prefix, by_case = map_prediction_members(
        _members("case_00000/Brain.nii.gz", "case_00000/Eye_L.nii.gz", "case_00001.nii.gz"),
        CASES,
        folder_layout=True,
    )
    assert prefix == "" and by_case["case_00000"] == [
        "case_00000/Brain.nii.gz",
        "case_00000/Eye_L.nii.gz",
    ]
    with pytest.raises(ArchiveError, match="duplicate prediction for case .case_00000."):
        map_prediction_members(
            _members("case_00000/Brain.nii.gz", "case_00000.nii.gz"), CASES, folder_layout=True
        )
    with pytest.raises(ArchiveError, match="unexpected file names"):
        map_prediction_members(_members("case_00000/Brain.nii.gz"), CASES, folder_layout=False)


def test_json_sidecars_and_partial_sets():
    _, by_case = map_prediction_members(
        _members("case_00000.nii.gz", "case_00000.json"), CASES, folder_layout=False
    )
    assert by_case == {"case_00000": ["case_00000.nii.gz", "case_00000.json"]}


def test_dot_prefixes_and_junk_in_tar(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name in (".", "./case_00000.nii.gz", "./._case_00000.nii.gz", "__MACOSX/x"):
            info = tarfile.TarInfo(name)
            if name == ".":
                info.type = tarfile.DIRTYPE
            else:
                info.size = 3
            tf.addfile(info, None if name == "." else io.BytesIO(b"abc"))
    path = tmp_path / "a.tar.gz"
    path.write_bytes(buf.getvalue())
    members = list_members(path, "tar.gz", LIMITS)
    assert [m.name for m in members] == ["case_00000.nii.gz"]
    prefix, by_case = map_prediction_members(members, CASES, folder_layout=False)
    dest = tmp_path / "out"
    extract_members(path, "tar.gz", dest, {"case_00000.nii.gz"}, prefix, LIMITS)
    assert sorted(p.name for p in dest.iterdir()) == ["case_00000.nii.gz"]
    assert (dest / "case_00000.nii.gz").read_bytes() == b"abc"


def test_too_many_members_and_total_size(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for i in range(5):
            info = tarfile.TarInfo(f"f{i}.nii")
            info.size = 10
            tf.addfile(info, io.BytesIO(b"x" * 10))
    path = tmp_path / "a.tar"
    path.write_bytes(buf.getvalue())
    with pytest.raises(ArchiveError, match="more than 3 members"):
        list_members(path, "tar", Limits(max_total_bytes=2**20, max_members=3, max_ratio=500))
    with pytest.raises(ArchiveError, match="unpacks to more than"):
        list_members(path, "tar", Limits(max_total_bytes=25, max_members=100, max_ratio=500))
