"""Streaming validation of docker-save archives, on small synthetic archives."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from arena.execution.imagearchive import ImageArchiveError, inspect_archive


def _config(arch="amd64", user="1000:1000", os_name="linux") -> bytes:
    return json.dumps({"architecture": arch, "os": os_name,
                       "config": {"User": user, "Entrypoint": ["python", "/app/run.py"]},
                       "rootfs": {"type": "layers", "diff_ids": []}}).encode()


def _archive(path: Path, images: int = 1, layer_size: int = 4096, gz: bool = False,
             manifest: bool = True, **config_kw) -> str:
    buf = io.BytesIO()
    config = _config(**config_kw)
    digest = hashlib.sha256(config).hexdigest()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        add("layer1/layer.tar", b"\0" * layer_size)
        add(f"{digest}.json", config)
        if manifest:
            entry = {"Config": f"{digest}.json", "RepoTags": ["me/algo:1"],
                     "Layers": ["layer1/layer.tar"]}
            add("manifest.json", json.dumps([entry] * images).encode())
    data = buf.getvalue()
    path.write_bytes(gzip.compress(data) if gz else data)
    return "sha256:" + digest


@pytest.mark.parametrize("gz", [False, True])
def test_valid_archive(tmp_path, gz):
    image_id = _archive(tmp_path / "a.tar", gz=gz)
    info = inspect_archive(tmp_path / "a.tar", 2**20)
    assert info.image_id == image_id and info.compressed is gz
    assert (info.architecture, info.os, info.user) == ("amd64", "linux", "1000:1000")
    assert info.size_bytes == 4096 and info.tags == ["me/algo:1"]


@pytest.mark.parametrize("user", ["", "root", "0", "0:0", "root:root"])
def test_root_user_is_refused(tmp_path, user):
    _archive(tmp_path / "a.tar", user=user)
    with pytest.raises(ImageArchiveError, match="runs as root"):
        inspect_archive(tmp_path / "a.tar", 2**20)


def test_two_images_refused(tmp_path):
    _archive(tmp_path / "a.tar", images=2)
    with pytest.raises(ImageArchiveError, match="exactly one image; found 2"):
        inspect_archive(tmp_path / "a.tar", 2**20)


def test_arm64_refused(tmp_path):
    _archive(tmp_path / "a.tar", arch="arm64")
    with pytest.raises(ImageArchiveError, match="linux/amd64; found linux/arm64"):
        inspect_archive(tmp_path / "a.tar", 2**20)


def test_size_limit(tmp_path):
    _archive(tmp_path / "a.tar", layer_size=2 * 2**20)
    with pytest.raises(ImageArchiveError, match="larger than the limit of 1 MB"):
        inspect_archive(tmp_path / "a.tar", 2**20)


def test_not_a_tar(tmp_path):
    (tmp_path / "a.tar").write_bytes(b"hello, this is not a tar archive" * 100)
    with pytest.raises(ImageArchiveError, match="not a readable 'docker save' archive"):
        inspect_archive(tmp_path / "a.tar", 2**20)


def test_oci_layout_without_manifest(tmp_path):
    _archive(tmp_path / "a.tar", manifest=False)
    with pytest.raises(ImageArchiveError, match="manifest.json is missing"):
        inspect_archive(tmp_path / "a.tar", 2**20)
