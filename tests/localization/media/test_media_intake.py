"""Uploading media: probing, refusing bad files with a clear message, nothing half-created."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from coprod.audit.models import Event
from localization.media.models import MediaAsset
from localization.transcription import services as transcription_services
from localization.transcription.models import LocalizationJob
from tests.localization.conftest import DEMO_CLIP, make_video


def stored_files(folder: str = "localization/media") -> set[str]:
    if not default_storage.exists(folder):
        return set()
    folders, files = default_storage.listdir(folder)
    found = {f"{folder}/{name}" for name in files}
    for name in folders:
        found |= stored_files(f"{folder}/{name}")
    return found


@pytest.fixture
def nothing_created():
    """Assert, after the test, that no row and no stored file was left behind."""
    before = stored_files()
    yield
    assert MediaAsset.objects.count() == 0
    assert LocalizationJob.objects.count() == 0
    assert not Event.objects.filter(object_type__startswith="localization.").exists()
    assert stored_files() == before


def upload(title, name: str, data: bytes):
    return transcription_services.media_transcribe(
        title=title, uploaded_file=SimpleUploadedFile(name, data),
                                 enqueue=False)


def test_demo_clip_is_probed_stored_and_queued(title, make_user):
    user = make_user("translator")
    asset, job = transcription_services.media_transcribe(
        title=title, uploaded_file=SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes()),
        user=user, enqueue=False)
    assert asset.audio_codec == "opus"
    assert asset.container_format == "ogg"
    assert 27_000 < asset.duration_ms < 29_000
    assert asset.size_bytes == DEMO_CLIP.stat().st_size
    assert default_storage.exists(asset.file.name)
    assert asset.file.name in stored_files()
    assert job.state == LocalizationJob.State.QUEUED and job.media == asset
    assert set(Event.objects.filter(object_type__startswith="localization.")
               .values_list("action", flat=True)) == {"media.uploaded", "job.created"}
    assert Event.objects.about(asset).get().title == title
    assert Event.objects.about(job).get().after["media"] == asset.pk


def test_video_with_audio_records_both_codecs(title, tmp_path):
    path = make_video(tmp_path / "clip.mp4", with_audio=True)
    asset, _job = upload(title, "clip.mp4", path.read_bytes())
    assert asset.video_codec == "mpeg4"
    assert asset.audio_codec == "aac"
    assert {stream["type"] for stream in asset.streams} == {"audio", "video"}


def test_empty_file_is_refused(title, nothing_created):
    with pytest.raises(ValidationError, match="empty"):
        upload(title, "empty.mp4", b"")


def test_text_file_renamed_mp4_is_refused(title, nothing_created):
    with pytest.raises(ValidationError, match="not a video or audio file"):
        upload(title, "notes.mp4", "이것은 영상이 아닙니다.\n".encode() * 50)


def test_video_without_audio_is_refused(title, tmp_path, nothing_created):
    path = make_video(tmp_path / "silent.mp4", with_audio=False)
    with pytest.raises(ValidationError, match="no audio stream"):
        upload(title, "silent.mp4", path.read_bytes())


def test_truncated_media_is_refused(title, nothing_created):
    with pytest.raises(ValidationError):
        upload(title, "cut.ogg", DEMO_CLIP.read_bytes()[:200])


def test_oversized_upload_is_refused(title, settings, nothing_created):
    settings.MEDIA_MAX_UPLOAD_SIZE = 10_000
    with pytest.raises(ValidationError, match="largest accepted here is 9.8 KiB"):
        upload(title, DEMO_CLIP.name, DEMO_CLIP.read_bytes())


def test_a_failure_after_storing_removes_the_file(title, monkeypatch, nothing_created):
    def broken_job_create(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(transcription_services, "job_create", broken_job_create)
    with pytest.raises(RuntimeError):
        upload(title, DEMO_CLIP.name, DEMO_CLIP.read_bytes())


def test_the_titles_history_shows_what_happened_to_its_media(title, make_user, client):
    uploader = make_user("translator")
    transcription_services.media_transcribe(
        title=title, uploaded_file=SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes()),
        user=uploader, enqueue=False)
    client.force_login(make_user("rights_manager"))
    page = client.get(title.get_absolute_url() + "?tab=history").content.decode()
    assert "Media uploaded" in page and "media.uploaded" in page
    assert "Job created" in page and "localization.localizationjob" in page
