"""Archive safety, shared by every app that takes an archive (prediction uploads, challenge
bundles): detect zip / tar / tar.gz, list members without extracting, refuse unsafe entries
(absolute paths, ``..``, links, devices, encrypted members, bombs, too many entries) and extract
regular files only. No Django, no app imports: any layer may use it.

Every refusal raises ``ArchiveError`` whose message names the offending member, what was
expected and what was found.
"""

from __future__ import annotations

import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """An archive that is refused; ``str(exc)`` is the user-facing reason."""


@dataclass(frozen=True)
class Limits:
    """Archive limits: total uncompressed bytes, members, compression ratio (applies once the
    uncompressed total exceeds ``ratio_floor_bytes``)."""

    max_total_bytes: int
    max_members: int
    max_ratio: float
    ratio_floor_bytes: int = 16 * 1024 * 1024


@dataclass(frozen=True)
class Member:
    name: str  # normalised posix path inside the archive
    size: int
    is_dir: bool


def detect_kind(path: Path) -> str | None:
    """``"zip"``, ``"tar.gz"``, ``"tar"`` by content (magic bytes), or None."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "tar.gz"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def _is_junk(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and (
        parts[0] == "__MACOSX" or parts[-1] == ".DS_Store" or parts[-1].startswith("._")
    )


def _safe_name(raw: str) -> str:
    if "\\" in raw:
        raise ArchiveError(f"archive member '{raw}' uses backslashes; expected '/' separators")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise ArchiveError(f"archive member '{raw}' has an absolute path; expected relative paths")
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ArchiveError(f"archive member '{raw}' points outside the archive ('..' in the path)")
    if any(ord(c) < 32 for c in raw):
        raise ArchiveError(f"archive member {raw!r} has control characters in its name")
    return "/".join(parts)


def _check_totals(total: int, count: int, archive_size: int, limits: Limits) -> None:
    if count > limits.max_members:
        raise ArchiveError(
            f"archive has more than {limits.max_members} members; expected one file per case"
        )
    if total > limits.max_total_bytes:
        raise ArchiveError(
            f"archive unpacks to more than {limits.max_total_bytes // 2**20} MB "
            f"(found at least {total // 2**20} MB)"
        )
    if total > limits.ratio_floor_bytes and total > limits.max_ratio * max(archive_size, 1):
        raise ArchiveError(
            f"archive compression ratio is {total / max(archive_size, 1):.0f}:1, above the "
            f"allowed {limits.max_ratio:.0f}:1 (a decompression bomb?)"
        )


def list_members(path: Path, kind: str, limits: Limits) -> list[Member]:
    """Members of a zip/tar archive after the safety checks, without extracting anything.

    Refuses absolute/``..`` paths, symlinks, hard links, devices/fifos, duplicate names, too
    many members, too large an uncompressed total and absurd compression ratios."""
    archive_size = path.stat().st_size
    members: list[Member] = []
    seen: set[str] = set()
    total = 0

    def add(raw: str, size: int, is_dir: bool) -> None:
        nonlocal total
        name = _safe_name(raw)
        if not name or _is_junk(name):
            return
        if name in seen and not is_dir:
            raise ArchiveError(f"archive member '{name}' appears twice")
        seen.add(name)
        total += size
        members.append(Member(name, size, is_dir))
        _check_totals(total, len(members), archive_size, limits)

    if kind == "zip":
        try:
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    mode = info.external_attr >> 16
                    _safe_name(info.filename)
                    if stat.S_ISLNK(mode):
                        raise ArchiveError(
                            f"archive member '{info.filename}' is a symbolic link; "
                            "expected regular files only"
                        )
                    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                        raise ArchiveError(
                            f"archive member '{info.filename}' is not a regular file"
                        )
                    if info.flag_bits & 0x1:
                        raise ArchiveError(f"archive member '{info.filename}' is encrypted")
                    add(info.filename, info.file_size, info.is_dir())
        except zipfile.BadZipFile as exc:
            raise ArchiveError(f"the file is not a readable zip archive ({exc})")
        return members

    mode = "r|gz" if kind == "tar.gz" else "r|"
    try:
        with tarfile.open(path, mode) as tf:
            for info in tf:
                _safe_name(info.name)
                if info.issym() or info.islnk():
                    raise ArchiveError(
                        f"archive member '{info.name}' is a {'symbolic' if info.issym() else 'hard'}"
                        " link; expected regular files only"
                    )
                if not (info.isreg() or info.isdir()):
                    raise ArchiveError(
                        f"archive member '{info.name}' is a device, fifo or other special file; "
                        "expected regular files only"
                    )
                add(info.name, info.size if info.isreg() else 0, info.isdir())
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        if kind == "tar.gz":
            raise ArchiveError(
                "the file is gzip-compressed but not a readable tar archive "
                f"({exc}); expected a .zip or .tar.gz of prediction files"
            )
        raise ArchiveError(f"the file is not a readable tar archive ({exc})")
    return members


def extract_members(
    path: Path, kind: str, dest: Path, names: set[str], prefix: str, limits: Limits
) -> None:
    """Extract the regular files ``names`` (archive paths) into ``dest`` with ``prefix``
    stripped, re-checking each member and counting the bytes actually written."""
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    written = 0

    def target_for(raw: str) -> Path | None:
        name = _safe_name(raw)
        if name not in names:
            return None
        target = (root / name[len(prefix) :]).resolve()
        if root not in target.parents:
            raise ArchiveError(f"archive member '{raw}' points outside the extraction folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def copy(src, target: Path) -> None:
        nonlocal written
        with open(target, "wb") as out:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > limits.max_total_bytes:
                    raise ArchiveError(
                        f"archive unpacks to more than {limits.max_total_bytes // 2**20} MB"
                    )
                out.write(chunk)

    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    target = None if info.is_dir() else target_for(info.filename)
                    if target is not None:
                        with zf.open(info) as src:
                            copy(src, target)
            return
        with tarfile.open(path, "r|gz" if kind == "tar.gz" else "r|") as tf:
            for info in tf:
                if not info.isreg():
                    continue
                target = target_for(info.name)
                if target is not None:
                    src = tf.extractfile(info)
                    if src is not None:
                        copy(src, target)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise ArchiveError(f"the archive could not be unpacked ({exc})")
