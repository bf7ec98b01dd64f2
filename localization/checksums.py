"""SHA-256 of files: what the AI model registry and the delivery manifests know files by.

Django-free, so the set-up scripts (python -m localization.engines.whisper_model) can use it.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

BLOCK = 1024 * 1024

_cache: dict[tuple[str, int, int], str] = {}
_lock = threading.Lock()


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def cached_file_sha256(path: str | Path) -> str:
    """file_sha256, computed once per process and file version (path, size and
    modification time): model files are large and checked on every use."""
    path = Path(path).resolve()
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _lock:
        if key not in _cache:
            _cache[key] = file_sha256(path)
        return _cache[key]
