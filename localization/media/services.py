"""Writes for media intake: size limits, probing, storage; the transcription step queues
its job from here."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from coprod.audit.models import Event
from coprod.core.storage import field_local_copy, stored_copy
from coprod.core.uploads import too_large_message
from localization.access import partner_company_id
from localization.checksums import file_sha256
from localization.events import pipeline_event
from localization.media import decoding as media_tools
from localization.media.models import MediaAsset
from localization.permissions import check_can_upload_media


def media_max_upload_size() -> int:
    return min(settings.MEDIA_MAX_UPLOAD_SIZE, settings.MAX_UPLOAD_SIZE)


def media_upload[T](*, title, uploaded_file, user=None, episode_label: str = "",
                 then: Callable[[MediaAsset], T], stored_as: str | None = None
                 ) -> tuple[MediaAsset, T]:
    """Probe and store a media file for a title, then run ``then`` on the new asset in
    the same transaction (the transcription step queues its job there).

    A file that is too big, empty, not media or without audio is refused with a
    ValidationError before anything is stored; if ``then`` fails, the stored file is
    deleted and nothing is half-created.

    ``stored_as`` names the same bytes already in the default storage (a finished
    resumable upload's object in the bucket; ``uploaded_file`` is its local copy): the
    asset's file is copied from it there rather than sent again.
    """
    if user is not None:  # a person's upload; system callers (seeding) pass no user
        check_can_upload_media(user, title)
    limit = media_max_upload_size()
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise ValidationError(
            too_large_message(uploaded_file.size, limit),
            code="too_big",
        )
    with _local_upload(uploaded_file) as path:
        try:
            probe = media_tools.probe_media(path)
        except media_tools.MediaRejected as error:
            raise ValidationError(str(error), code="not_media") from None
        checksum = file_sha256(path)
        size = path.stat().st_size
        original_name = Path(uploaded_file.name or "media").name
        stored_name = None
        try:
            with transaction.atomic():
                target = MediaAsset.file.field.generate_filename(None, original_name)
                if stored_as:
                    stored_name = stored_copy(default_storage, stored_as, target)
                else:
                    with path.open("rb") as handle:
                        stored_name = default_storage.save(
                            target, File(handle, name=original_name))
                asset = MediaAsset.objects.create(
                    title=title, episode_label=episode_label, file=stored_name,
                    original_name=original_name, size_bytes=size, sha256=checksum,
                    duration_ms=probe.duration_ms, container_format=probe.container_format,
                    audio_codec=probe.audio_codec, video_codec=probe.video_codec,
                    streams=probe.streams, uploaded_by=user,
                    company_id=partner_company_id(user),
                )
                pipeline_event(
                    actor=user, action=Event.Action.MEDIA_UPLOADED, about=asset,
                    after={"name": original_name, "size": size, "sha256": checksum,
                           "duration_ms": probe.duration_ms, "title_id": title.pk},
                )
                result = then(asset)
        except Exception:
            if stored_name:
                default_storage.delete(stored_name)
            raise
    return asset, result


@contextlib.contextmanager
def _local_upload(uploaded_file) -> Iterator[Path]:
    """A path on local disk holding the upload (probing needs a seekable real file)."""
    temporary_path = getattr(uploaded_file, "temporary_file_path", None)
    if temporary_path:
        yield Path(temporary_path())
        return
    with tempfile.TemporaryDirectory(prefix="media-upload-") as folder:
        path = Path(folder) / "upload"
        with path.open("wb") as out:
            for block in uploaded_file.chunks():
                out.write(block)
        yield path


def media_local_path(asset: MediaAsset) -> contextlib.AbstractContextManager[Path]:
    """The media file as a local path (a context manager): a temporary copy when it is
    kept elsewhere (S3), since decoders need a real file."""
    return field_local_copy(asset.file)
