"""Stored files on an S3-compatible object store (STORAGE_BACKEND=s3, moto's server over
HTTP): media intake, transcription, the editor's audio with ranges, dubbing, delivery
packages and agreement documents work with nothing under MEDIA_ROOT; large files move in
multipart transfers and stream back a chunk at a time."""

import datetime as dt
import hashlib
import io
import tracemalloc
import wave
import zipfile
from decimal import Decimal

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from coprod.accounts.models import Company
from coprod.accounts.roles import Role
from coprod.agreements import services as agreement_services
from coprod.core.http import ranged_file_response
from coprod.core.storage import field_local_copy, stored_chunks, stored_copy
from localization.delivery import services as delivery
from localization.delivery.models import DeliveryPackage
from localization.dubbing import services as dubbing
from localization.media import services as media_services
from localization.media.models import MediaAsset
from localization.subtitles.models import SubtitleTrack
from localization.transcription.models import LocalizationJob
from tests.api.conftest import client_with, token_for
from tests.coprod.agreement_helpers import execute, fifty_fifty
from tests.coprod.rights_helpers import company, film, grant, hold
from tests.factories import TitleFactory, UserFactory
from tests.localization.conftest import DEMO_CLIP, approve_whisper_for
from tests.localization.dubbing_helpers import approve_models_for, approved_track
from tests.storage.s3 import PART_MB, files_under

pytestmark = pytest.mark.django_db
MiB = 1024**2
D = dt.date


def body(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def upload_demo_clip(title) -> MediaAsset:
    asset, _nothing = media_services.media_upload(
        title=title, uploaded_file=SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes()),
        then=lambda asset: None)
    return asset


def big_wav(seconds: int) -> bytes:
    """A stereo 48 kHz tone: about 11.5 MiB a minute."""
    rate = 48_000
    tone = (np.sin(np.arange(rate * seconds) * 2 * np.pi * 220 / rate) * 8000).astype("<i2")
    output = io.BytesIO()
    with wave.open(output, "wb") as writer:
        writer.setnchannels(2)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(np.repeat(tone, 2).tobytes())
    return output.getvalue()


def test_an_uploaded_clip_goes_to_the_bucket_and_is_transcribed_from_it(
        bucket, client, django_capture_on_commit_callbacks, tmp_path):
    title = TitleFactory()
    approve_whisper_for(title)
    client.force_login(UserFactory(role=Role.TRANSLATOR))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("localization:media-upload"), {
            "title": title.pk, "file": SimpleUploadedFile(DEMO_CLIP.name,
                                                          DEMO_CLIP.read_bytes())})
    assert response.status_code == 302
    job = LocalizationJob.objects.get()
    assert job.state == LocalizationJob.State.DONE, job.error
    asset = job.media
    assert bucket.object_keys() == [asset.file.name]
    assert bucket.read(asset.file.name) == DEMO_CLIP.read_bytes()
    assert files_under(tmp_path / "media") == []

    # The editor plays the media from the bucket, seeking with ranges, and draws its
    # waveform; neither hands out the bucket's address.
    track = SubtitleTrack.objects.get(job=job)
    assert track.cues.exists()
    media_url = reverse("localization:editor-media", args=[track.pk])
    whole = client.get(media_url)
    assert whole.status_code == 200 and body(whole) == DEMO_CLIP.read_bytes()
    assert bucket.endpoint not in str(whole.headers)
    part = client.get(media_url, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206 and body(part) == DEMO_CLIP.read_bytes()[100:1100]
    assert part["Content-Range"] == f"bytes 100-1099/{DEMO_CLIP.stat().st_size}"
    tail = client.get(media_url, headers={"Range": "bytes=-10"})
    assert body(tail) == DEMO_CLIP.read_bytes()[-10:]
    peaks = client.get(reverse("localization:editor-waveform", args=[track.pk])).json()
    assert peaks["peaks_per_second"] == 100 and max(peaks["peaks"]) == 255
    assert files_under(tmp_path / "media") == []


def test_a_file_above_the_threshold_moves_in_parts_and_streams_back(bucket, tmp_path):
    data = big_wav(65)
    assert 2 * PART_MB * MiB < len(data) < 3 * PART_MB * MiB
    asset, _nothing = media_services.media_upload(
        title=TitleFactory(), uploaded_file=SimpleUploadedFile("long-tone.wav", data),
        then=lambda asset: None)
    head = bucket.client.head_object(Bucket=bucket.name, Key=asset.file.name)
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-3")  # a multipart upload of three parts
    assert asset.sha256 == hashlib.sha256(data).hexdigest()

    # A download streams: the process never holds much more than a chunk of it.
    response = ranged_file_response(RequestFactory().get("/"), asset.file, "audio/wav")
    digest = hashlib.sha256()
    tracemalloc.start()
    try:
        for chunk in response.streaming_content:
            digest.update(chunk)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == asset.sha256
    assert peak < 4 * MiB, f"{peak} bytes held while streaming {len(data)}"
    assert b"".join(stored_chunks(asset.file.storage, asset.file.name, start=len(data) - 5)
                    ) == data[-5:]
    # A worker's local copy is a multipart (ranged) download into a temporary file.
    with field_local_copy(asset.file) as path:
        assert path.read_bytes() == data and path.suffix == ".wav"
    assert not path.exists()
    assert files_under(tmp_path / "media") == []


def test_a_stored_copy_is_made_by_the_bucket_and_on_disk_by_the_storage(bucket, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage, default_storage

    data = big_wav(65)  # above the part size: the bucket copies it in parts
    source = default_storage.save("uploads/assembled.wav", ContentFile(data))
    copied = stored_copy(default_storage, source, "localization/media/copied.wav")
    assert copied == "localization/media/copied.wav"
    assert bucket.read(copied) == data and bucket.read(source) == data
    # The same name again gets the storage's free name, as a save does.
    again = stored_copy(default_storage, source, "localization/media/copied.wav")
    assert (again == copied) == default_storage.file_overwrite
    disk = FileSystemStorage(location=tmp_path / "disk")
    on_disk = disk.save("a.bin", ContentFile(b"bytes"))
    copy_name = stored_copy(disk, on_disk, "b.bin")
    assert copy_name == "b.bin" and (tmp_path / "disk" / "b.bin").read_bytes() == b"bytes"
    assert stored_copy(disk, on_disk, "b.bin") != "b.bin"  # never over another file


@pytest.fixture
def dubbed(bucket, django_capture_on_commit_callbacks):
    """A Thai track over the demo clip (in the bucket), dubbed over the ducked original."""
    title = TitleFactory(romanized_title="Haebaragi")
    approve_models_for(title, "espeak-ng th")
    media = upload_demo_clip(title)
    track = approved_track(title, "th", [(0, 2500, "สวัสดีครับ", ""),
                                         (3000, 5000, "ลาก่อนครับ", "")], media=media)
    with django_capture_on_commit_callbacks(execute=True):
        dub = dubbing.dub_create(track=track, duck_original=True)
    dub.refresh_from_db()
    assert dub.state == "done", dub.error
    return title, track, dub


def test_the_dub_and_its_package_stream_from_the_bucket(
        bucket, dubbed, client, django_capture_on_commit_callbacks, tmp_path):
    title, track, dub = dubbed
    assert {dub.wav.name, dub.aac.name} <= set(bucket.object_keys())
    client.force_login(UserFactory(role=Role.RIGHTS_MANAGER))
    audio = client.get(reverse("localization:dub-audio", args=[dub.pk, "wav"]))
    wav = bucket.read(dub.wav.name)
    assert audio.status_code == 200 and body(audio) == wav and wav[:4] == b"RIFF"
    seek = client.get(reverse("localization:dub-audio", args=[dub.pk, "aac"]),
                      headers={"Range": "bytes=0-11"})
    assert seek.status_code == 206 and body(seek) == bucket.read(dub.aac.name)[:12]

    studio = company("Siam Stream", kind=Company.Kind.PARTNER_STUDIO, country="TH")
    hold(title, territory="TH", languages=("th",), kinds=("sub", "dub"),
         start=D(2026, 1, 1), end=D(2030, 1, 1), contract="CT-IN-7")
    grant(title, licensee="Siam Stream", territory="TH", languages=("th",),
          kinds=("sub", "dub"), start=D(2026, 1, 1), end=D(2028, 1, 1), contract="CT-OUT-9")
    with django_capture_on_commit_callbacks(execute=True):
        package = delivery.package_create(
            title=title, language="th", licensee=studio, territory="TH", media=["svod"],
            start=D(2026, 6, 1), end=D(2027, 6, 1))
    package.refresh_from_db()
    assert package.state == DeliveryPackage.State.DONE, package.error
    assert package.file.name in bucket.object_keys()

    download = client.get(reverse("localization:package-download", args=[package.pk]))
    data = body(download)
    assert download["Content-Type"] == "application/zip"
    assert "attachment" in download["Content-Disposition"]
    assert data == bucket.read(package.file.name)
    assert hashlib.sha256(data).hexdigest() == package.sha256
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        dub_member = next(name for name in archive.namelist() if name.endswith(".dub.wav"))
        assert archive.read(dub_member) == wav

    partner = UserFactory(role=Role.PARTNER_STUDIO, company=studio)
    client.force_login(partner)
    portal = client.get(reverse("partner_portal:localization_deliverypackage_download",
                                args=[package.pk]))
    assert portal.status_code == 200 and body(portal) == data
    api = client_with(token_for(partner, "read"))
    through_api = api.get(f"/api/v1/packages/{package.pk}/download/")
    assert through_api.status_code == 200 and body(through_api) == data
    assert files_under(tmp_path / "media") == []


def test_agreement_documents_and_statements_on_object_storage(bucket, client, tmp_path):
    title = film("합작", 2026)
    agreement, sfr_user, utopai_user = fifty_fifty(titles=[title])
    agreement_services.waterfall_tier_add(actor=None, agreement=agreement, position=1,
                                          kind="profit_split", name="Profit")
    agreement = execute(agreement, sfr_user, utopai_user)
    document = agreement_services.agreement_document_add(
        actor=None, agreement=agreement,
        upload=SimpleUploadedFile("계약서.pdf", b"%PDF-1.4 signed contract"))
    assert document.file.name in bucket.object_keys()
    agreement_services.receipt_add(actor=None, agreement=agreement, title=title,
                                   territory="JP", period="2026-Q1",
                                   amount=Decimal(1_000_000), currency="KRW",
                                   received_on=D(2026, 3, 31))
    client.force_login(sfr_user)
    response = client.get(reverse("agreements:document", args=[agreement.pk, document.pk]))
    assert response.status_code == 200 and body(response) == b"%PDF-1.4 signed contract"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%EA%B3%84%EC%95%BD%EC%84%9C.pdf")
    pdf = client.get(reverse("agreements:statement-pdf", args=[agreement.pk, "2026-Q1"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert files_under(tmp_path / "media") == []
