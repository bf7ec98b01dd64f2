"""A shot detection queued the way intake queues it runs in a real worker that takes only
the ``cpu`` queue, on the embedded file-system broker: the worker claims it, beats, stores
the cuts of the clip at their frames, and a stale copy of its message changes nothing."""


import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_celery_results.models import TaskResult

from config.celery import app as platform_app
from config.embedded import filesystem_broker
from coprod.audit.models import Event
from localization import background
from localization.shots import services as shots_services
from localization.shots.models import ShotDetection
from localization.transcription import services as transcription_services
from tests.e2e.workers import celery_worker, producer, wait_for
from tests.factories import TitleFactory
from tests.localization.shots.clips import make_cut_clip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CUTS = (48, 120, 192, 300)


def test_a_cpu_worker_detects_the_shot_changes(tmp_path, shared_media_storage):
    clip = make_cut_clip(tmp_path / "cuts.mp4", cuts=CUTS, frames=360)
    media, _job = transcription_services.media_transcribe(
        title=TitleFactory(), uploaded_file=SimpleUploadedFile(clip.name, clip.read_bytes()),
        enqueue=False)
    detection = shots_services.shot_detection_create(media=media, enqueue=False)
    message = "the-detections-message"
    ShotDetection.objects.filter(pk=detection.pk).update(task_id=message)
    route = platform_app.amqp.router.route({}, background.DETECT_SHOT_CHANGES)
    assert route["queue"].name == "cpu"

    broker_url, options = filesystem_broker(tmp_path / "broker")
    sender = producer(broker_url, options)
    sender.send_task(background.DETECT_SHOT_CHANGES, args=[detection.pk], task_id=message,
                     queue="cpu", routing_key="cpu")
    with celery_worker(database=connection.settings_dict, data_dir=tmp_path, broker_url=None,
                       queues="cpu", extra_env={"RUN_HEARTBEAT_SECONDS": "1"}) as worker:
        done = wait_for(lambda: ShotDetection.objects.get(pk=detection.pk),
                        lambda run: not run.is_active, 180, "the detection to finish")
        assert done.state == ShotDetection.State.DONE, done.error
        # The same message delivered again (a broker handing it back) is left alone.
        stale = "a-stale-copy"
        sender.send_task(background.DETECT_SHOT_CHANGES, args=[detection.pk],
                         task_id=stale, queue="cpu", routing_key="cpu")
        wait_for(lambda: TaskResult.objects.filter(task_id=stale, status="SUCCESS").first(),
                 lambda result: result is not None, 120, "the stale copy to be done")

    done = ShotDetection.objects.get(pk=detection.pk)
    assert done.frames == list(CUTS) and done.frame_rate == 24.0 and done.frame_count == 360
    assert done.times_ms == [2000, 5000, 8000, 12500]
    assert (done.worker, done.attempts, done.progress) == (worker, 1, 100)
    assert done.heartbeat_at is not None and done.finished_at >= done.started_at
    result = TaskResult.objects.get(task_id=message)
    assert (result.status, result.result) == ("SUCCESS", '"done"')
    states = list(Event.objects.about(done).order_by("id").values_list("after__state",
                                                                       flat=True))
    assert states == ["queued", "detecting", "done"]
