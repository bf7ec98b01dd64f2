"""One life cycle for every kind of background run: queued, running with a heartbeat,
done, failed, cancelled; retried by hand, requeued when its worker is gone, and a stale
message never running the work twice."""

import datetime as dt
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coprod.accounts.roles import Role
from coprod.audit.models import Event
from localization.background import InvalidTransition
from localization.delivery.models import DeliveryPackage
from localization.dubbing.models import DubTrack
from localization.qa import services as qa_services
from localization.runs import lifecycle
from localization.runs import services as runs_services
from localization.runs.models import TrackRun
from localization.runs.registry import RUN_KINDS
from localization.shots.models import ShotDetection
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from localization.transcription import services as transcription_services
from localization.translation import services as translation_services
from tests.factories import CompanyFactory, TitleFactory
from tests.localization.conftest import DEMO_CLIP
from tests.localization.dubbing_helpers import approved_track

pytestmark = pytest.mark.django_db


def korean_track(title=None) -> SubtitleTrack:
    track = SubtitleTrack.objects.create(title=title or TitleFactory(), language="ko",
                                         version=1, source=SubtitleTrack.Source.IMPORT)
    SubtitleCue.objects.create(track=track, index=1, start_ms=1000, end_ms=3000,
                               text="안녕하세요.")
    return track


def make_run(kind_key: str):
    """A queued run of ``kind_key`` with its row, as its step's service records it."""
    title = TitleFactory()
    if kind_key == "transcription":
        _asset, job = transcription_services.media_transcribe(
            title=title, uploaded_file=SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes()),
            enqueue=False)
        return job
    if kind_key in ("translation", "quality_check"):
        return TrackRun.objects.create(track=korean_track(title), kind=kind_key)
    if kind_key == "shot_detection":
        asset, _job = transcription_services.media_transcribe(
            title=title, uploaded_file=SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes()),
            enqueue=False)
        return ShotDetection.objects.create(media=asset)
    track = approved_track(title, "th", [(0, 1000, "สวัสดี", "")])
    if kind_key == "dub":
        return DubTrack.objects.create(track=track)
    return DeliveryPackage.objects.create(
        title=title, language="th", track=track, licensee=CompanyFactory(),
        territory_expression="TH", countries=["TH"], media=["svod"],
        window_start=dt.date(2027, 1, 1))


def running(kind_key: str, *, silent_for: float, worker="gone@host", task_id="old-message"):
    """A run that a worker claimed and last reported ``silent_for`` seconds ago."""
    run = make_run(kind_key)
    kind = RUN_KINDS[kind_key]
    last = timezone.now() - dt.timedelta(seconds=silent_for)
    kind.model.objects.filter(pk=run.pk).update(
        state=kind.running, worker=worker, task_id=task_id, heartbeat_at=last, started_at=last,
        attempts=1, progress=40)
    return kind.model.objects.get(pk=run.pk)


@pytest.mark.parametrize("kind_key", list(RUN_KINDS))
def test_a_run_whose_worker_is_gone_is_put_back_in_the_queue(kind_key, settings,
                                                            django_capture_on_commit_callbacks):
    settings.RUN_STALE_AFTER_SECONDS = 60
    stale = running(kind_key, silent_for=600)
    fresh = running(kind_key, silent_for=5, worker="alive@host")
    with django_capture_on_commit_callbacks() as queued:  # not run: only what is queued
        requeued = runs_services.runs_requeue_stale()
    assert [run.pk for run in requeued] == [stale.pk]
    kind = RUN_KINDS[kind_key]
    stale = kind.model.objects.get(pk=stale.pk)
    assert stale.state == kind.states.QUEUED
    assert (stale.worker, stale.progress, stale.heartbeat_at) == ("", 0, None)
    assert stale.task_id and stale.task_id != "old-message"
    assert len(queued) == 1  # the task, queued again under the new message id
    event = Event.objects.about(stale).get(action=Event.Action.RUN_REQUEUED)
    assert "gone@host stopped reporting" in event.after["reason"]
    assert kind.model.objects.get(pk=fresh.pk).state == kind.running  # still its worker's


def test_the_old_message_of_a_requeued_run_is_left_alone(settings):
    settings.RUN_STALE_AFTER_SECONDS = 60
    run = running("translation", silent_for=600)
    runs_services.runs_requeue_stale()
    run.refresh_from_db()
    # Redis hands the first message back hours later: it no longer runs this run.
    left = translation_services.translation_run(run_id=run.pk, task_id="old-message",
                                                worker="late@host")
    assert left.state == TrackRun.State.QUEUED and left.attempts == 1
    done = translation_services.translation_run(run_id=run.pk, task_id=run.task_id,
                                                worker="new@host")
    assert done.state == TrackRun.State.DONE and done.attempts == 2
    assert done.worker == "new@host"


def test_a_person_may_retry_a_silent_run_at_once_but_not_a_live_one(settings):
    settings.RUN_HEARTBEAT_SECONDS = 10
    live = running("quality_check", silent_for=5)
    with pytest.raises(InvalidTransition, match="its worker reported 5 seconds ago"):
        lifecycle.run_retry(qa_services.KIND, live)
    silent = running("quality_check", silent_for=31)  # three beats missed, before the check
    retried = lifecycle.run_retry(qa_services.KIND, silent)
    assert retried.state == TrackRun.State.QUEUED
    assert "stopped reporting" in Event.objects.about(silent).get(
        action=Event.Action.RUN_RETRIED).after["reason"]


@pytest.mark.parametrize("kind_key", list(RUN_KINDS))
def test_cancel_then_retry_any_kind(kind_key, django_capture_on_commit_callbacks):
    kind = RUN_KINDS[kind_key]
    run = make_run(kind_key)
    cancelled = lifecycle.run_cancel(kind, run)
    assert cancelled.state == kind.states.CANCELLED and cancelled.finished_at
    with django_capture_on_commit_callbacks() as queued:
        retried = lifecycle.run_retry(kind, cancelled)
    assert retried.state == kind.states.QUEUED and retried.finished_at is None
    assert len(queued) == 1
    with pytest.raises(InvalidTransition):
        lifecycle.run_retry(kind, retried)  # queued: nothing to retry
    actions = list(Event.objects.about(run).order_by("id").values_list("action", flat=True))
    assert actions[-2:] == [Event.Action.RUN_CANCELLED, Event.Action.RUN_RETRIED]


def test_a_quality_check_is_a_run_with_its_result(django_capture_on_commit_callbacks,
                                                  make_user):
    track = korean_track()
    SubtitleCue.objects.create(track=track, index=2, start_ms=2000, end_ms=2100, text="짧")
    user = make_user(Role.TRANSLATOR)
    with django_capture_on_commit_callbacks(execute=True):
        run = qa_services.quality_check_enqueue(track=track, user=user)
    run.refresh_from_db()
    assert run.state == TrackRun.State.DONE and run.progress == 100 and run.attempts == 1
    assert run.result["issues"] >= 1 and run.result["errors"] >= 1  # overlap, too short
    assert run.created_by == user
    assert list(Event.objects.about(run).order_by("id").values_list("after__state", flat=True)) \
        == ["queued", "running", "done"]


def test_a_crashed_translation_fails_with_the_reason(monkeypatch, caplog):
    run = TrackRun.objects.create(track=korean_track(), kind=TrackRun.Kind.TRANSLATION)

    def crash(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(translation_services, "quality_check_track", crash)
    with caplog.at_level("ERROR", logger="localization.background"):
        failed = translation_services.translation_run(run_id=run.pk)
    assert failed.state == TrackRun.State.FAILED
    assert failed.error == "RuntimeError: engine exploded"
    assert any(f"translation {run.pk} failed" in record.getMessage()
               for record in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_beats_from_its_own_thread_while_the_work_runs():
    run = running("translation", silent_for=600, task_id="mine")
    before = run.heartbeat_at
    kind = RUN_KINDS["translation"]
    beaten = threading.Event()
    with lifecycle.run_heartbeat(kind, run, interval=0.05):
        # The work: wait (with a deadline) until the row shows a newer heartbeat.
        deadline = timezone.now() + dt.timedelta(seconds=60)
        while timezone.now() < deadline and not beaten.is_set():
            if TrackRun.objects.get(pk=run.pk).heartbeat_at > before:
                beaten.set()
            else:
                beaten.wait(0.05)
    assert beaten.is_set()
    # A run taken away from this worker (another message now runs it) gets no more beats.
    TrackRun.objects.filter(pk=run.pk).update(task_id="someone-else", heartbeat_at=before)
    with lifecycle.run_heartbeat(kind, run, interval=0.05):
        threading.Event().wait(0.3)
    assert TrackRun.objects.get(pk=run.pk).heartbeat_at == before


def test_runs_page_lists_every_kind_and_retries_with_the_kinds_permission(client_for,
                                                                          settings):
    settings.RUN_HEARTBEAT_SECONDS = 10
    runs = {key: running(key, silent_for=600) for key in RUN_KINDS}
    client, _user = client_for(Role.TRANSLATOR)
    page = client.get(reverse("localization:run-list")).content.decode()
    for key, run in runs.items():
        assert f'data-run="{key}-{run.pk}"' in page
    assert page.count("worker not reporting") == len(RUN_KINDS)
    # A translator may retry a silent translation, but packages are the rights managers'.
    response = client.post(reverse("localization:run-retry", args=["translation",
                                                                    runs["translation"].pk]),
                           {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "localization:run-list")
    assert TrackRun.objects.get(pk=runs["translation"].pk).state == TrackRun.State.QUEUED
    denied = client.post(reverse("localization:run-retry", args=["package",
                                                                 runs["package"].pk]))
    assert denied.status_code == 403
    assert DeliveryPackage.objects.get(pk=runs["package"].pk).state == "building"
    missing = client.post(reverse("localization:run-cancel", args=["nonsense", 1]))
    assert missing.status_code == 404


def test_a_partner_studio_cannot_touch_runs(client_for):
    run = running("transcription", silent_for=600)
    client, _user = client_for(Role.PARTNER_STUDIO)
    assert client.get(reverse("localization:run-list")).status_code == 403
    response = client.post(reverse("localization:run-cancel", args=["transcription", run.pk]))
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.state == "extracting_audio"


def test_a_runs_history_page_shows_its_events_and_the_track_shows_its_runs(
        client_for, django_capture_on_commit_callbacks):
    track = korean_track()
    client, user = client_for(Role.TRANSLATOR)
    with django_capture_on_commit_callbacks(execute=True):
        run = qa_services.quality_check_enqueue(track=track, user=user)
    page = client.get(reverse("localization:run-history", args=["quality_check", run.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-action="run.state_changed"') == 2  # running, done
    assert 'data-action="run.queued"' in html
    detail = client.get(reverse("localization:track-detail", args=[track.pk])).content.decode()
    assert f'data-run="quality_check-{run.pk}"' in detail
    assert f"localization.trackrun #{run.pk}" in detail  # the track's history names it
    assert client.get(reverse("localization:run-history", args=["dub", 999999])).status_code \
        == 404
