"""Stage a bundle (an uploaded file, a local zip / tar.gz, or a local folder) into a local
folder with ``challenge.yaml`` at its root, after the archive safety checks of
:mod:`arena.archives` (traversal, absolute names, links, bombs, entry count, size)."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from arena import archives, files
from arena.challenges.bundles.problems import MANIFEST, BundleError, Problem

_CHUNK = 1 << 20


def limits() -> archives.Limits:
    """Bundle limits: ``ARENA_BUNDLE_MAX_MB`` unpacked (default 4096), ``ARENA_BUNDLE_MAX_ENTRIES``
    files (default 20000), compression ratio at most 200:1."""
    return archives.Limits(
        max_total_bytes=int(getattr(settings, "ARENA_BUNDLE_MAX_MB", 4096)) * 2**20,
        max_members=int(getattr(settings, "ARENA_BUNDLE_MAX_ENTRIES", 20000)),
        max_ratio=200.0,
    )


@dataclass
class StagedBundle:
    """A bundle ready to validate: ``root`` holds ``challenge.yaml``; ``archive`` is a local
    zip of the bundle to store; ``sha256`` identifies the bundle's content; ``scratch`` is
    removed by :meth:`cleanup`."""

    root: Path
    archive: Path
    sha256: str
    scratch: Path

    def cleanup(self) -> None:
        """Remove the local scratch folder."""
        shutil.rmtree(self.scratch, ignore_errors=True)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_upload(upload, target: Path) -> None:
    max_bytes = int(getattr(settings, "ARENA_BUNDLE_MAX_UPLOAD_MB", 2048)) * 2**20
    written = 0
    chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(_CHUNK), b"")
    with target.open("wb") as out:
        for chunk in chunks:
            written += len(chunk)
            if written > max_bytes:
                raise BundleError([Problem("", "bundle", f"the upload is larger than "
                                           f"{max_bytes // 2**20} MB")])
            out.write(chunk)


def _unwrap(root: Path) -> Path:
    """The folder holding ``challenge.yaml``: ``root`` or its single top-level folder."""
    if (root / MANIFEST).is_file():
        return root
    entries = [e for e in root.iterdir() if not e.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and (entries[0] / MANIFEST).is_file():
        return entries[0]
    return root


def _folder_problems(folder: Path) -> tuple[list[Problem], list[Path]]:
    """Links, special files, entry count and size of a local bundle folder; its files."""
    lim = limits()
    problems: list[Problem] = []
    found: list[Path] = []
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                problems.append(Problem(rel, "", "is a symbolic link; expected regular files only"))
            elif name in filenames and not path.is_file():
                problems.append(Problem(rel, "", "is a device, fifo or other special file"))
            elif name in filenames:
                found.append(path)
                total += path.stat().st_size
        dirnames[:] = [d for d in dirnames if not (Path(dirpath) / d).is_symlink()]
    if len(found) > lim.max_members:
        problems.append(Problem("", "bundle", f"holds {len(found)} files, more than the "
                                f"allowed {lim.max_members}"))
    if total > lim.max_total_bytes:
        problems.append(Problem("", "bundle", f"holds {total // 2**20} MB, more than the "
                                f"allowed {lim.max_total_bytes // 2**20} MB"))
    return problems, found


def folder_digest(folder: Path) -> str:
    """The content digest a folder bundle gets as its ``sha256`` (relative names + bytes of
    every file; file times do not count), without staging it."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as src:
            for chunk in iter(lambda: src.read(_CHUNK), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def _zip_folder(folder: Path, found: list[Path], target: Path) -> str:
    """Zip the folder's files (stored, fixed timestamps) and return a content digest (names +
    bytes, independent of file times)."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for path in sorted(found):
            rel = path.relative_to(folder).as_posix()
            info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            with path.open("rb") as src, zf.open(info, "w") as dst:
                digest.update(rel.encode() + b"\0")
                for chunk in iter(lambda: src.read(_CHUNK), b""):
                    digest.update(chunk)
                    dst.write(chunk)
                digest.update(b"\0")
    return digest.hexdigest()


def stage(source) -> StagedBundle:
    """Stage ``source``: a local folder, a local ``.zip`` / ``.tar.gz`` path, or an uploaded
    file object (``.chunks()`` or ``.read()``). Raises :class:`BundleError` (nothing kept)
    for an unreadable or unsafe archive or folder."""
    scratch = files.scratch("bundles", uuid.uuid4().hex)
    try:
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            if path.is_dir():
                problems, found = _folder_problems(path)
                if problems:
                    raise BundleError(problems)
                archive = scratch / "bundle.zip"
                sha = _zip_folder(path, found, archive)
                return StagedBundle(_unwrap(path), archive, sha, scratch)
            if not path.is_file():
                raise BundleError([Problem("", "bundle", f"{path.name}: no such file or folder")])
            archive = path
        else:
            archive = scratch / "bundle.upload"
            _write_upload(source, archive)
        kind = archives.detect_kind(archive)
        if kind is None:
            raise BundleError([Problem("", "bundle", "not a zip or tar.gz archive (expected a "
                                       "zip with challenge.yaml at its root)")])
        try:
            members = archives.list_members(archive, kind, limits())
            root = scratch / "bundle"
            names = {m.name for m in members if not m.is_dir}
            archives.extract_members(archive, kind, root, names, "", limits())
        except archives.ArchiveError as exc:
            raise BundleError([Problem("", "bundle", str(exc))]) from None
        named = scratch / f"bundle.{kind}"
        if archive.parent != scratch:
            shutil.copyfile(archive, named)
        else:
            archive.rename(named)
        archive = named
        return StagedBundle(_unwrap(root), archive, _sha256_file(archive), scratch)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
