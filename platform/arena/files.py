"""Every file of Arena goes through Django's storage API (named storages, see settings).

Conventions: a *name* is a relative POSIX path inside one named storage
(``submissions/3/ab12…/preds.zip``); a *folder* is a name prefix without trailing slash. No
name is ever absolute and nothing here builds a path from a media folder. ``"default"`` holds
uploads, prediction folders and inputs archives; ``"datasets"`` the imported phase datasets.

Files move between a node's local scratch folder and storage in chunks: uploads to S3 use
boto3's managed multipart transfer (bounded part size and concurrency), downloads one streamed
GET written in 1 MB chunks; the filesystem backend copies or moves; nothing reads a whole file
into memory. Workers stage what a job needs with
:func:`download_file` / :func:`download_folder`, run, upload results with :func:`upload_file`
/ :func:`upload_folder` and delete their scratch folder.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage, storages

DEFAULT = "default"
DATASETS = "datasets"
_CHUNK = 1 << 20
_FOLDER_THREADS = 8


def storage(alias: str = DEFAULT) -> Storage:
    """The named storage ``alias`` (``"default"`` or ``"datasets"``)."""
    return storages[alias]


def _s3_key(st: Storage, name: str) -> str | None:
    """The object key of ``name`` when ``st`` is an S3 storage, else None."""
    if not hasattr(st, "bucket") or not hasattr(st, "_normalize_name"):
        return None
    from storages.utils import clean_name

    return st._normalize_name(clean_name(name))


def join(*parts: str) -> str:
    """Storage name of the joined parts (POSIX, no leading slash)."""
    return posixpath.join(*[p.strip("/") for p in parts if p])


class _LocalFile(File):
    """A local file that FileSystemStorage may move into place instead of copying."""

    def __init__(self, path: Path, handle: IO[bytes]):
        super().__init__(handle, name=path.name)
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def upload_file(local: Path, name: str, *, alias: str = DEFAULT, move: bool = False) -> str:
    """Store the local file ``local`` under ``name`` (overwriting) and return the name.

    ``move=True`` lets a filesystem storage rename the file into place (the local file is gone
    afterwards in every backend). S3: multipart upload streamed from disk."""
    st = storage(alias)
    local = Path(local)
    key = _s3_key(st, name)
    if key is not None:
        st.bucket.meta.client.upload_file(str(local), st.bucket_name, key,
                                          Config=st.transfer_config)
        if move:
            local.unlink(missing_ok=True)
        return name
    if st.exists(name):
        st.delete(name)
    with local.open("rb") as handle:
        content = _LocalFile(local, handle) if move else File(handle, name=local.name)
        stored = st.save(name, content)
    if move:
        local.unlink(missing_ok=True)
    return stored


def download_file(name: str, local: Path, *, alias: str = DEFAULT) -> Path:
    """Copy the stored file ``name`` to ``local`` (parent folders created, written to a
    temporary name first, then renamed). Raises FileNotFoundError when ``name`` is missing."""
    st = storage(alias)
    local = Path(local)
    local.parent.mkdir(parents=True, exist_ok=True)
    tmp = local.with_name(f".{local.name}.{uuid.uuid4().hex[:8]}.part")
    key = _s3_key(st, name)
    try:
        if key is not None:
            from botocore.exceptions import ClientError

            try:
                # One streamed GET, written in 1 MB chunks: ~1 MB of memory whatever the
                # size (ranged multipart downloads would buffer concurrency x part size).
                body = st.bucket.meta.client.get_object(Bucket=st.bucket_name, Key=key)["Body"]
                with tmp.open("wb") as out:
                    for chunk in body.iter_chunks(_CHUNK):
                        out.write(chunk)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                    raise FileNotFoundError(f"{name} is not in storage") from None
                raise
        else:
            if not st.exists(name):
                raise FileNotFoundError(f"{name} is not in storage")
            with st.open(name, "rb") as src, tmp.open("wb") as out:
                shutil.copyfileobj(src, out, _CHUNK)
        os.replace(tmp, local)
    finally:
        tmp.unlink(missing_ok=True)
    return local


def open_stream(name: str, *, alias: str = DEFAULT) -> IO[bytes]:
    """A read-only binary stream of the stored file ``name`` for serving it in chunks (S3:
    the object body streamed from the service, never buffered whole)."""
    st = storage(alias)
    key = _s3_key(st, name)
    if key is not None:
        from botocore.exceptions import ClientError

        try:
            return st.bucket.Object(key).get()["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise FileNotFoundError(f"{name} is not in storage") from None
            raise
    if not st.exists(name):
        raise FileNotFoundError(f"{name} is not in storage")
    return st.open(name, "rb")


def exists(name: str, *, alias: str = DEFAULT) -> bool:
    """Whether the file ``name`` is stored."""
    return bool(name) and storage(alias).exists(name)


def size(name: str, *, alias: str = DEFAULT) -> int:
    """Size in bytes of the stored file ``name``."""
    return storage(alias).size(name)


def walk(folder: str, *, alias: str = DEFAULT) -> Iterator[str]:
    """Names (relative to ``folder``, POSIX) of every file stored under ``folder``, sorted."""
    st = storage(alias)
    try:
        dirs, names = st.listdir(folder)
    except FileNotFoundError:
        return
    yield from sorted(names)
    for sub in sorted(dirs):
        for rel in walk(join(folder, sub), alias=alias):
            yield f"{sub}/{rel}"


def folder_exists(folder: str, *, alias: str = DEFAULT) -> bool:
    """True when at least one file is stored under ``folder``."""
    return bool(folder) and next(walk(folder, alias=alias), None) is not None


def upload_folder(local: Path, folder: str, *, alias: str = DEFAULT) -> list[str]:
    """Store every file of the local folder ``local`` under ``folder`` (relative layout kept);
    returns the relative names stored, sorted."""
    local = Path(local)
    rels = sorted(p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file())
    _each(alias, lambda rel: upload_file(local / rel, join(folder, rel), alias=alias), rels)
    return rels


def download_folder(folder: str, local: Path, *, alias: str = DEFAULT) -> list[str]:
    """Copy every file stored under ``folder`` into the local folder ``local`` (created);
    returns the relative names copied. Raises FileNotFoundError when ``folder`` holds none."""
    local = Path(local)
    rels = list(walk(folder, alias=alias))
    if not rels:
        raise FileNotFoundError(f"{folder} holds no files in storage")
    for rel in rels:
        if rel.startswith("/") or ".." in rel.split("/"):
            raise ValueError(f"unsafe stored name {folder}/{rel}")
    _each(alias, lambda rel: download_file(join(folder, rel), local / rel, alias=alias), rels)
    return rels


def _each(alias: str, fn, items: list[str]) -> None:
    """``fn(item)`` for every item: S3 transfers of a folder run on a few threads (boto3's
    client is thread-safe; each transfer stays chunked), the filesystem sequentially."""
    st = storage(alias)
    if _s3_key(st, "x") is None or len(items) < 2:
        for item in items:
            fn(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(_FOLDER_THREADS, len(items))) as pool:
        for _ in pool.map(fn, items):
            pass


def delete_folder(folder: str, *, alias: str = DEFAULT) -> int:
    """Delete every file stored under ``folder``; returns how many were deleted."""
    if not folder:
        return 0
    st = storage(alias)
    rels = list(walk(folder, alias=alias))
    for rel in rels:
        st.delete(join(folder, rel))
    if not _s3_key(st, folder):
        _prune_empty_dirs(st, folder)
    return len(rels)


def _prune_empty_dirs(st: Storage, folder: str) -> None:
    try:
        path = Path(st.path(folder))
    except NotImplementedError:
        return
    if path.is_dir():
        for sub in sorted((p for p in path.rglob("*") if p.is_dir()), reverse=True):
            try:
                sub.rmdir()
            except OSError:
                pass
        try:
            path.rmdir()
        except OSError:
            pass


def delete(name: str, *, alias: str = DEFAULT) -> None:
    """Delete the stored file ``name`` (no error when it is missing)."""
    if name:
        storage(alias).delete(name)


def scratch(*parts: str) -> Path:
    """A fresh, empty local scratch folder ``ARENA_WORK_ROOT/<parts…>`` of this node."""
    from django.conf import settings

    path = Path(settings.ARENA_WORK_ROOT).joinpath(*parts)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path
