"""The browser path: upload, watch the job, download SRT, WebVTT and TTML; permissions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coprod.accounts.roles import Role
from localization.media.models import MediaAsset
from localization.subtitles.formats import read_subtitles
from localization.subtitles.models import SubtitleTrack
from localization.transcription import services as transcription_services
from localization.transcription.models import LocalizationJob
from tests.localization.conftest import DEMO_CLIP

PAGES = ["localization:job-list", "localization:job-table", "localization:media-upload",
         "localization:track-import", "localization:demo-clip"]


@pytest.mark.parametrize("role", [Role.TRANSLATOR, Role.REVIEWER, Role.RIGHTS_MANAGER,
                                  Role.ADMINISTRATOR])
def test_localization_roles_open_the_pages(client_for, role):
    client, _user = client_for(role)
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200, name


def test_partner_studio_gets_403_with_the_reason(client_for, title):
    client, _user = client_for(Role.PARTNER_STUDIO)
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 403, name
    response = client.post(reverse("localization:media-upload"), {
        "title": title.pk, "file": SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes())})
    assert response.status_code == 403
    assert "Translator" in response.content.decode()
    assert not MediaAsset.objects.exists()


def test_upload_watch_and_download_the_korean_track(client_for, title,
                                                    django_capture_on_commit_callbacks):
    client, _user = client_for(Role.TRANSLATOR)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("localization:media-upload"), {
            "title": title.pk, "episode_label": "E01",
            "file": SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes())})
    assert response.status_code == 302
    assert response["Location"] == reverse("localization:job-list")
    job = LocalizationJob.objects.get()
    assert job.state == LocalizationJob.State.DONE, job.error

    page = client.get(reverse("localization:job-list")).content.decode()
    assert f'data-job="{job.pk}" data-state="done"' in page
    assert "htmx-2.0.11.min.js" in page
    assert 'hx-trigger="every 2s"' not in page  # nothing running: the page stops polling
    assert "Extracting audio: " in page and "Transcribing: " in page

    track = SubtitleTrack.objects.get(job=job)
    cue_count = track.cues.count()
    for fmt, content_type in [("srt", "application/x-subrip"), ("vtt", "text/vtt"),
                              ("ttml", "application/ttml+xml")]:
        response = client.get(reverse("localization:track-download", args=[track.pk, fmt]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith(content_type)
        assert f".ko.v1.{fmt}" in response["Content-Disposition"]
        cues, _notes = read_subtitles(response.content, fmt)
        assert len(cues) == cue_count
    assert client.get(reverse("localization:track-download",
                              args=[track.pk, "doc"])).status_code == 404
    detail = client.get(reverse("localization:track-detail", args=[track.pk])).content.decode()
    assert track.asr_model_sha256 in detail


def test_job_table_polls_while_a_job_is_active(client_for, title):

    client, _user = client_for(Role.REVIEWER)
    transcription_services.media_transcribe(
        title=title, enqueue=False, uploaded_file=SimpleUploadedFile(
        DEMO_CLIP.name, DEMO_CLIP.read_bytes()))
    table = client.get(reverse("localization:job-table")).content.decode()
    assert 'hx-trigger="every 2s"' in table
    assert 'data-state="queued"' in table
    assert "Cancel" in table


def test_bad_upload_shows_the_reason(client_for, title):
    client, _user = client_for(Role.TRANSLATOR)
    response = client.post(reverse("localization:media-upload"), {
        "title": title.pk, "file": SimpleUploadedFile("movie.mp4", b"just some text\n" * 20)})
    assert response.status_code == 400
    assert "not a video or audio file" in response.content.decode()
    assert not MediaAsset.objects.exists()


def test_cancel_and_retry_buttons(client_for, title, django_capture_on_commit_callbacks):

    client, _user = client_for(Role.TRANSLATOR)
    _asset, job = transcription_services.media_transcribe(
        title=title, enqueue=False, uploaded_file=(
        SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes())))
    client.post(reverse("localization:run-cancel", args=["transcription", job.pk]))
    job.refresh_from_db()
    assert job.state == LocalizationJob.State.CANCELLED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("localization:run-retry", args=["transcription", job.pk]))
    job.refresh_from_db()
    assert job.state == LocalizationJob.State.DONE
    response = client.post(reverse("localization:run-retry", args=["transcription", job.pk]),
                           follow=True)
    assert "only a failed or cancelled one is retried" in response.content.decode()


def test_subtitle_import_reports_the_line(client_for, title):
    client, _user = client_for(Role.TRANSLATOR)
    bad = "1\n00:00:01,000 --> 00:00:02,000\n하나\n\n2\n00:00:0x,000 --> 00:00:04,000\n둘\n"
    response = client.post(reverse("localization:track-import"), {
        "title": title.pk, "language": "ko", "file": SimpleUploadedFile("bad.srt", bad.encode())})
    assert response.status_code == 400
    assert "line 6" in response.content.decode()
    assert not SubtitleTrack.objects.exists()

    good = bad.replace("0x", "03").encode("euc-kr")
    response = client.post(reverse("localization:track-import"), {
        "title": title.pk, "language": "ko", "file": SimpleUploadedFile("ok.srt", good)})
    track = SubtitleTrack.objects.get()
    assert response.status_code == 302
    assert track.source == SubtitleTrack.Source.IMPORT and track.cues.count() == 2
    assert "EUC-KR" in track.import_warnings[0]["message"]
    second = client.post(reverse("localization:track-import"), {
        "title": title.pk, "language": "ko", "file": SimpleUploadedFile("ok.srt", good)})
    assert second.status_code == 302
    assert sorted(SubtitleTrack.objects.values_list("version", flat=True)) == [1, 2]


def test_jobs_page_speaks_korean(client_for, settings):
    client, _user = client_for(Role.TRANSLATOR)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    page = client.get(reverse("localization:job-list")).content.decode()
    assert "현지화 작업" in page
    assert "Localization jobs" not in page


def test_upload_form_preselects_the_title_from_the_title_page(client, make_user):
    from tests.factories import TitleFactory

    title = TitleFactory()
    client.force_login(make_user("translator"))
    page = client.get(reverse("localization:media-upload"), {"title": title.pk})
    assert f'<option value="{title.pk}" selected>' in page.content.decode()


def test_oversized_subtitle_and_tmx_uploads_are_refused(client, make_user, settings):
    from localization.translation.models import TranslationMemoryEntry
    from tests.factories import TitleFactory

    settings.TEXT_MAX_UPLOAD_SIZE = 1024 * 1024
    client.force_login(make_user("translator"))
    big = b"1\n00:00:01,000 --> 00:00:02,000\n" + b"x" * (1024 * 1024 + 10) + b"\n"
    response = client.post(reverse("localization:track-import"), {
        "title": TitleFactory().pk, "language": "ko",
        "file": SimpleUploadedFile("big.srt", big)})
    assert response.status_code == 413 and "the largest accepted here is 1,048,576 bytes" in \
        response.content.decode()
    assert not SubtitleTrack.objects.exists()
    response = client.post(reverse("localization:memory"), {
        "file": SimpleUploadedFile("big.tmx", b"<tmx>" + b" " * (1024 * 1024 + 10))})
    assert "largest accepted" in response.content.decode()
    assert not TranslationMemoryEntry.objects.exists()
