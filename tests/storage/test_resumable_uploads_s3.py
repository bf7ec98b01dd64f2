"""Resumable uploads (tus) with STORAGE_BACKEND=s3 against moto's server: the pieces live
in the bucket (an S3 multipart upload, with the bytes too few yet for a part waiting as
small objects), so each piece may go to another web process with another disk; the
finished file is taken in as media, and an offset conflict, a bad checksum, a crash
while taking the file in, expiry, termination and a refused file leave nothing behind
but what they should."""

import datetime as dt
import hashlib
import tempfile
import threading
import tracemalloc
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from coprod.accounts.roles import Role
from localization import background
from localization.media import uploads as upload_services
from localization.media.models import MediaAsset, ResumableUpload
from tests.api.conftest import client_with, problem, token_for
from tests.api.test_uploads import OFFSET_STREAM, TUS, checksum, metadata
from tests.factories import TitleFactory, UserFactory
from tests.storage.s3 import files_under
from tests.storage.test_object_storage import big_wav

pytestmark = pytest.mark.django_db
MiB = 1024**2
FOLDER = upload_services.BUCKET_FOLDER
# About 11.9 MiB: three parts of S3's smallest size (the bucket fixture's part size).
WAV = big_wav(65)
WAV_SHA256 = hashlib.sha256(WAV).hexdigest()


@pytest.fixture
def uploader(bucket):
    user = UserFactory(role=Role.TRANSLATOR)
    return client_with(token_for(user)), user, TitleFactory()


@pytest.fixture
def another_machine(settings, monkeypatch, tmp_path):
    """Call it before each request: the request runs as on another web process, with a
    folder for parts and a temporary folder of its own, that no other request sees."""
    folders = []

    def switch():
        machine = tmp_path / f"machine-{len(folders)}"
        (machine / "tmp").mkdir(parents=True)
        settings.UPLOAD_PARTS_DIR = str(machine / "parts")
        monkeypatch.setattr(tempfile, "tempdir", str(machine / "tmp"))
        folders.append(machine)

    yield switch
    assert [path for machine in folders for path in files_under(machine)] == []


def start(client, title, *, length=len(WAV), filename="long-tone.wav", **more) -> str:
    answer = client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH=str(length),
                         HTTP_UPLOAD_METADATA=metadata(filename=filename, title=title.pk,
                                                       **more), **TUS)
    assert answer.status_code == 201, answer.content
    return answer["Location"]


def send(client, url, data: bytes, *, offset: int, with_checksum=True, **headers):
    if with_checksum:
        headers.setdefault("HTTP_UPLOAD_CHECKSUM", checksum("sha256", data))
    return client.generic("PATCH", url, data, content_type=OFFSET_STREAM,
                          HTTP_UPLOAD_OFFSET=str(offset), **TUS, **headers)


def open_multipart_uploads(bucket) -> list[str]:
    answer = bucket.client.list_multipart_uploads(Bucket=bucket.name)
    return [entry["Key"] for entry in answer.get("Uploads", ())]


def pending_keys(bucket, upload) -> list[str]:
    return [key for key in bucket.object_keys()
            if key.startswith(f"{FOLDER}/pending/{upload.pk}/")]


def test_pieces_of_any_size_sent_to_different_machines_end_as_one_media_file(
        bucket, uploader, another_machine, queued, django_capture_on_commit_callbacks, tmp_path,
        monkeypatch):
    client, _user, title = uploader
    another_machine()
    url = start(client, title, sha256=WAV_SHA256)
    upload = ResumableUpload.objects.get()
    assert upload.multipart_upload_id and upload.part_path == f"{FOLDER}/{upload.pk}.wav"
    assert open_multipart_uploads(bucket) == [upload.part_path]

    offset = 0
    # (piece, parts in the multipart upload after it, pending pieces' offsets after it)
    for size, parts, pending in ((3 * MiB, [], [0]),
                                 (3 * MiB, [5 * MiB], [5 * MiB]),
                                 (1 * MiB, [5 * MiB], [5 * MiB, 6 * MiB])):
        another_machine()
        with django_capture_on_commit_callbacks(execute=True):
            answer = send(client, url, WAV[offset:offset + size], offset=offset)
        assert answer.status_code == 204, answer.content
        offset += size
        assert answer["Upload-Offset"] == str(offset)
        upload.refresh_from_db()
        assert [part["size"] for part in upload.stored_parts] == parts
        assert [piece["offset"] for piece in upload.pending_pieces] == pending
        assert pending_keys(bucket, upload) == sorted(f"{FOLDER}/pending/{upload.pk}/{start}"
                                                      for start in pending)
        listed = bucket.client.list_parts(Bucket=bucket.name, Key=upload.part_path,
                                          UploadId=upload.multipart_upload_id)
        assert [part["Size"] for part in listed.get("Parts", ())] == parts
        # Yet another machine answers HEAD from the row.
        another_machine()
        head = client.head(url, **TUS)
        assert head.status_code == 200 and head["Upload-Offset"] == str(offset)

    another_machine()
    # What the web process sends to the bucket as whole files from here on.
    from storages.backends.s3 import S3Storage

    sent, real_save = [], S3Storage._save
    monkeypatch.setattr(S3Storage, "_save", lambda storage, name, content: (
        sent.append(name), real_save(storage, name, content))[1])
    with django_capture_on_commit_callbacks(execute=True):
        last = send(client, url, WAV[offset:], offset=offset)
    assert last.status_code == 204, last.content
    assert last["Upload-Offset"] == str(len(WAV))
    # The media file is the assembled object copied in the bucket, never sent again.
    assert sent == []

    upload.refresh_from_db()
    asset = MediaAsset.objects.get()
    assert (upload.state, upload.error, upload.media) == ("complete", "", asset)
    assert (upload.part_path, upload.multipart_upload_id, upload.pending_pieces) == ("", "",
                                                                                    [])
    assert (asset.sha256, asset.size_bytes, asset.original_name) == (WAV_SHA256, len(WAV),
                                                                     "long-tone.wav")
    assert hashlib.sha256(bucket.read(asset.file.name)).hexdigest() == WAV_SHA256
    assert bucket.object_keys() == [asset.file.name]
    assert open_multipart_uploads(bucket) == []
    assert queued == [(background.TRANSCRIBE_MEDIA, [upload.job_id])]
    assert files_under(tmp_path / "media") == []
    assert client.get(url).json()["media"] == asset.pk


def test_a_wrong_offset_or_checksum_loses_nothing_and_the_upload_goes_on(
        bucket, uploader, queued, django_capture_on_commit_callbacks):
    client, _user, title = uploader
    url = start(client, title)
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, url, WAV[:6 * MiB], offset=0).status_code == 204
    upload = ResumableUpload.objects.get()
    before = (upload.stored_parts, upload.pending_pieces, bucket.object_keys())
    assert [part["size"] for part in upload.stored_parts] == [5 * MiB]

    for wrong in (0, 3 * MiB, 7 * MiB):
        with django_capture_on_commit_callbacks(execute=True):
            answer = send(client, url, WAV[wrong:wrong + MiB], offset=wrong)
        assert answer.status_code == 409
        assert problem(answer)["type"] == "/api/problems/upload-offset-mismatch"
        assert answer["Upload-Offset"] == str(6 * MiB)
    # A damaged piece big enough to fill a part before its checksum is known: the part
    # it sent is not counted, and the pending piece it would have used up stays.
    piece = WAV[6 * MiB:]
    damaged = piece[:-1] + bytes([piece[-1] ^ 1])
    with django_capture_on_commit_callbacks(execute=True):
        refused = send(client, url, damaged, offset=6 * MiB,
                       HTTP_UPLOAD_CHECKSUM=checksum("sha256", piece))
    assert refused.status_code == 460 and refused["Upload-Offset"] == str(6 * MiB)
    upload.refresh_from_db()
    assert (upload.offset, upload.stored_parts, upload.pending_pieces,
            bucket.object_keys()) == (6 * MiB, *before)

    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, url, piece, offset=6 * MiB).status_code == 204
    asset = MediaAsset.objects.get()
    assert asset.sha256 == WAV_SHA256
    assert hashlib.sha256(bucket.read(asset.file.name)).hexdigest() == WAV_SHA256
    assert bucket.object_keys() == [asset.file.name] and open_multipart_uploads(bucket) == []


def test_a_piece_of_many_parts_holds_one_part_in_memory_at_a_time(
        bucket, uploader, django_capture_on_commit_callbacks):
    client, _user, title = uploader
    data = big_wav(130)  # about 24 MiB
    start(client, title, length=len(data))
    upload = ResumableUpload.objects.get()
    piece = data[:20 * MiB]
    body = _Body(piece)  # the request's body, read as it arrives
    tracemalloc.start()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            upload = upload_services.upload_append(
                upload=upload, offset=0, stream=body, length=len(piece),
                checksum=checksum("md5", piece))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert upload.offset == 20 * MiB
    assert [part["size"] for part in upload.stored_parts] == [5 * MiB] * 4
    assert upload.pending_pieces == [] and pending_keys(bucket, upload) == []
    assert peak < 2 * 5 * MiB, f"{peak} bytes held while storing a piece of {len(piece)}"


def test_a_dropped_connection_keeps_the_bytes_that_arrived(
        bucket, uploader, queued, django_capture_on_commit_callbacks):
    """Without a checksum, as on disk: the part filled before the drop and the bytes
    after it (pending) are kept, and the upload resumes from there."""
    client, _user, title = uploader
    start(client, title)
    upload = ResumableUpload.objects.get()

    class Dropped(_Body):
        def read(self, size):
            if self.sent >= 7 * MiB:
                raise OSError("connection reset")
            return super().read(min(size, 7 * MiB - self.sent))

    with django_capture_on_commit_callbacks(execute=True):
        upload_services.upload_append(upload=upload, offset=0, stream=_Body(WAV[:2 * MiB]),
                                      length=2 * MiB)
        upload = upload_services.upload_append(upload=upload, offset=2 * MiB,
                                               stream=Dropped(WAV[2 * MiB:]),
                                               length=len(WAV) - 2 * MiB)
    assert upload.offset == 9 * MiB
    assert [part["size"] for part in upload.stored_parts] == [5 * MiB]
    assert pending_keys(bucket, upload) == [f"{FOLDER}/pending/{upload.pk}/{5 * MiB}"]
    assert bucket.read(pending_keys(bucket, upload)[0]) == WAV[5 * MiB:9 * MiB]
    url = f"/api/v1/uploads/{upload.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, url, WAV[9 * MiB:], offset=9 * MiB).status_code == 204
    asset = MediaAsset.objects.get()
    assert hashlib.sha256(bucket.read(asset.file.name)).hexdigest() == WAV_SHA256
    assert bucket.object_keys() == [asset.file.name] and open_multipart_uploads(bucket) == []


@pytest.mark.parametrize("refusal", ["not media", "not the announced sha256"])
def test_a_refused_file_leaves_nothing_in_the_bucket(
        bucket, uploader, queued, django_capture_on_commit_callbacks, tmp_path, refusal):
    client, _user, title = uploader
    if refusal == "not media":
        data, announced = b"not a video at all " * (400 * 1024), ""
        reason = ("This is not a video or audio file that can be read (unknown or damaged "
                  "format).")
    else:
        data, announced = WAV, "ab" * 32
        reason = (f"The file received has the SHA-256 {WAV_SHA256}, not {'ab' * 32} as "
                  "announced; it was not kept.")
    assert len(data) > 5 * MiB
    url = start(client, title, length=len(data), filename="notes.wav",
                **({"sha256": announced} if announced else {}))
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, url, data[:3 * MiB], offset=0).status_code == 204
        answer = send(client, url, data[3 * MiB:], offset=3 * MiB)
    assert answer.status_code == 422
    assert problem(answer)["type"] == "/api/problems/upload-refused"
    assert problem(answer)["detail"] == reason
    upload = ResumableUpload.objects.get()
    assert (upload.state, upload.error) == ("failed", reason)
    assert bucket.object_keys() == [] and open_multipart_uploads(bucket) == []
    assert not MediaAsset.objects.exists() and queued == []
    assert files_under(tmp_path / "media") == []


def test_a_crash_while_taking_the_file_in_leaves_the_last_piece_to_send_again(
        bucket, uploader, queued, monkeypatch, django_capture_on_commit_callbacks):
    client, _user, title = uploader
    url = start(client, title)
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, url, WAV[:7 * MiB], offset=0).status_code == 204
    real_intake = upload_services.media_transcribe

    def storage_down(**kwargs):
        raise OSError("storage is down")

    monkeypatch.setattr(upload_services, "media_transcribe", storage_down)
    client.raise_request_exception = False
    with django_capture_on_commit_callbacks(execute=True):
        crashed = send(client, url, WAV[7 * MiB:], offset=7 * MiB)
    assert crashed.status_code == 500
    assert client.head(url, **TUS)["Upload-Offset"] == str(7 * MiB)
    # The multipart upload was completed before the crash: its object is whole.
    upload = ResumableUpload.objects.get()
    assert open_multipart_uploads(bucket) == []
    assert bucket.read(upload.part_path) == WAV

    monkeypatch.setattr(upload_services, "media_transcribe", real_intake)
    with django_capture_on_commit_callbacks(execute=True):
        again = send(client, url, WAV[7 * MiB:], offset=7 * MiB)
    assert again.status_code == 204, again.content
    asset = MediaAsset.objects.get()
    assert ResumableUpload.objects.get().state == "complete"
    assert hashlib.sha256(bucket.read(asset.file.name)).hexdigest() == WAV_SHA256
    assert bucket.object_keys() == [asset.file.name] and open_multipart_uploads(bucket) == []


def test_expiry_aborts_the_multipart_upload_and_deletes_the_pending_pieces(
        bucket, uploader, django_capture_on_commit_callbacks):
    client, _user, title = uploader
    url = start(client, title)
    kept = start(client, title)
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, url, WAV[:6 * MiB], offset=0).status_code == 204
        assert send(client, kept, WAV[:MiB], offset=0).status_code == 204
    expired = ResumableUpload.objects.get(pk=url.rstrip("/").rsplit("/", 1)[1])
    assert pending_keys(bucket, expired) and len(open_multipart_uploads(bucket)) == 2
    ResumableUpload.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert upload_services.uploads_expire() == 1
    fresh = ResumableUpload.objects.get()
    assert open_multipart_uploads(bucket) == [fresh.part_path]
    assert bucket.object_keys() == [f"{FOLDER}/pending/{fresh.pk}/0"]
    assert client.head(url, **TUS).status_code == 404

    # Terminating the other one deletes its bytes too.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(kept, **TUS).status_code == 204
    assert bucket.object_keys() == [] and open_multipart_uploads(bucket) == []


def test_expiry_deletes_what_no_upload_names_any_more(bucket, uploader,
                                                      django_capture_on_commit_callbacks):
    client, _user, title = uploader
    url = start(client, title)
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, url, WAV[:MiB], offset=0).status_code == 204
    live = ResumableUpload.objects.get()
    lost = uuid.uuid4()
    bucket.client.create_multipart_upload(Bucket=bucket.name, Key=f"{FOLDER}/{lost}.wav")
    for key in (f"{FOLDER}/pending/{lost}/0", f"{FOLDER}/{lost}.wav"):
        bucket.client.put_object(Bucket=bucket.name, Key=key, Body=b"x")
    ResumableUpload.objects.update(expires_at=timezone.now() + dt.timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True):
        assert upload_services.uploads_expire(
            now=timezone.now() + dt.timedelta(hours=30)) == 0
    assert open_multipart_uploads(bucket) == [live.part_path]
    assert bucket.object_keys() == [f"{FOLDER}/pending/{live.pk}/0"]


def test_an_upload_whose_multipart_upload_is_gone_fails_with_the_reason(
        bucket, uploader, django_capture_on_commit_callbacks):
    client, _user, title = uploader
    url = start(client, title)
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, url, WAV[:MiB], offset=0).status_code == 204
    upload = ResumableUpload.objects.get()
    # A bucket rule that aborts incomplete multipart uploads, say.
    bucket.client.abort_multipart_upload(Bucket=bucket.name, Key=upload.part_path,
                                         UploadId=upload.multipart_upload_id)
    with django_capture_on_commit_callbacks(execute=True):
        answer = send(client, url, WAV[MiB:2 * MiB], offset=MiB)
    assert answer.status_code == 422
    assert "were lost on the server" in problem(answer)["detail"]
    assert ResumableUpload.objects.get().state == "failed"
    assert bucket.object_keys() == [] and open_multipart_uploads(bucket) == []


@pytest.mark.django_db(transaction=True)
def test_two_pieces_at_once_never_interleave(bucket):
    """As on disk: the first request holds the row while it sends its part, a second
    one meanwhile is refused at once, and afterwards finds the offset moved on."""
    user = UserFactory(role=Role.TRANSLATOR)
    upload = upload_services.upload_create(user=user, title=TitleFactory(),
                                           length=len(WAV), filename="long-tone.wav")
    reading, release = threading.Event(), threading.Event()

    class SlowBody:
        def __init__(self):
            self.sent = 0

        def read(self, size):
            reading.set()
            assert release.wait(timeout=120)
            block = WAV[self.sent:self.sent + size]
            self.sent += len(block)
            return block

    outcome = {}

    def first_request():
        try:
            outcome["first"] = upload_services.upload_append(
                upload=upload, offset=0, stream=SlowBody(), length=6 * MiB)
        finally:
            connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    try:
        assert reading.wait(timeout=120)
        with pytest.raises(ValidationError) as busy:
            upload_services.upload_append(upload=upload, offset=0,
                                          stream=_Body(WAV[:MiB]), length=MiB)
        assert busy.value.code == "busy"
    finally:
        release.set()
        thread.join(timeout=120)
    assert outcome["first"].offset == 6 * MiB
    with pytest.raises(ValidationError) as moved:
        upload_services.upload_append(upload=upload, offset=0, stream=_Body(WAV[:MiB]),
                                      length=MiB)
    assert moved.value.code == "offset_mismatch"
    upload.refresh_from_db()
    assert [part["size"] for part in upload.stored_parts] == [5 * MiB]
    assert bucket.read(f"{FOLDER}/pending/{upload.pk}/{5 * MiB}") == WAV[5 * MiB:6 * MiB]


class _Body:
    """A request body: its bytes, read a block at a time."""

    def __init__(self, data: bytes):
        self.data, self.sent = memoryview(data), 0

    def read(self, size: int) -> bytes:
        block = bytes(self.data[self.sent:self.sent + size])
        self.sent += len(block)
        return block
