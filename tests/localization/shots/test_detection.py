"""Shot changes: PySceneDetect finds the cuts of a generated clip at their frames; the
detection is a background run (queued after intake or from the track page, progress,
cancel, failure with the reason, retry) whose cuts the editor and QA read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.audit.models import Event
from localization.engines import shots as shots_engine
from localization.runs import lifecycle
from localization.runs.registry import RUN_KINDS
from localization.shots import selectors, services
from localization.shots.models import ShotDetection
from localization.transcription import services as transcription_services
from localization.transcription.models import LocalizationJob
from tests.factories import TitleFactory
from tests.localization.conftest import DEMO_CLIP
from tests.localization.shots.clips import make_cut_clip

pytestmark = pytest.mark.django_db
State = ShotDetection.State
CUTS = (48, 120, 192)  # at 24 fps: 2 s, 5 s and 8 s


@pytest.fixture
def cut_clip(tmp_path):
    return make_cut_clip(tmp_path / "cuts.mp4", cuts=CUTS, frames=264)


def upload(path, *, enqueue=False, user=None):
    return transcription_services.media_transcribe(
        title=TitleFactory(), uploaded_file=SimpleUploadedFile(path.name, path.read_bytes()),
        user=user, enqueue=enqueue)


@pytest.mark.parametrize("fps", [24, 30])
def test_every_hard_cut_is_found_on_its_frame(tmp_path, fps):
    clip = make_cut_clip(tmp_path / f"cuts-{fps}.mp4", cuts=(30, 75, 120, 200), frames=264,
                         fps=fps, with_audio=False)
    reported = []
    found = shots_engine.detect_shot_changes(clip, progress=reported.append, span_seconds=2.0)
    # The moving line inside each shot is motion, not a cut.
    assert found.frames == (30, 75, 120, 200)
    assert found.frame_rate == fps and found.frame_count == 264
    assert reported == sorted(reported) and 0 < reported[0] < 1 and reported[-1] == 1.0


def test_a_file_without_video_or_a_damaged_one_is_refused(tmp_path):
    with pytest.raises(shots_engine.ShotDetectionError, match="no video stream"):
        shots_engine.detect_shot_changes(DEMO_CLIP)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    with pytest.raises(shots_engine.ShotDetectionError, match="cannot be read"):
        shots_engine.detect_shot_changes(junk)


def test_intake_of_a_video_queues_its_detection_and_audio_queues_none(
        cut_clip, make_user, django_capture_on_commit_callbacks):
    user = make_user(Role.TRANSLATOR)
    with django_capture_on_commit_callbacks() as queued:
        video, job = upload(cut_clip, enqueue=True, user=user)
    detection = video.shot_detections.get()
    assert (detection.state, detection.created_by, detection.task_id != "") == (
        State.QUEUED, user, True)
    assert job.state == LocalizationJob.State.QUEUED
    assert len(queued) == 2  # the transcription (gpu) and the shot detection (cpu)
    assert Event.objects.about(detection).get().after == {
        "state": "queued", "kind": "shot_detection", "media": video.pk}
    with django_capture_on_commit_callbacks() as queued:
        audio, _job = upload(DEMO_CLIP, enqueue=True)
    assert len(queued) == 1 and not audio.shot_detections.exists()


def test_a_detection_runs_with_progress_and_stores_the_cuts(cut_clip, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    media, _job = upload(cut_clip)
    monkeypatch.setattr(shots_engine, "SPAN_SECONDS", 2.0)
    reported = []
    progress = lifecycle.run_progress
    monkeypatch.setattr(lifecycle, "run_progress",
                        lambda kind, run, percent: (reported.append(percent),
                                                    progress(kind, run, percent)))
    with django_capture_on_commit_callbacks(execute=True):  # the task runs (eager)
        detection = services.shot_detection_create(media=media)
    detection.refresh_from_db()
    assert detection.state == State.DONE and detection.progress == 100
    assert detection.frames == list(CUTS) and detection.frame_rate == 24.0
    assert detection.times_ms == [2000, 5000, 8000]
    assert detection.attempts == 1 and detection.heartbeat_at and detection.finished_at
    assert reported == sorted(reported) and len(reported) >= 4 and max(reported) <= 99
    shots = selectors.shot_changes_for(media=media)
    assert shots.frames == CUTS and shots.times_ms == [2000, 5000, 8000]
    assert selectors.media_frame_rate(media=media) == 24.0
    states = [event.after.get("state") for event in
              Event.objects.about(detection).order_by("id")]
    assert states == ["queued", "detecting", "done"]
    # A second request while none is running makes a new run; a request while one is
    # queued returns that one.
    again = services.shot_detection_create(media=media, enqueue=False)
    assert again.pk != detection.pk
    assert services.shot_detection_create(media=media, enqueue=False).pk == again.pk


def test_a_cancelled_detection_stops_and_writes_nothing(cut_clip, monkeypatch):
    media, _job = upload(cut_clip)
    detection = services.shot_detection_create(media=media, enqueue=False)
    # The message a worker would carry.
    ShotDetection.objects.filter(pk=detection.pk).update(task_id="the-message")
    monkeypatch.setattr(shots_engine, "SPAN_SECONDS", 2.0)
    progress = lifecycle.run_progress

    def cancel_then_report(kind, run, percent):
        lifecycle.run_cancel(kind, kind.queryset().get(pk=run.pk))  # a person presses Cancel
        return progress(kind, run, percent)

    monkeypatch.setattr(lifecycle, "run_progress", cancel_then_report)
    result = services.shot_detection_run(detection_id=detection.pk, task_id="the-message",
                                         worker="w@host")
    assert result.state == State.CANCELLED
    detection.refresh_from_db()
    assert (detection.state, detection.frames, detection.frame_rate) == (
        State.CANCELLED, [], None)
    assert selectors.shot_changes_for(media=media) is None


def test_an_unreadable_video_fails_with_the_reason_and_can_be_retried(
        cut_clip, django_capture_on_commit_callbacks):
    media, _job = upload(cut_clip)
    # The stored file goes bad after intake (a truncated copy in storage).
    with media.file.open("rb") as handle:
        data = handle.read()
    media.file.storage.delete(media.file.name)
    media.file.storage.save(media.file.name, SimpleUploadedFile("x", data[:300]))
    with django_capture_on_commit_callbacks(execute=True):
        detection = services.shot_detection_create(media=media)
    detection.refresh_from_db()
    assert detection.state == State.FAILED
    assert "cannot be read" in detection.error or "no video stream" in detection.error
    with django_capture_on_commit_callbacks() as queued:
        retried = lifecycle.run_retry(RUN_KINDS["shot_detection"], detection)
    assert retried.state == State.QUEUED and retried.error == "" and len(queued) == 1


def test_a_media_file_without_video_is_refused_with_the_reason():
    media, _job = upload(DEMO_CLIP)
    with pytest.raises(services.ShotDetectionRefused, match="has no video"):
        services.shot_detection_create(media=media)
    assert not ShotDetection.objects.exists()


def test_the_track_page_shows_the_cuts_and_a_person_queues_a_detection(
        cut_clip, client_for, django_capture_on_commit_callbacks):
    from localization.subtitles.models import SubtitleTrack

    media, _job = upload(cut_clip)
    track = SubtitleTrack.objects.create(title=media.title, media=media, language="ko",
                                         version=1, source=SubtitleTrack.Source.IMPORT)
    client, user = client_for(Role.TRANSLATOR)
    page = client.get(reverse("localization:track-detail", args=[track.pk])).content.decode()
    assert reverse("localization:shots-section", args=[track.pk]) in page
    section = client.get(reverse("localization:shots-section", args=[track.pk]))
    assert 'id="shots-detect"' in section.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("localization:shots-detect", args=[track.pk]))
    assert response.status_code == 302 and response["Location"].endswith("#shots")
    detection = media.shot_detections.get()
    assert detection.created_by == user and detection.state == State.DONE
    html = client.get(reverse("localization:shots-section", args=[track.pk])).content.decode()
    assert 'data-count="3"' in html and "3 shot changes found at 24 frames per second" in html
    assert 'data-ms="5000"' in html and "Detect shot changes again" in html
    shots = client.get(reverse("localization:editor-shots", args=[track.pk])).json()
    assert shots == {"frame_rate": 24.0, "frames": list(CUTS),
                     "times_ms": [2000, 5000, 8000],
                     "windows": {"window": 12, "snap_before": 8, "gap": 2}}
    runs = client.get(reverse("localization:run-list")).content.decode()
    assert f'data-run="shot_detection-{detection.pk}"' in runs and "cuts.mp4" in runs
    partner, _partner = client_for(Role.PARTNER_STUDIO)
    assert partner.post(reverse("localization:shots-detect", args=[track.pk])).status_code \
        == 403
    assert partner.get(reverse("localization:editor-shots", args=[track.pk])).status_code \
        == 403
