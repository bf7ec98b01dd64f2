"""Is this speech-recognition model approved for this title? One call, for now local.

The agreements issue brings the platform's model registry (models licensed and approved
per partner and title). Until it exists, approval means: the model file's SHA-256 is
the verified Whisper base checksum or one an operator listed in WHISPER_APPROVED_SHA256.
Every generated track records the model name and checksum returned here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from localization.engines import whisper_model


@dataclass(frozen=True)
class ApprovedModel:
    name: str
    sha256: str


class ModelNotApproved(Exception):
    pass


_checksums: dict[tuple[str, int, int], str] = {}
_lock = threading.Lock()


def model_checksum(model_path: str | Path) -> str:
    """SHA-256 of model.bin, computed once per process and file version."""
    model_file = Path(model_path) / "model.bin"
    if not model_file.is_file():
        raise ModelNotApproved(
            _("No speech recognition model was found in %(path)s.") % {"path": model_path})
    stat = model_file.stat()
    key = (str(model_file), stat.st_size, stat.st_mtime_ns)
    with _lock:
        if key not in _checksums:
            _checksums[key] = whisper_model.file_sha256(model_file)
        return _checksums[key]


def approved_checksums() -> dict[str, str]:
    approved = {whisper_model.SHA256["model.bin"]: whisper_model.MODEL_NAME}
    for checksum in settings.WHISPER_APPROVED_SHA256:
        approved.setdefault(checksum.strip().lower(), "")
    return approved


def asr_model_check_approved(*, title, model_path: str | Path) -> ApprovedModel:
    """Return the model's name and checksum, or raise ModelNotApproved saying why."""
    checksum = model_checksum(model_path)
    approved = approved_checksums()
    if checksum not in approved:
        raise ModelNotApproved(
            _("The speech recognition model in %(path)s (SHA-256 %(sha)s) is not approved "
              "for %(title)s.") % {"path": model_path, "sha": checksum[:12], "title": title}
        )
    return ApprovedModel(name=approved[checksum] or Path(model_path).name, sha256=checksum)
