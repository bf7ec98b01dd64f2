"""Resumable media uploads (tus 1.0.0) under /api/v1/uploads/: a real tus client over real
HTTP in pieces with checksums, a resumed upload, every refusal (checksum, offset, sizes,
headers, a file that is not media, a SHA-256 that does not match), who sees an upload,
termination and expiry, and the upload limit's 413 as a problem under /api/."""

import base64
import datetime as dt
import hashlib
import io
import os
import threading
from pathlib import Path

import pytest
import requests
import schemathesis
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from tusclient import client as tus_client
from tusclient.exceptions import TusUploadFailed

from config.celery import app
from coprod.accounts.roles import Role
from localization import background
from localization.media import uploads as upload_services
from localization.media.models import MediaAsset, ResumableUpload
from localization.transcription.models import LocalizationJob
from tests.api.conftest import client_with, problem, token_for
from tests.api.test_schemathesis import CHECKS as SCHEMA_CHECKS
from tests.coprod.portal.test_portal_and_statements import partner_agreement
from tests.factories import UserFactory
from tests.localization.conftest import DEMO_CLIP

CLIP = DEMO_CLIP.read_bytes()
CLIP_SHA256 = hashlib.sha256(CLIP).hexdigest()
PIECE = 16 * 1024
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
OFFSET_STREAM = "application/offset+octet-stream"
schemathesis.serializer.alias(OFFSET_STREAM, "application/octet-stream")  # pieces are bytes
# Tests whose requests run outside the test's transaction (a live server, threads).
TRANSACTIONAL = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def parts_folder(settings, tmp_path):
    settings.UPLOAD_PARTS_DIR = str(tmp_path / "parts")
    return tmp_path / "parts"


@pytest.fixture
def queued(monkeypatch):
    """The tasks queued, by name and arguments; none runs (no Whisper in these tests)."""
    tasks = []
    monkeypatch.setattr(background, "task_enqueue_on_commit",
                        lambda name, *, args, task_id=None: tasks.append((name, args)))
    return tasks


@pytest.fixture
def partner(db):
    _agreement, user, title = partner_agreement("Studio A", "studio-a", "AGR-A", issue=False)
    return user, title


def metadata(**values) -> str:
    return ",".join(f"{key} {base64.b64encode(str(value).encode()).decode()}"
                    for key, value in values.items())


def create(client, title, *, length=len(CLIP), **more):
    values = {"filename": "clip.ogg", "title": title.pk, **more}
    return client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH=str(length),
                       HTTP_UPLOAD_METADATA=metadata(**values), **TUS)


def created(client, title, **more) -> str:
    answer = create(client, title, **more)
    assert answer.status_code == 201, answer.content
    return answer["Location"]


def patch(client, url, data: bytes, *, offset: int, content_type=OFFSET_STREAM, **headers):
    return client.generic("PATCH", url, data, content_type=content_type,
                          HTTP_UPLOAD_OFFSET=str(offset), **TUS, **headers)


def checksum(algorithm: str, data: bytes) -> str:
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def part_of(url: str) -> Path:
    return upload_services.upload_part_path(ResumableUpload.objects.get(pk=url.rstrip("/")
                                                                        .rsplit("/", 1)[1]))


# --- a real tus client over HTTP --------------------------------------------------------

def tus_uploader(live_server, user, url=None, **options):
    tus = tus_client.TusClient(f"{live_server.url}/api/v1/uploads/",
                               headers={"Authorization": f"Bearer {token_for(user)}"})
    return tus.uploader(str(DEMO_CLIP), url=url, chunk_size=PIECE, upload_checksum=True,
                        **options)


@TRANSACTIONAL
def test_a_tus_client_uploads_a_file_in_checked_pieces_and_its_transcription_is_queued(
        live_server, partner, queued, parts_folder):
    user, title = partner
    uploader = tus_uploader(live_server, user, metadata={
        "filename": DEMO_CLIP.name, "title": str(title.pk), "language": "ko",
        "episode": "S01E02", "sha256": CLIP_SHA256})
    uploader.upload()

    upload = ResumableUpload.objects.get()
    assert (upload.state, upload.error, upload.offset) == ("complete", "", len(CLIP))
    asset = MediaAsset.objects.get()
    assert upload.media == asset
    assert (asset.sha256, asset.size_bytes, asset.original_name, asset.episode_label) == (
        CLIP_SHA256, len(CLIP), DEMO_CLIP.name, "S01E02")
    assert (asset.company, asset.uploaded_by, asset.title) == (user.company, user, title)
    job = LocalizationJob.objects.get()
    assert (upload.job, job.media, job.state, job.language) == (job, asset, "queued", "ko")
    assert queued == [(background.TRANSCRIBE_MEDIA, [job.pk])]
    assert not list(parts_folder.iterdir())  # the part is deleted

    status = requests.get(uploader.url, headers={"Authorization": f"Bearer {token_for(user)}"},
                          timeout=30)
    assert status.headers["Tus-Resumable"] == "1.0.0"
    body = status.json()
    assert (body["state"], body["media"], body["job"], body["offset"], body["length"]) == (
        "complete", asset.pk, job.pk, len(CLIP), len(CLIP))
    assert body["job_url"] == f"{live_server.url}/api/v1/jobs/{job.pk}/"


@TRANSACTIONAL
def test_an_interrupted_upload_resumes_from_the_offset_the_server_reports(
        live_server, partner, queued):
    user, title = partner
    first = tus_uploader(live_server, user, metadata={"filename": "clip.ogg",
                                                      "title": str(title.pk)})
    first.upload(stop_at=2 * PIECE)  # the connection "drops" after two pieces
    assert ResumableUpload.objects.get().offset == 2 * PIECE

    head = requests.head(first.url, headers={"Authorization": f"Bearer {token_for(user)}",
                                             "Tus-Resumable": "1.0.0"}, timeout=30)
    assert head.status_code == 200
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"],
            head.headers["Cache-Control"]) == (str(2 * PIECE), str(len(CLIP)), "no-store")
    assert "Upload-Expires" in head.headers and head.content == b""

    resumed = tus_uploader(live_server, user, url=first.url)
    assert resumed.offset == 2 * PIECE  # asked of the server (HEAD), not remembered
    resumed.upload()
    upload = ResumableUpload.objects.get()
    assert upload.state == "complete" and upload.media.sha256 == CLIP_SHA256


@TRANSACTIONAL
def test_the_server_says_what_it_supports(live_server, partner):
    user, _title = partner
    answer = requests.options(f"{live_server.url}/api/v1/uploads/",
                              headers={"Authorization": f"Bearer {token_for(user)}"},
                              timeout=30)
    assert answer.status_code == 204
    assert answer.headers["Tus-Version"] == "1.0.0"
    assert answer.headers["Tus-Resumable"] == "1.0.0"
    assert set(answer.headers["Tus-Extension"].split(",")) == {
        "creation", "expiration", "checksum", "termination"}
    assert answer.headers["Tus-Checksum-Algorithm"] == "sha1,sha256,md5"
    assert int(answer.headers["Tus-Max-Size"]) == upload_services.media_max_upload_size()


@TRANSACTIONAL
def test_a_file_that_is_not_media_fails_the_upload_with_the_probes_reason(
        live_server, partner, queued, tmp_path):
    user, title = partner
    not_media = tmp_path / "notes.ogg"
    not_media.write_bytes(b"not a video at all " * 2000)
    tus = tus_client.TusClient(f"{live_server.url}/api/v1/uploads/",
                               headers={"Authorization": f"Bearer {token_for(user)}"})
    uploader = tus.uploader(str(not_media), chunk_size=PIECE, upload_checksum=True,
                            metadata={"filename": "notes.ogg", "title": str(title.pk)})
    with pytest.raises(TusUploadFailed) as failed:
        uploader.upload()
    assert failed.value.status_code == 422
    assert b"/api/problems/upload-refused" in failed.value.response_content
    upload = ResumableUpload.objects.get()
    assert upload.state == "failed"
    assert upload.error == ("This is not a video or audio file that can be read (unknown "
                            "or damaged format).")
    assert not MediaAsset.objects.exists() and not LocalizationJob.objects.exists()
    assert queued == []


# --- refusals (Django's test client) ------------------------------------------------------

@pytest.fixture
def writer(partner):
    user, title = partner
    return client_with(token_for(user)), user, title


def test_a_piece_whose_checksum_does_not_match_is_refused_and_not_kept(writer):
    client, _user, title = writer
    url = created(client, title)
    first = CLIP[:PIECE]
    assert patch(client, url, first, offset=0,
                 HTTP_UPLOAD_CHECKSUM=checksum("sha256", first)).status_code == 204
    second = CLIP[PIECE:2 * PIECE]
    damaged = bytes([second[0] ^ 1]) + second[1:]
    answer = patch(client, url, damaged, offset=PIECE,
                   HTTP_UPLOAD_CHECKSUM=checksum("md5", second))
    assert answer.status_code == 460
    assert problem(answer)["type"] == "/api/problems/checksum-mismatch"
    assert answer["Upload-Offset"] == str(PIECE)
    assert ResumableUpload.objects.get().offset == PIECE
    assert part_of(url).read_bytes() == first
    head = client.head(url, **TUS)
    assert head["Upload-Offset"] == str(PIECE)
    # The same piece, intact, is taken.
    again = patch(client, url, second, offset=PIECE, HTTP_UPLOAD_CHECKSUM=checksum("sha1",
                                                                                  second))
    assert again.status_code == 204 and again["Upload-Offset"] == str(2 * PIECE)


@pytest.mark.parametrize("header", ["crc32 AAAA", "sha1", "sha1 !!!", "sha256 " +
                                    base64.b64encode(b"short").decode()])
def test_a_checksum_header_that_cannot_be_used_is_a_bad_request(writer, header):
    client, _user, title = writer
    url = created(client, title)
    answer = patch(client, url, CLIP[:10], offset=0, HTTP_UPLOAD_CHECKSUM=header)
    assert answer.status_code == 400
    assert problem(answer)["type"] == "/api/problems/malformed-request"
    assert ResumableUpload.objects.get().offset == 0


def test_a_piece_at_the_wrong_offset_is_a_conflict_that_names_the_offset(writer):
    client, _user, title = writer
    url = created(client, title)
    assert patch(client, url, CLIP[:100], offset=0).status_code == 204
    for wrong in (0, 50, 200):
        answer = patch(client, url, CLIP[wrong:wrong + 100], offset=wrong)
        assert answer.status_code == 409
        assert problem(answer)["type"] == "/api/problems/upload-offset-mismatch"
        assert answer["Upload-Offset"] == "100"
    assert part_of(url).read_bytes() == CLIP[:100]


def test_pieces_count_against_the_upload_rate_not_the_write_rate(writer, settings):
    client, _user, title = writer
    settings.API_THROTTLE_RATES = {"read": "100/min", "write": "1/min", "upload": "3/min"}
    url = created(client, title)  # the one write of the minute
    for offset in (0, 100, 200):
        assert patch(client, url, CLIP[offset:offset + 100], offset=offset).status_code == 204
    throttled = patch(client, url, CLIP[300:400], offset=300)
    assert throttled.status_code == 429
    assert problem(throttled)["type"] == "/api/problems/throttled"
    assert create(client, title).status_code == 429  # and the writes have spent theirs


@TRANSACTIONAL
def test_two_pieces_at_once_never_interleave(partner):
    """The first request holds the upload's row while it copies; a second one meanwhile
    is refused at once, and retried afterwards it finds the offset moved on."""
    user, title = partner
    upload = upload_services.upload_create(user=user, title=title, length=len(CLIP),
                                           filename="clip.ogg")
    reading, release = threading.Event(), threading.Event()

    class SlowBody:
        def read(self, size):
            reading.set()
            assert release.wait(timeout=120)
            return CLIP[:size]

    outcome = {}

    def first_request():
        try:
            outcome["first"] = upload_services.upload_append(
                upload=upload, offset=0, stream=SlowBody(), length=100)
        finally:
            connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    try:
        assert reading.wait(timeout=120)  # the first request holds the lock, mid-copy
        with pytest.raises(ValidationError) as busy:
            upload_services.upload_append(upload=upload, offset=0,
                                          stream=io.BytesIO(CLIP[:100]), length=100)
        assert busy.value.code == "busy"
    finally:
        release.set()
        thread.join(timeout=120)
    assert outcome["first"].offset == 100
    with pytest.raises(ValidationError) as moved:
        upload_services.upload_append(upload=upload, offset=0, stream=io.BytesIO(CLIP[:100]),
                                      length=100)
    assert moved.value.code == "offset_mismatch"
    assert upload_services.upload_part_path(upload).read_bytes() == CLIP[:100]


def test_an_upload_larger_than_the_media_limit_is_refused_before_any_byte(writer, settings):
    client, _user, title = writer
    settings.MEDIA_MAX_UPLOAD_SIZE = 50_000
    answer = create(client, title, length=60_000)
    assert answer.status_code == 413
    body = problem(answer)
    assert body["type"] == "/api/problems/payload-too-large"
    assert "the largest accepted here is 48.8 KiB" in body["detail"]
    assert answer["Tus-Resumable"] == "1.0.0"
    assert not ResumableUpload.objects.exists()


def test_a_piece_that_passes_the_announced_length_is_refused(writer):
    client, _user, title = writer
    url = created(client, title, length=1000)
    answer = patch(client, url, b"x" * 1001, offset=0)
    assert answer.status_code == 413
    assert problem(answer)["type"] == "/api/problems/payload-too-large"
    assert ResumableUpload.objects.get().offset == 0 and part_of(url).read_bytes() == b""


def test_a_whole_file_sha256_that_does_not_match_fails_the_upload(
        writer, queued, django_capture_on_commit_callbacks):
    client, _user, title = writer
    url = created(client, title, sha256="ab" * 32)
    with django_capture_on_commit_callbacks(execute=True):
        answer = patch(client, url, CLIP, offset=0)
    assert answer.status_code == 422
    assert problem(answer)["type"] == "/api/problems/upload-refused"
    upload = ResumableUpload.objects.get()
    assert upload.state == "failed"
    assert upload.error == (f"The file received has the SHA-256 {CLIP_SHA256}, not "
                            f"{'ab' * 32} as announced; it was not kept.")
    assert problem(answer)["detail"] == upload.error
    assert not MediaAsset.objects.exists() and queued == []
    assert not upload_services.upload_part_path(upload).parent.joinpath(
        url.rstrip("/").rsplit("/", 1)[1] + ".ogg").exists()
    # A failed upload takes nothing more.
    assert patch(client, url, b"", offset=len(CLIP)).status_code == 409
    status = client.get(url).json()
    assert (status["state"], status["error"], status["media"], status["job"]) == (
        "failed", upload.error, None, None)


def test_the_last_piece_through_the_test_client_completes_the_upload(
        writer, queued, django_capture_on_commit_callbacks):
    client, user, title = writer
    url = created(client, title, sha256=CLIP_SHA256, language="ja")
    assert patch(client, url, CLIP[:PIECE], offset=0).status_code == 204
    part = part_of(url)
    with django_capture_on_commit_callbacks(execute=True):
        answer = patch(client, url, CLIP[PIECE:], offset=PIECE)
    assert answer.status_code == 204 and answer["Upload-Offset"] == str(len(CLIP))
    assert "Upload-Expires" not in answer
    upload = ResumableUpload.objects.get()
    assert upload.state == "complete" and upload.job.language == "ja"
    assert upload.media.company == user.company and not part.exists()


def test_a_crash_while_taking_the_file_in_leaves_the_last_piece_to_send_again(
        writer, queued, monkeypatch, django_capture_on_commit_callbacks):
    client, _user, title = writer
    url = created(client, title)
    assert patch(client, url, CLIP[:PIECE], offset=0).status_code == 204
    real_intake = upload_services.media_transcribe

    def storage_down(**kwargs):
        raise OSError("storage is down")

    monkeypatch.setattr(upload_services, "media_transcribe", storage_down)
    client.raise_request_exception = False
    crashed = patch(client, url, CLIP[PIECE:], offset=PIECE)
    assert crashed.status_code == 500
    assert client.head(url, **TUS)["Upload-Offset"] == str(PIECE)
    monkeypatch.setattr(upload_services, "media_transcribe", real_intake)
    with django_capture_on_commit_callbacks(execute=True):
        again = patch(client, url, CLIP[PIECE:], offset=PIECE)
    assert again.status_code == 204
    assert ResumableUpload.objects.get().state == "complete"
    assert MediaAsset.objects.get().sha256 == CLIP_SHA256


@pytest.mark.parametrize(("headers", "detail"), [
    ({"HTTP_UPLOAD_LENGTH": "abc"}, "Upload-Length is a number of bytes"),
    ({"HTTP_UPLOAD_LENGTH": "-5"}, "Upload-Length is a number of bytes"),
    ({"HTTP_UPLOAD_LENGTH": "+5"}, "Upload-Length is a number of bytes"),
    ({"HTTP_UPLOAD_LENGTH": "1_000"}, "Upload-Length is a number of bytes"),
    ({"HTTP_UPLOAD_LENGTH": "١٢٣"}, "Upload-Length is a number of bytes"),
    ({"HTTP_UPLOAD_LENGTH": "9" * 30}, "Upload-Length is a number of bytes"),
    ({"HTTP_UPLOAD_LENGTH": None}, "Send the Upload-Length header."),
    ({"HTTP_UPLOAD_DEFER_LENGTH": "1"}, "Give the file's size in Upload-Length"),
    ({"HTTP_UPLOAD_METADATA": "filename !!!"}, "is not base64-encoded UTF-8"),
    ({"HTTP_UPLOAD_METADATA": "filename " + base64.b64encode(b"\xff").decode()},
     "is not base64-encoded UTF-8"),
    ({"HTTP_UPLOAD_METADATA": "a b c"}, "Upload-Metadata is a list"),
    ({"HTTP_UPLOAD_METADATA": "title MQ==,title MQ=="}, "Upload-Metadata is a list"),
    ({"HTTP_UPLOAD_METADATA": metadata(filename="a.ogg")}, "Name the title"),
    ({"HTTP_UPLOAD_METADATA": metadata(filename="a.ogg", title=10**9)}, "No such title"),
    ({"HTTP_UPLOAD_METADATA": metadata(filename="a.ogg", title="7x")}, "No such title"),
    ({"HTTP_UPLOAD_METADATA": metadata(filename="a.ogg", title=10**30)}, "No such title"),
])
def test_malformed_creation_headers_are_bad_requests(writer, headers, detail):
    client, _user, title = writer
    sent = {"HTTP_UPLOAD_LENGTH": "1000",
            "HTTP_UPLOAD_METADATA": metadata(filename="a.ogg", title=title.pk), **TUS,
            **headers}
    answer = client.post("/api/v1/uploads/",
                         **{name: value for name, value in sent.items() if value is not None})
    assert answer.status_code == 400, answer.content
    assert detail in problem(answer)["detail"]
    assert not ResumableUpload.objects.exists()


@pytest.mark.parametrize(("values", "detail"), [
    ({"filename": ""}, "Give the file's name"),
    ({"filename": "a\x00b.ogg"}, "Give the file's name"),
    ({"filename": "x" * 300}, "Give the file's name"),
    ({"language": "Korean!"}, "is not a language code"),
    ({"sha256": "abc"}, "64 hexadecimal digits"),
    ({"episode": "E" * 101}, "The episode is up to 100 characters"),
])
def test_metadata_that_is_not_valid_is_a_validation_problem(writer, values, detail):
    client, _user, title = writer
    answer = create(client, title, **values)
    body = problem(answer)
    assert answer.status_code == 400 and body["type"] == "/api/problems/validation"
    assert detail in body["detail"]


def test_a_file_name_keeps_only_its_last_part(writer):
    client, _user, title = writer
    created(client, title, filename="../../etc/클립 1.ogg")
    assert ResumableUpload.objects.get().filename == "클립 1.ogg"


def test_piece_headers_and_body_type_are_checked(writer):
    client, _user, title = writer
    url = created(client, title)
    wrong_type = patch(client, url, CLIP[:10], offset=0, content_type="application/json")
    assert wrong_type.status_code == 415
    assert problem(wrong_type)["type"] == "/api/problems/unsupported-media-type"
    for offset in ("ten", "-1", " 1"):
        answer = client.generic("PATCH", url, CLIP[:10], content_type=OFFSET_STREAM,
                                HTTP_UPLOAD_OFFSET=offset, **TUS)
        assert answer.status_code == 400, offset
        assert problem(answer)["type"] == "/api/problems/malformed-request"
    no_offset = client.generic("PATCH", url, CLIP[:10], content_type=OFFSET_STREAM, **TUS)
    assert "Send the Upload-Offset header." in problem(no_offset)["detail"]
    assert ResumableUpload.objects.get().offset == 0


def test_a_missing_or_unknown_tus_version_is_a_failed_precondition(writer):
    client, _user, title = writer
    url = created(client, title)
    for version in (None, "0.2.2", "2.0.0"):
        extra = {"HTTP_TUS_RESUMABLE": version} if version else {}
        answers = [
            client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="10",
                        HTTP_UPLOAD_METADATA=metadata(filename="a.ogg", title=title.pk),
                        **extra),
            client.head(url, **extra),
            client.generic("PATCH", url, b"x", content_type=OFFSET_STREAM,
                           HTTP_UPLOAD_OFFSET="0", **extra),
            client.delete(url, **extra)]
        for answer in answers:
            assert answer.status_code == 412
            assert answer["Tus-Version"] == "1.0.0" and answer["Tus-Resumable"] == "1.0.0"
    assert ResumableUpload.objects.count() == 1 and ResumableUpload.objects.get().offset == 0


def test_every_answer_carries_tus_resumable(writer):
    client, _user, title = writer
    url = created(client, title)
    for answer in (client_with(None).head(url, **TUS), client.get(url),
                   client.head(url, **TUS), client_with("kip_nope_nope").options(url)):
        assert answer["Tus-Resumable"] == "1.0.0", answer.status_code


# --- who sees an upload -------------------------------------------------------------------

def test_only_the_user_who_started_an_upload_sees_it(writer):
    client, user, title = writer
    url = created(client, title)
    assert patch(client, url, CLIP[:100], offset=0).status_code == 204
    colleague = UserFactory(role=Role.PARTNER_STUDIO, company=user.company)
    _agreement, other_partner, _other_title = partner_agreement("Studio B", "studio-b",
                                                                "AGR-B", issue=False)
    staff = UserFactory(role=Role.ADMINISTRATOR)
    missing = url.replace(url.rstrip("/").rsplit("/", 1)[1], "0" * 8 + "-0000-4000-8000-"
                          + "0" * 12)
    for somebody in (colleague, other_partner, staff):
        other = client_with(token_for(somebody))
        answers = {"head": other.head(url, **TUS), "get": other.get(url),
                   "patch": patch(other, url, CLIP[100:200], offset=100),
                   "delete": other.delete(url, **TUS)}
        for method, answer in answers.items():
            assert answer.status_code == 404, (somebody, method)
            if method != "head":
                assert problem(answer)["type"] == "/api/problems/not-found"
                assert problem(answer)["detail"] == problem(
                    getattr(other, method)(missing, **TUS))["detail"]
    upload = ResumableUpload.objects.get()
    assert upload.offset == 100 and part_of(url).read_bytes() == CLIP[:100]


def test_a_partner_uploads_only_for_the_titles_its_agreements_cover(writer):
    client, _user, _title = writer
    _agreement, _other, other_title = partner_agreement("Studio B", "studio-b", "AGR-B",
                                                        issue=False)
    answer = create(client, other_title)
    assert answer.status_code == 400
    assert "No such title among yours" in problem(answer)["detail"]


def test_a_read_token_cannot_start_or_send_an_upload(writer):
    client, user, title = writer
    url = created(client, title)
    reader = client_with(token_for(user, "read"))
    for answer in (create(reader, title), patch(reader, url, CLIP[:10], offset=0),
                   reader.delete(url, **TUS)):
        assert answer.status_code == 403
        assert problem(answer)["type"] == "/api/problems/insufficient-scope"
    assert reader.head(url, **TUS).status_code == 200
    assert reader.get(url).json()["offset"] == 0


def test_a_role_without_localization_work_cannot_upload(make_user, writer):
    _client, _user, title = writer
    client = client_with(token_for(make_user(None)))
    assert create(client, title).status_code == 403


# --- termination and expiry ----------------------------------------------------------------

def test_terminating_an_upload_deletes_it_and_its_bytes(writer,
                                                        django_capture_on_commit_callbacks):
    client, _user, title = writer
    url = created(client, title)
    assert patch(client, url, CLIP[:PIECE], offset=0).status_code == 204
    part = part_of(url)
    assert part.stat().st_size == PIECE
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.delete(url, **TUS)
    assert answer.status_code == 204 and answer["Tus-Resumable"] == "1.0.0"
    assert not part.exists() and not ResumableUpload.objects.exists()
    assert client.head(url, **TUS).status_code == 404


def test_an_expired_upload_takes_no_more_bytes_and_is_cleaned_up(
        writer, settings, parts_folder, django_capture_on_commit_callbacks):
    client, user, title = writer
    settings.API_UPLOAD_EXPIRY_HOURS = 24
    url = created(client, title)
    assert patch(client, url, CLIP[:PIECE], offset=0).status_code == 204
    part = part_of(url)
    upload = ResumableUpload.objects.get()
    assert upload.expires_at > timezone.now() + dt.timedelta(hours=23)
    ResumableUpload.objects.filter(pk=upload.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1))
    for answer in (client.head(url, **TUS), patch(client, url, CLIP[PIECE:], offset=PIECE)):
        assert answer.status_code == 410
    assert problem(patch(client, url, CLIP[PIECE:], offset=PIECE))["type"] == \
        "/api/problems/upload-expired"
    # Still receiving and recent, finished long ago, finished lately, and a lost part.
    fresh = upload_services.upload_create(user=user, title=title, length=10, filename="a.ogg")
    old_done, recent_done = (ResumableUpload.objects.create(
        user=user, title=title, filename="b.ogg", length=10, offset=10, state=state,
        expires_at=timezone.now()) for state in ("complete", "failed"))
    ResumableUpload.objects.filter(pk=old_done.pk).update(
        updated_at=timezone.now() - dt.timedelta(hours=25))
    orphan = parts_folder / "lost-part.mp4"
    orphan.write_bytes(b"x")
    long_ago = (timezone.now() - dt.timedelta(hours=30)).timestamp()
    os.utime(orphan, (long_ago, long_ago))
    newer_orphan = parts_folder / "being-created.mp4"
    newer_orphan.write_bytes(b"x")

    with django_capture_on_commit_callbacks(execute=True):
        assert upload_services.uploads_expire() == 2
    assert set(ResumableUpload.objects.values_list("pk", flat=True)) == {fresh.pk,
                                                                       recent_done.pk}
    assert not part.exists() and not orphan.exists()
    assert newer_orphan.exists() and upload_services.upload_part_path(fresh).exists()
    assert client.head(url, **TUS).status_code == 404


def test_an_upload_whose_bytes_were_lost_fails_with_the_reason(writer):
    client, _user, title = writer
    url = created(client, title)
    part_of(url).unlink()
    answer = patch(client, url, CLIP[:10], offset=0)
    assert answer.status_code == 422
    assert "were lost on the server" in problem(answer)["detail"]
    assert ResumableUpload.objects.get().state == "failed"


def test_a_new_piece_moves_the_expiry_on(writer, settings):
    client, _user, title = writer
    url = created(client, title)
    ResumableUpload.objects.update(expires_at=timezone.now() + dt.timedelta(minutes=5))
    answer = patch(client, url, CLIP[:10], offset=0)
    assert answer.status_code == 204
    assert ResumableUpload.objects.get().expires_at > timezone.now() + dt.timedelta(hours=23)
    assert answer["Upload-Expires"].endswith(" GMT")


def test_celery_beat_runs_the_expiry_on_the_default_queue(settings):
    entry = app.conf.beat_schedule["expire-uploads"]
    assert entry["task"] == "localization.tasks.expire_uploads" and entry["task"] in app.tasks
    assert entry["schedule"] == settings.UPLOAD_EXPIRY_CHECK_SECONDS
    assert app.amqp.router.route({}, entry["task"])["queue"].name == "default"


# --- the upload limit under /api/ -------------------------------------------------------------

def test_the_upload_limit_answers_a_problem_under_api_and_a_page_elsewhere(writer, settings,
                                                                           client_for):
    client, _user, _title = writer
    settings.MAX_UPLOAD_SIZE = 1024
    body = {"file": io.BytesIO(b"x" * 5000)}
    answer = client.post("/api/v1/uploads/", body, format="multipart", **TUS)
    assert answer.status_code == 413
    refused = problem(answer)
    assert refused["type"] == "/api/problems/payload-too-large"
    assert "the largest accepted here is 1.0 KiB" in refused["detail"]
    assert not ResumableUpload.objects.exists()
    browser, _staff = client_for(Role.TRANSLATOR)
    page = browser.post("/localization/media/upload/", {"file": io.BytesIO(b"x" * 5000)})
    assert page.status_code == 413 and page["Content-Type"].startswith("text/html")


# --- real uploads' answers, checked against the schema -------------------------------------

def test_the_answers_about_a_real_upload_are_the_ones_the_schema_describes(
        writer, wsgi_application, queued, django_capture_on_commit_callbacks):
    """The schema tests fuzz with made-up ids; here each operation runs on a real upload,
    from creation to completion and termination, and each answer is checked."""
    _client, user, title = writer
    auth = {"Authorization": f"Bearer {token_for(user)}", "Tus-Resumable": "1.0.0"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_application, headers=auth)
    collection, item = schema["/api/v1/uploads/"], schema["/api/v1/uploads/{id}/"]

    def call(operation, status, *, upload_id=None, headers=None, body=None):
        case = operation.Case(path_parameters={"id": upload_id} if upload_id else None,
                              headers={**auth, **(headers or {})},
                              **({"body": body, "media_type": OFFSET_STREAM}
                                 if body is not None else {}))
        response = case.call(app=wsgi_application)
        case.validate_response(response, checks=SCHEMA_CHECKS)
        assert response.status_code == status, response.content
        return response

    assert call(collection["OPTIONS"], 204).headers["tus-version"] == ["1.0.0"]
    created = call(collection["POST"], 201, headers={
        "Upload-Length": str(len(CLIP)),
        "Upload-Metadata": metadata(filename="clip.ogg", title=title.pk, sha256=CLIP_SHA256)})
    upload_id = created.json()["id"]
    call(item["HEAD"], 200, upload_id=upload_id)
    call(item["OPTIONS"], 204, upload_id=upload_id)
    call(item["PATCH"], 204, upload_id=upload_id, body=CLIP[:PIECE],
         headers={"Upload-Offset": "0"})
    call(item["PATCH"], 409, upload_id=upload_id, body=CLIP[:PIECE],
         headers={"Upload-Offset": "0"})
    call(item["PATCH"], 460, upload_id=upload_id, body=CLIP[PIECE:2 * PIECE],
         headers={"Upload-Offset": str(PIECE), "Upload-Checksum": checksum("sha1", b"x")})
    call(item["PATCH"], 413, upload_id=upload_id, body=CLIP[PIECE:] + b"x",
         headers={"Upload-Offset": str(PIECE)})
    assert call(item["GET"], 200, upload_id=upload_id).json()["media"] is None
    with django_capture_on_commit_callbacks(execute=True):
        call(item["PATCH"], 204, upload_id=upload_id, body=CLIP[PIECE:],
             headers={"Upload-Offset": str(PIECE)})
    done = call(item["GET"], 200, upload_id=upload_id).json()
    assert done["state"] == "complete" and done["job"] == LocalizationJob.objects.get().pk
    call(item["HEAD"], 200, upload_id=upload_id)
    call(item["DELETE"], 204, upload_id=upload_id)
    call(item["GET"], 404, upload_id=upload_id)
