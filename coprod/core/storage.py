"""Reading stored files without assuming they lie on this machine's disk.

The default storage is the local file system (MEDIA_ROOT) or, with STORAGE_BACKEND=s3,
an S3-compatible object store that the web processes and the workers share instead of a
disk. django-storages' S3 file object downloads the whole object before its first read,
so downloads and workers come here instead: on S3 a byte range is one ranged GET streamed
as it arrives, and a local copy is boto3's multipart download straight into a temporary
file; no whole file is held in memory.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

CHUNK_SIZE = 1024 * 1024


def s3_object(storage, name: str):
    """The boto3 object behind ``name`` when ``storage`` is django-storages' S3 storage,
    else None. No storage can be one before that module is loaded, so a deployment on
    the file system never imports boto3."""
    module = sys.modules.get("storages.backends.s3")
    if module is None or not isinstance(storage, module.S3Storage):
        return None
    from storages.utils import clean_name

    # The storage's own key for the name (its location prefix, the same normalisation).
    return storage.bucket.Object(storage._normalize_name(clean_name(name)))


def stored_chunks(storage, name: str, *, start: int = 0, end: int | None = None,
                  chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Bytes ``start`` to ``end`` (inclusive; None: to the end) of a stored file, read a
    chunk at a time."""
    if end is not None and end < start:
        return
    remote = s3_object(storage, name)
    if remote is not None:
        # An empty object answers any Range with 416: the whole file asks for none.
        ranged = start > 0 or end is not None
        answer = (remote.get(Range=f"bytes={start}-{'' if end is None else end}")
                  if ranged else remote.get())
        body = answer["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()
        return
    handle = storage.open(name, "rb")
    try:
        handle.seek(start)
        remaining = None if end is None else end - start + 1
        while remaining is None or remaining > 0:
            chunk = handle.read(chunk_size if remaining is None else min(chunk_size,
                                                                         remaining))
            if not chunk:
                break
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def field_chunks(field_file, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """A stored file field's bytes, a chunk at a time."""
    return stored_chunks(field_file.storage, field_file.name, chunk_size=chunk_size)


@contextlib.contextmanager
def local_copy(storage, name: str) -> Iterator[Path]:
    """The stored file as a path on this machine: its own path on the local file system,
    else a temporary copy (with the same extension) deleted afterwards. Decoders need a
    real, seekable file; a worker on S3 shares no disk with the web process."""
    try:
        path = Path(storage.path(name))
    except NotImplementedError:  # object and in-memory storages have no paths
        path = None
    if path is not None and path.exists():
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="stored-file-") as folder:
        local = Path(folder) / f"file{Path(name).suffix}"
        remote = s3_object(storage, name)
        if remote is not None:
            remote.download_file(str(local), Config=storage.transfer_config)
        else:
            with storage.open(name, "rb") as source, local.open("wb") as out:
                shutil.copyfileobj(source, out, 16 * CHUNK_SIZE)
        yield local


def field_local_copy(field_file):
    """local_copy for a stored file field."""
    return local_copy(field_file.storage, field_file.name)


def stored_copy(storage, source: str, name: str) -> str:
    """Save a copy of the stored file ``source`` as ``name`` (or the storage's free name
    for it) and return the name saved. On S3 the bucket copies the object itself (in
    parts when it is large), so none of its bytes pass through this machine."""
    name = storage.get_available_name(name)
    target = s3_object(storage, name)
    if target is not None:
        origin = s3_object(storage, source)
        # The object's parameters as a save would set them (its type from the new name).
        parameters = {**storage._get_write_parameters(name), "MetadataDirective": "REPLACE"}
        target.copy({"Bucket": origin.bucket_name, "Key": origin.key},
                    ExtraArgs=parameters, Config=storage.transfer_config)
        return name
    with storage.open(source, "rb") as handle:
        return storage.save(name, handle)
