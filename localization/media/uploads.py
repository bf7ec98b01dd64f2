"""Resumable uploads: a media file of several gigabytes sent in pieces, so that a dropped
connection costs one piece, not the file. This is the server side of the tus protocol
without HTTP (``localization.api.uploads`` speaks the protocol).

On the file system the bytes received so far sit in a part file under
``UPLOAD_PARTS_DIR``. With STORAGE_BACKEND=s3 they sit in the bucket instead, so that any
web process can take the next piece: the upload is an S3 multipart upload, started with
the tus upload, whose parts must be 5 MiB or more (all but the last) while tus pieces
come in any size. The bytes after the last part, until there are enough for one, wait
as small objects of their own (``…/pending/<upload>/<offset>``); the piece that brings
them to a part's size is uploaded with them as the next part, and they are deleted. The
row records the parts and the pending pieces; nothing is kept on this machine's disk.

Each piece is copied from the request as it arrives, a block at a time (never whole in
memory; on S3 at most one part), and counted only once it is stored and matches its
checksum when the client sent one. The upload's row is locked while a piece is written,
so two requests never write at once. When the last byte is in, the file is checked
against the SHA-256 announced at creation, if any, and taken in exactly as a page upload
is (``media_transcribe``: limits, probe, storage, the transcription job); then the part
(on S3: the assembled object and the pending pieces) is deleted. An upload that
receives nothing for ``API_UPLOAD_EXPIRY_HOURS`` is deleted with its bytes
(``uploads_expire``; on S3 its multipart upload is aborted).

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
import math
import os
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import DEFAULT_STORAGE_ALIAS, default_storage, storages
from django.db import OperationalError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from coprod.core.storage import local_copy, s3_object
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
# On S3: the stored names of the uploads' multipart objects and pending pieces.
BUCKET_FOLDER = "localization/resumable-uploads"
# S3 takes parts of 5 MiB or more (but the last), at most 10,000 of them.
SMALLEST_PART = 5 * 1024 * 1024
MOST_PARTS = 10_000


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
    if _bucket_object(BUCKET_FOLDER) is not None:  # STORAGE_BACKEND=s3
        return _create_in_bucket(upload)
    part = upload_part_path(upload)
    part.parent.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        upload.save(force_insert=True)
        part.open("xb").close()
    return upload


def _create_in_bucket(upload: ResumableUpload) -> ResumableUpload:
    """The upload as an S3 multipart upload, started now (aborted should the row not be
    saved)."""
    upload.part_path = f"{BUCKET_FOLDER}/{upload.part_path}"
    upload.multipart_upload_id = _bucket_object(upload.part_path).initiate_multipart_upload().id
    try:
        upload.save(force_insert=True)
    except BaseException:
        _discard_from_bucket(upload.pk, upload.part_path, upload.multipart_upload_id)
        raise
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


def _piece_refusal(hasher, checksum: tuple[str, bytes] | None, received: int,
                   length: int) -> ValidationError | None:
    """Why a piece sent with a checksum cannot be kept (it was cut short, or its bytes
    are not the ones checksummed), or None."""
    if hasher is None:
        return None
    if received < length:
        return _refused(_("The piece ended after %(received)s of its %(length)s bytes, so "
                          "its checksum cannot be checked; none of it was kept.") % {
            "received": received, "length": length}, "incomplete")
    if not hmac.compare_digest(hasher.digest(), checksum[1]):
        return _refused(_("The %(algorithm)s checksum of the %(length)s bytes received is "
                          "not the one sent with them; none of them were kept: send them "
                          "again.") % {"algorithm": checksum[0], "length": length},
                        "checksum_mismatch")
    return None


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
        refusal = _piece_refusal(hasher, checksum, received, length)
        if refusal is not None:
            part.truncate(upload.offset)
            raise refusal
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
        if locked.multipart_upload_id:
            return _append_in_bucket(locked, stream, length, expected)
        if not locked.part_path or not upload_part_path(locked).is_file():
            return _lost(locked)
        received = _receive(locked, stream, length, expected)
        locked.offset += received
        locked.expires_at = _expiry()
        locked.save(update_fields=["offset", "expires_at", "updated_at"])
        if locked.offset == locked.length:
            # In the same transaction: should taking the file in crash, the last piece is
            # not counted either, so the client's retry sends it again and completes.
            _complete(locked)
    return locked


def _lost(upload: ResumableUpload) -> ResumableUpload:
    """Fail a locked upload whose bytes are gone from the server (its part file, its
    multipart upload or a pending piece)."""
    if upload.multipart_upload_id:
        _discard_on_commit(upload)
    upload.state, upload.part_path = State.FAILED, ""
    upload.multipart_upload_id, upload.stored_parts, upload.pending_pieces = "", [], []
    upload.error = _("The bytes received so far were lost on the server; start a new "
                     "upload.")
    upload.save(update_fields=["state", "error", "part_path", "multipart_upload_id",
                               "stored_parts", "pending_pieces", "updated_at"])
    return upload


class _PartFile(File):
    """The part (on S3: the local copy of the assembled file) as an upload already on
    local disk: media intake probes and hashes it where it is, with no copy."""

    def temporary_file_path(self) -> str:
        return self.file.name


def _complete(upload: ResumableUpload) -> None:
    """Take in the whole file of a locked upload: its announced SHA-256, then media
    intake, which probes it, stores it and queues its transcription. A refusal fails the
    upload with the reason, and nothing else is kept."""
    part = upload_part_path(upload)
    _take_in(upload, part)
    transaction.on_commit(lambda: part.unlink(missing_ok=True))


def _take_in(upload: ResumableUpload, part: Path, *, stored_as: str | None = None) -> None:
    """Check and take in the whole file at ``part``, a local path (on S3 a copy of the
    assembled object ``stored_as``, which the media file is copied from in the bucket);
    the upload holds no bytes afterwards (the caller deletes them once this is
    committed)."""
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
                    episode_label=upload.episode_label, language=upload.language,
                    stored_as=stored_as)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        except PermissionDenied as refusal:
            error = str(refusal)
    upload.state = State.FAILED if error else State.COMPLETE
    upload.error, upload.part_path = error, ""
    upload.multipart_upload_id, upload.stored_parts, upload.pending_pieces = "", [], []
    upload.save(update_fields=["state", "error", "media", "job", "part_path",
                               "multipart_upload_id", "stored_parts", "pending_pieces",
                               "updated_at"])


# --- termination and expiry -------------------------------------------------------------

def upload_terminate(*, upload: ResumableUpload) -> None:
    """Abandon an upload: its row and its bytes (a finished upload's media file and job
    stay)."""
    with transaction.atomic():
        locked = _locked(upload)
        _delete_with_bytes(locked)


def _delete_with_bytes(upload: ResumableUpload) -> None:
    """Delete a locked upload's row, and its bytes once that is committed."""
    if upload.multipart_upload_id:
        _discard_on_commit(upload)
    elif upload.part_path:
        part = upload_part_path(upload)
        transaction.on_commit(lambda: part.unlink(missing_ok=True))
    upload.delete()


def uploads_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the uploads that received nothing before their expiry, with their bytes
    (on S3: their multipart uploads aborted, their pending pieces deleted); the rows of
    finished uploads ``API_UPLOAD_EXPIRY_HOURS`` after they finished; and any part file,
    multipart upload or object in the bucket that lost its row that long ago. Returns
    how many uploads were deleted."""
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
            _delete_with_bytes(locked)
            deleted += 1
    _delete_orphan_parts(older_than=now - kept_for)
    _delete_orphans_in_bucket(older_than=now - kept_for)
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


# --- the pieces in the bucket (STORAGE_BACKEND=s3) --------------------------------------

def _bucket_object(name: str):
    """The boto3 object of a stored name when the default storage is S3, else None."""
    # The storage itself, not default_storage: that lazy proxy may not have loaded
    # (imported) its class yet.
    return s3_object(storages[DEFAULT_STORAGE_ALIAS], name)


def _pending_name(upload_id, offset: int | None = None) -> str:
    folder = f"{BUCKET_FOLDER}/pending/{upload_id}/"
    return folder if offset is None else f"{folder}{offset}"


def _is_missing(error: Exception) -> bool:
    """Whether an S3 error (botocore's ClientError) says that the object or the
    multipart upload is not there (HEAD answers a bare 404)."""
    code = (getattr(error, "response", None) or {}).get("Error", {}).get("Code")
    return code in ("NoSuchUpload", "NoSuchKey", "404")


def _part_sizes(upload: ResumableUpload) -> tuple[int, int]:
    """The smallest part worth sending (S3's minimum, or more for a file that would
    need over 10,000 of them) and the largest held in memory at once (the storage's
    multipart chunk size)."""
    smallest = max(SMALLEST_PART, math.ceil(upload.length / MOST_PARTS))
    return smallest, max(smallest, default_storage.transfer_config.multipart_chunksize)


class _BytesLost(Exception):
    """The multipart upload or a pending piece is gone from the bucket."""


class _BucketPieces:
    """One request's work on a locked upload's multipart upload: the parts it uploads,
    the pending pieces it uses up and the one it leaves. The row is updated from it
    only once the piece is accepted."""

    def __init__(self, upload: ResumableUpload):
        self.upload = upload
        self.remote = _bucket_object(upload.part_path)  # None: not on S3 any more
        self.parts: list[dict] = list(upload.stored_parts)
        self.pending: list[dict] = list(upload.pending_pieces)
        self.used_up: list[dict] = []

    def _call(self, operation: str, **arguments):
        client = self.remote.meta.client
        try:
            return getattr(client, operation)(Bucket=self.remote.bucket_name, **arguments)
        except Exception as error:
            if _is_missing(error):
                raise _BytesLost from error
            raise

    def upload_part(self, data: bytearray) -> None:
        number = len(self.parts) + 1
        answer = self._call("upload_part", Key=self.remote.key, PartNumber=number,
                            UploadId=self.upload.multipart_upload_id, Body=data)
        self.parts.append({"number": number, "etag": answer["ETag"], "size": len(data)})

    def take_pending(self) -> bytearray:
        """The pending pieces' bytes, in order, now on their way into a part."""
        data = bytearray()
        for piece in self.pending:
            key = _bucket_object(_pending_name(self.upload.pk, piece["offset"])).key
            body = self._call("get_object", Key=key)["Body"]
            try:
                for chunk in body.iter_chunks(BLOCK_SIZE):
                    data += chunk
            finally:
                body.close()
        self.used_up, self.pending = self.pending, []
        return data

    def give_back_pending(self) -> None:
        self.pending, self.used_up = self.used_up, []

    def put_pending(self, offset: int, data: bytearray) -> None:
        key = _bucket_object(_pending_name(self.upload.pk, offset)).key
        self._call("put_object", Key=key, Body=data)
        self.pending.append({"offset": offset, "size": len(data)})

    def complete(self) -> None:
        self._call("complete_multipart_upload", Key=self.remote.key,
                   UploadId=self.upload.multipart_upload_id,
                   MultipartUpload={"Parts": [{"PartNumber": part["number"],
                                               "ETag": part["etag"]}
                                              for part in self.parts]})

    def exists(self) -> bool:
        try:
            self._call("list_parts", Key=self.remote.key, MaxParts=1,
                       UploadId=self.upload.multipart_upload_id)
        except _BytesLost:
            return False
        return True

    def reopen(self) -> bool:
        """After a completion whose intake failed (the transaction was rolled back, the
        multipart upload is no more, its object is whole): a new multipart upload of
        the same parts, copied within the bucket, so the last piece can come again."""
        try:
            head = self._call("head_object", Key=self.remote.key)
        except _BytesLost:
            return False
        if head["ContentLength"] != self.upload.length:
            return False
        self.upload.multipart_upload_id = self.remote.initiate_multipart_upload().id
        start, copied = 0, []
        for part in self.parts:
            answer = self._call(
                "upload_part_copy", Key=self.remote.key, PartNumber=part["number"],
                UploadId=self.upload.multipart_upload_id,
                CopySource={"Bucket": self.remote.bucket_name, "Key": self.remote.key},
                CopySourceRange=f"bytes={start}-{start + part['size'] - 1}")
            copied.append({**part, "etag": answer["CopyPartResult"]["ETag"]})
            start += part["size"]
        self.parts = copied
        return True


def _append_in_bucket(upload: ResumableUpload, stream, length: int,
                      checksum: tuple[str, bytes] | None) -> ResumableUpload:
    """``upload_append`` for a locked upload held in the bucket."""
    pieces = _BucketPieces(upload)
    if pieces.remote is None or not (pieces.exists() or pieces.reopen()):
        return _lost(upload)
    try:
        received = _receive_into_bucket(pieces, stream, length, checksum)
        upload.offset += received
        upload.expires_at = _expiry()
        upload.stored_parts, upload.pending_pieces = pieces.parts, pieces.pending
        upload.save(update_fields=["offset", "expires_at", "multipart_upload_id",
                                   "stored_parts", "pending_pieces", "updated_at"])
        if upload.offset == upload.length:
            # As on disk, in the same transaction: should the intake crash, the last
            # piece is not counted, and its retry finds the assembled object (reopen).
            pieces.complete()
    except _BytesLost:
        return _lost(upload)
    used_up = [_pending_name(upload.pk, piece["offset"]) for piece in pieces.used_up]
    if upload.offset == upload.length:
        with local_copy(default_storage, upload.part_path) as path:
            assembled = upload.part_path
            _discard_on_commit(upload)
            _take_in(upload, path, stored_as=assembled)
    elif used_up:
        transaction.on_commit(lambda: _delete_stored(used_up))
    return upload


def _receive_into_bucket(pieces: _BucketPieces, stream, length: int,
                         checksum: tuple[str, bytes] | None) -> int:
    """Copy up to ``length`` bytes from ``stream`` into the upload's multipart upload
    and return how many arrived; the checksum rules are ``_receive``'s. A part goes up
    whenever the pending bytes and the new ones fill the largest part; at the end they
    go up as one more part if they reach the smallest (or end the file), else the new
    ones wait as a pending piece. Parts sent for a piece that is then refused are not
    recorded: the next piece's parts take their numbers, and S3 keeps the latest."""
    upload = pieces.upload
    smallest, largest = _part_sizes(upload)
    hasher = CHECKSUM_ALGORITHMS[checksum[0]]() if checksum else None
    pending_size = sum(piece["size"] for piece in pieces.pending)
    buffer, held_pending = bytearray(), 0
    if pending_size + length >= smallest or upload.offset + length == upload.length:
        buffer = pieces.take_pending()
        held_pending = len(buffer)
    received = 0
    while received < length:
        try:
            block = stream.read(min(BLOCK_SIZE, length - received, largest - len(buffer)))
        except OSError:  # the client went away
            break
        if not block:
            break
        buffer += block
        if hasher is not None:
            hasher.update(block)
        received += len(block)
        if len(buffer) == largest:
            pieces.upload_part(buffer)
            buffer, held_pending = bytearray(), 0
    refusal = _piece_refusal(hasher, checksum, received, length)
    if refusal is not None:
        raise refusal
    if buffer and (len(buffer) >= smallest or upload.offset + received == upload.length):
        pieces.upload_part(buffer)
    elif len(buffer) > held_pending:
        if held_pending:  # no part went up: what was pending stays so
            pieces.give_back_pending()
        pieces.put_pending(upload.offset + received - (len(buffer) - held_pending),
                           buffer[held_pending:])
    elif held_pending:
        pieces.give_back_pending()
    return received


def _discard_on_commit(upload: ResumableUpload) -> None:
    """Once this transaction is committed, abort the upload's multipart upload and
    delete its object and pending pieces."""
    names = (upload.pk, upload.part_path, upload.multipart_upload_id)
    transaction.on_commit(lambda: _discard_from_bucket(*names))


def _discard_from_bucket(upload_id, name: str, multipart_upload_id: str) -> None:
    """Abort a multipart upload and delete its object and pending pieces. A failure is
    logged, not raised: ``uploads_expire`` deletes what no upload names later on."""
    remote = _bucket_object(name)
    if remote is None:
        return
    try:
        try:
            remote.meta.client.abort_multipart_upload(
                Bucket=remote.bucket_name, Key=remote.key, UploadId=multipart_upload_id)
        except Exception as error:
            if not _is_missing(error):
                raise
        folder = _bucket_object(_pending_name(upload_id)).key
        default_storage.bucket.objects.filter(Prefix=folder).delete()
        remote.delete()
    except Exception:
        logger.warning("Could not delete the bytes of the upload %s from the bucket",
                       upload_id, exc_info=True)


def _delete_stored(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.warning("Could not delete %s from the bucket", name, exc_info=True)


def _delete_orphans_in_bucket(*, older_than: dt.datetime) -> None:
    """On S3, the multipart uploads and objects of uploads that no row names any more
    (their deletion failed, or a request died midway), once older than ``older_than``."""
    folder = _bucket_object(f"{BUCKET_FOLDER}/")
    if folder is None:
        return
    client, bucket, prefix = folder.meta.client, folder.bucket_name, folder.key
    held = ResumableUpload.objects.exclude(part_path="")
    known_ids = {str(pk) for pk in held.values_list("pk", flat=True)}
    known_uploads = set(held.exclude(multipart_upload_id="").values_list(
        "multipart_upload_id", flat=True))
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket,
                                                                       Prefix=prefix):
        for entry in page.get("Uploads", ()):
            if entry["UploadId"] not in known_uploads and entry["Initiated"] <= older_than:
                logger.info("Aborting the multipart upload of %s, which no upload names",
                            entry["Key"])
                client.abort_multipart_upload(Bucket=bucket, Key=entry["Key"],
                                              UploadId=entry["UploadId"])
    pending = f"{prefix}pending/"
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                 Prefix=prefix):
        for entry in page.get("Contents", ()):
            key = entry["Key"]
            owner = (key[len(pending):].split("/", 1)[0] if key.startswith(pending)
                     else key[len(prefix):][:36])
            if owner not in known_ids and entry["LastModified"] <= older_than:
                logger.info("Deleting %s, which no upload names", key)
                client.delete_object(Bucket=bucket, Key=key)
