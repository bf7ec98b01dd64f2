"""May this speech-recognition model be used on this title? One call for the pipeline.

The answer comes from the platform's AI model registry and agreements
(coprod.registry.model_use_check): the model file's SHA-256 must be registered, and an
executed agreement covering the title (or its series) must approve it. The checksum is
taken from the very file the worker loads. Every generated track records the model
name and checksum returned here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from coprod.registry import gate as registry
from coprod.registry.models import AIModel
from localization.checksums import cached_file_sha256
from localization.runs.metering import model_used


@dataclass(frozen=True)
class ApprovedModel:
    name: str
    sha256: str
    agreement: str = ""


class ModelNotApproved(Exception):
    pass


def model_checksum(model_path: str | Path) -> str:
    """SHA-256 of model.bin, computed once per process and file version."""
    model_file = Path(model_path) / "model.bin"
    if not model_file.is_file():
        raise ModelNotApproved(
            _("No speech recognition model was found in %(path)s.") % {"path": model_path})
    return cached_file_sha256(model_file)


def asr_model_check_approved(*, title, model_path: str | Path) -> ApprovedModel:
    """Return the model's name and checksum, or raise ModelNotApproved saying why."""
    checksum = model_checksum(model_path)
    try:
        clearance = registry.model_use_check(title=title, sha256=checksum,
                                             kind=AIModel.Kind.SPEECH_RECOGNITION)
    except registry.ModelNotApproved as error:
        raise ModelNotApproved(str(error)) from None
    model_used(clearance.label)
    return ApprovedModel(name=clearance.label, sha256=checksum,
                         agreement=clearance.agreement.reference)
