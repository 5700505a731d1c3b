"""Streaming validation of a ``docker save`` archive (.tar or .tar.gz) and streaming load.

The archive is read once, member by member (``tarfile`` stream mode): layer bytes are counted
and skipped, only ``manifest.json`` and the image config (small JSON files) are kept in memory.
Rules: exactly one image, linux/amd64, a non-root user, uncompressed layers within the limit.
The image id is the sha256 of the config file, recomputed here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

_SMALL_JSON = 4 * 2**20
_ROOT_USERS = {"", "0", "root"}


class ImageArchiveError(Exception):
    """The archive is not an acceptable image; ``str(exc)`` says what was expected/found."""


@dataclass
class ImageInfo:
    image_id: str
    compressed: bool
    size_bytes: int
    architecture: str
    os: str
    user: str
    tags: list[str] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)


def is_gzip(path: Path) -> bool:
    """True if ``path`` starts with the gzip magic bytes."""
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def open_tar_stream(path: Path) -> BinaryIO:
    """A binary stream of the uncompressed tar (gzip decompressed on the fly, in chunks)."""
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _is_root(user: str) -> bool:
    name = user.split(":", 1)[0].strip()
    return name in _ROOT_USERS


def inspect_archive(path: Path, max_bytes: int) -> ImageInfo:
    """Validate a ``docker save`` archive at ``path`` and describe its one image.

    Raises ImageArchiveError naming what was expected and what was found."""
    compressed = is_gzip(path)
    small: dict[str, bytes] = {}
    layer_bytes = 0
    try:
        with open_tar_stream(path) as raw, tarfile.open(fileobj=raw, mode="r|") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                name = member.name.lstrip("./")
                if name.endswith(".json") and member.size <= _SMALL_JSON:
                    fh = tar.extractfile(member)
                    small[name] = fh.read() if fh else b""
                else:
                    layer_bytes += member.size
                    if layer_bytes > max_bytes:
                        raise ImageArchiveError(
                            f"the image is larger than the limit of {max_bytes // 2**20} MB "
                            "(uncompressed layers)"
                        )
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile) as exc:
        raise ImageArchiveError(
            f"the file is not a readable 'docker save' archive (.tar or .tar.gz): {exc}"
        )
    if "manifest.json" not in small:
        raise ImageArchiveError(
            "manifest.json is missing: expected an archive written by 'docker save' or "
            "'podman save --format docker-archive' (OCI layouts are not accepted)"
        )
    try:
        manifest = json.loads(small["manifest.json"])
    except ValueError as exc:
        raise ImageArchiveError(f"manifest.json is not valid JSON: {exc}")
    if not isinstance(manifest, list) or len(manifest) != 1:
        count = len(manifest) if isinstance(manifest, list) else "no list of"
        raise ImageArchiveError(f"the archive must hold exactly one image; found {count} images")
    entry = manifest[0]
    config_name = str(entry.get("Config", "")).lstrip("./")
    if config_name not in small:
        raise ImageArchiveError(f"the image config {config_name!r} named by manifest.json is missing")
    config_bytes = small[config_name]
    try:
        config = json.loads(config_bytes)
    except ValueError as exc:
        raise ImageArchiveError(f"the image config {config_name} is not valid JSON: {exc}")
    arch = str(config.get("architecture", ""))
    os_name = str(config.get("os", ""))
    if arch != "amd64" or os_name != "linux":
        raise ImageArchiveError(
            f"the image must be built for linux/amd64; found {os_name or '?'}/{arch or '?'}"
        )
    runtime = config.get("config") or {}
    user = str(runtime.get("User") or "")
    if _is_root(user):
        raise ImageArchiveError(
            f"the image runs as root (USER {user or 'not set'}); add a non-root user, e.g. "
            "'USER 1000:1000' in the Dockerfile (Arena runs every container as uid 1000)"
        )
    return ImageInfo(
        image_id="sha256:" + hashlib.sha256(config_bytes).hexdigest(),
        compressed=compressed,
        size_bytes=layer_bytes,
        architecture=arch,
        os=os_name,
        user=user,
        tags=[str(t) for t in entry.get("RepoTags") or []],
        entrypoint=[str(x) for x in (runtime.get("Entrypoint") or runtime.get("Cmd") or [])],
    )
