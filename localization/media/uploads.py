"""Resumable uploads: a media file of several gigabytes sent in pieces, so that a dropped
connection costs one piece, not the file. This is the server side of the tus protocol
without HTTP (``localization.api.uploads`` speaks the protocol).

The bytes received so far sit in a part file under ``UPLOAD_PARTS_DIR``. Each piece is
copied from the request as it arrives, a block at a time (never whole in memory), and
counted only once it is on disk and matches its checksum when the client sent one. The
upload's row is locked while a piece is written, so two requests never write at once.
When the last byte is in, the file is checked against the SHA-256 announced at creation,
if any, and taken in exactly as a page upload is (``media_transcribe``: limits, probe,
storage, the transcription job); then the part is deleted. An upload that receives
nothing for ``API_UPLOAD_EXPIRY_HOURS`` is deleted with its part (``uploads_expire``).

Refusals are ``ValidationError``s whose ``code`` says which rule refused (``invalid``,
``too_large``, ``offset_mismatch``, ``busy``, ``finished``, ``expired``, ``gone``,
``checksum_unsupported``, ``checksum_mismatch``, ``incomplete``), for the API to answer
each with its status.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import OperationalError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from coprod.core.uploads import too_large_message
from localization.access import partner_company_id
from localization.checksums import file_sha256
from localization.media.models import ResumableUpload
from localization.media.services import media_max_upload_size
from localization.permissions import check_can_upload_media
from localization.transcription.services import media_transcribe

logger = logging.getLogger(__name__)

State = ResumableUpload.State

# The tus checksum extension's algorithms (lowercase, as clients name them).
CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}
BLOCK_SIZE = 1024 * 1024
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}")
SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}")


def uploads_of(user) -> QuerySet[ResumableUpload]:
    """An upload is seen by the user who started it only (anyone else: not found)."""
    if user is None or not user.is_authenticated:
        return ResumableUpload.objects.none()
    return ResumableUpload.objects.filter(user=user)


def upload_part_path(upload: ResumableUpload) -> Path:
    return Path(settings.UPLOAD_PARTS_DIR) / upload.part_path


def upload_is_expired(upload: ResumableUpload, *, now: dt.datetime | None = None) -> bool:
    return upload.state == State.RECEIVING and upload.expires_at <= (now or timezone.now())


def _expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=settings.API_UPLOAD_EXPIRY_HOURS)


def _refused(message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(message, code=code)


# --- creation ---------------------------------------------------------------------------

def upload_create(*, user, title, length: int, filename: str, language: str = "ko",
                  episode_label: str = "", sha256: str = "") -> ResumableUpload:
    """Start an upload of ``length`` bytes for ``title``: the same permission and size
    limit as a page upload, checked now rather than after gigabytes have arrived."""
    check_can_upload_media(user, title)
    limit = media_max_upload_size()
    if length <= 0:
        raise _refused(_("The file is empty."))
    if length > limit:
        raise _refused(too_large_message(length, limit), "too_large")
    name = Path(str(filename).replace("\\", "/")).name.strip()
    if not name or len(name) > 255 or CONTROL_CHARACTERS.search(name):
        raise _refused(_("Give the file's name: up to 255 characters, without control "
                         "characters."))
    if len(language) > 16 or not LANGUAGE.fullmatch(language):
        raise _refused(_("“%(language)s” is not a language code such as ko or ja.")
                       % {"language": language[:20]})
    if len(episode_label) > 100 or CONTROL_CHARACTERS.search(episode_label):
        raise _refused(_("The episode is up to 100 characters, without control characters."))
    if sha256 and not SHA256_HEX.fullmatch(sha256):
        raise _refused(_("The SHA-256 must be 64 hexadecimal digits."))
    upload = ResumableUpload(
        id=uuid.uuid4(), user=user, company_id=partner_company_id(user), title=title,
        episode_label=episode_label, language=language, filename=name, length=length,
        sha256=sha256.lower(), expires_at=_expiry())
    # The name keeps the file's extension: the probe takes it as a hint for some formats.
    suffix = Path(name).suffix
    upload.part_path = f"{upload.id}{suffix if SUFFIX.fullmatch(suffix) else ''}"
    part = upload_part_path(upload)
    part.parent.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        upload.save(force_insert=True)
        part.open("xb").close()
    return upload


# --- appending a piece ------------------------------------------------------------------

def upload_parse_checksum(header: str) -> tuple[str, bytes]:
    """``Upload-Checksum: <algorithm> <base64 digest>`` as (algorithm, digest)."""
    parts = header.split(" ")
    if len(parts) != 2 or parts[0].lower() not in CHECKSUM_ALGORITHMS:
        raise _refused(_("Upload-Checksum is “<algorithm> <base64 digest>” with one of these "
                         "algorithms: %(algorithms)s.") % {
            "algorithms": ", ".join(CHECKSUM_ALGORITHMS)}, "checksum_unsupported")
    algorithm = parts[0].lower()
    try:
        digest = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != CHECKSUM_ALGORITHMS[algorithm]().digest_size:
        raise _refused(_("The Upload-Checksum digest is not a base64 %(algorithm)s digest.")
                       % {"algorithm": algorithm}, "checksum_unsupported")
    return algorithm, digest


def _locked(upload: ResumableUpload) -> ResumableUpload:
    """The upload's row, locked for this transaction; refused at once (not waited for)
    while another request writes to it."""
    try:
        return ResumableUpload.objects.select_for_update(nowait=True).get(pk=upload.pk)
    except OperationalError:
        raise _refused(_("Another request is sending bytes to this upload right now; wait "
                         "for it, then ask for the upload's offset."), "busy") from None
    except ResumableUpload.DoesNotExist:
        raise _refused(_("This upload no longer exists."), "gone") from None


def _check_appendable(upload: ResumableUpload, offset: int, length: int) -> None:
    if upload.state != State.RECEIVING:
        raise _refused(_("This upload is %(state)s: it takes no more bytes.") % {
            "state": upload.get_state_display().lower()}, "finished")
    if upload_is_expired(upload):
        raise _refused(_("This upload expired at %(time)s; start a new one.") % {
            "time": upload.expires_at.isoformat(timespec="seconds")}, "expired")
    if offset != upload.offset:
        raise _refused(_("The upload has %(offset)s bytes, not %(asked)s: send from byte "
                         "%(offset)s.") % {"offset": upload.offset, "asked": offset},
                       "offset_mismatch")
    remaining = upload.length - upload.offset
    if length > remaining:
        raise _refused(_("This piece has %(size)s bytes, but only %(remaining)s remain of "
                         "the %(length)s announced.") % {
            "size": length, "remaining": remaining, "length": upload.length}, "too_large")


def _receive(upload: ResumableUpload, stream, length: int,
             checksum: tuple[str, bytes] | None) -> int:
    """Copy up to ``length`` bytes from ``stream`` to the part at the upload's offset and
    return how many arrived. With a checksum, the piece is kept whole and intact or not
    at all; without one, the bytes that arrived before a dropped connection are kept."""
    hasher = CHECKSUM_ALGORITHMS[checksum[0]]() if checksum else None
    received = 0
    with upload_part_path(upload).open("r+b") as part:
        # Bytes past the offset were never counted (a request that failed midway).
        part.truncate(upload.offset)
        part.seek(upload.offset)
        while received < length:
            try:
                block = stream.read(min(BLOCK_SIZE, length - received))
            except OSError:  # the client went away
                break
            if not block:
                break
            part.write(block)
            if hasher is not None:
                hasher.update(block)
            received += len(block)
        if hasher is not None and received < length:
            part.truncate(upload.offset)
            raise _refused(_("The piece ended after %(received)s of its %(length)s bytes, so "
                             "its checksum cannot be checked; none of it was kept.") % {
                "received": received, "length": length}, "incomplete")
        if hasher is not None and not hmac.compare_digest(hasher.digest(), checksum[1]):
            part.truncate(upload.offset)
            raise _refused(_("The %(algorithm)s checksum of the %(length)s bytes received is "
                             "not the one sent with them; none of them were kept: send them "
                             "again.") % {"algorithm": checksum[0], "length": length},
                           "checksum_mismatch")
        part.flush()
        os.fsync(part.fileno())
    return received


def upload_append(*, upload: ResumableUpload, offset: int, stream, length: int,
                  checksum: str = "") -> ResumableUpload:
    """Append the ``length`` bytes that ``stream`` holds (the request's body) at
    ``offset``, which must be the upload's own; the last piece completes the upload."""
    expected = upload_parse_checksum(checksum) if checksum else None
    with transaction.atomic():
        locked = _locked(upload)
        _check_appendable(locked, offset, length)
        if not locked.part_path or not upload_part_path(locked).is_file():
            locked.state, locked.part_path = State.FAILED, ""
            locked.error = _("The bytes received so far were lost on the server; start a "
                             "new upload.")
            locked.save(update_fields=["state", "error", "part_path", "updated_at"])
            return locked
        received = _receive(locked, stream, length, expected)
        locked.offset += received
        locked.expires_at = _expiry()
        locked.save(update_fields=["offset", "expires_at", "updated_at"])
        if locked.offset == locked.length:
            # In the same transaction: should taking the file in crash, the last piece is
            # not counted either, so the client's retry sends it again and completes.
            _complete(locked)
    return locked


class _PartFile(File):
    """The part as an upload already on local disk: media intake probes and hashes it
    where it is, with no copy."""

    def temporary_file_path(self) -> str:
        return self.file.name


def _complete(upload: ResumableUpload) -> None:
    """Take in the whole file of a locked upload: its announced SHA-256, then media
    intake, which probes it, stores it and queues its transcription. A refusal fails the
    upload with the reason, and nothing else is kept."""
    part = upload_part_path(upload)
    error = ""
    actual = file_sha256(part) if upload.sha256 else ""
    if actual and actual != upload.sha256:
        error = _("The file received has the SHA-256 %(actual)s, not %(expected)s as "
                  "announced; it was not kept.") % {"actual": actual, "expected": upload.sha256}
    else:
        try:
            with _PartFile(part.open("rb"), name=upload.filename) as received:
                upload.media, upload.job = media_transcribe(
                    title=upload.title, uploaded_file=received, user=upload.user,
                    episode_label=upload.episode_label, language=upload.language)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        except PermissionDenied as refusal:
            error = str(refusal)
    upload.state = State.FAILED if error else State.COMPLETE
    upload.error, upload.part_path = error, ""
    upload.save(update_fields=["state", "error", "media", "job", "part_path", "updated_at"])
    transaction.on_commit(lambda: part.unlink(missing_ok=True))


# --- termination and expiry -------------------------------------------------------------

def upload_terminate(*, upload: ResumableUpload) -> None:
    """Abandon an upload: its row and its bytes (a finished upload's media file and job
    stay)."""
    with transaction.atomic():
        locked = _locked(upload)
        part = upload_part_path(locked) if locked.part_path else None
        locked.delete()
        if part is not None:
            transaction.on_commit(lambda: part.unlink(missing_ok=True))


def uploads_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the uploads that received nothing before their expiry, with their bytes;
    the rows of finished uploads ``API_UPLOAD_EXPIRY_HOURS`` after they finished; and any
    part file that lost its row that long ago. Returns how many uploads were deleted."""
    now = now or timezone.now()
    kept_for = dt.timedelta(hours=settings.API_UPLOAD_EXPIRY_HOURS)
    stale = (Q(state=State.RECEIVING, expires_at__lte=now)
             | (~Q(state=State.RECEIVING) & Q(updated_at__lte=now - kept_for)))
    deleted = 0
    for pk in ResumableUpload.objects.filter(stale).values_list("pk", flat=True):
        with transaction.atomic():
            # One being written to right now is not stale (its expiry is about to move).
            locked = ResumableUpload.objects.select_for_update(skip_locked=True).filter(
                stale, pk=pk).first()
            if locked is None:
                continue
            part = upload_part_path(locked) if locked.part_path else None
            locked.delete()
            if part is not None:
                transaction.on_commit(lambda part=part: part.unlink(missing_ok=True))
            deleted += 1
    _delete_orphan_parts(older_than=now - kept_for)
    return deleted


def _delete_orphan_parts(*, older_than: dt.datetime) -> None:
    folder = Path(settings.UPLOAD_PARTS_DIR)
    if not folder.is_dir():
        return
    known = set(ResumableUpload.objects.exclude(part_path="").values_list("part_path",
                                                                         flat=True))
    for path in folder.iterdir():
        if path.name in known or not path.is_file():
            continue
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        if modified <= older_than:
            logger.info("Deleting the part %s, which no upload names", path.name)
            path.unlink(missing_ok=True)
