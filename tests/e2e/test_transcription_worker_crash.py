"""A worker killed with SIGKILL in the middle of a transcription, with its whole process
group (a machine lost, an OOM kill), on Redis with the default visibility timeout (hours):
the job's heartbeat stops, the periodic check (Celery beat in the second worker) puts it
back in the queue within seconds, and the second worker redoes it with the real Whisper
model. The job ends with one subtitle track and no duplicate cues, and the first message,
handed back later, changes nothing.
"""


import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_celery_results.models import TaskResult

from coprod.audit.models import Event
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from localization.transcription import services as transcription_services
from localization.transcription.models import LocalizationJob
from tests.e2e.workers import FAST_STALE_CHECK, producer, redis_broker, wait_for, worker_process
from tests.factories import TitleFactory
from tests.localization.conftest import DEMO_CLIP, approve_whisper_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
State = LocalizationJob.State

WORKER_ENV = {
    # Plain decoding in 10-second chunks keeps the job in "transcribing" for a while.
    "WHISPER_BATCH_SIZE": "1",
    "WHISPER_CHUNK_SECONDS": "10",
    **FAST_STALE_CHECK,
}


def job_now(job_id: int) -> LocalizationJob:
    return LocalizationJob.objects.get(pk=job_id)


def test_killed_worker_job_is_requeued_and_redone_without_duplicates(tmp_path,
                                                                     shared_media_storage):
    assert settings.CELERY_VISIBILITY_TIMEOUT > 3600  # the default: Redis waits for hours
    title = TitleFactory()
    approve_whisper_for(title)
    _asset, job = transcription_services.media_transcribe(
        title=title, uploaded_file=SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes()),
        enqueue=False)
    first_message = "first-message-of-the-job"
    LocalizationJob.objects.filter(pk=job.pk).update(task_id=first_message)
    with redis_broker(tmp_path) as broker_url:
        app = producer(broker_url)
        app.control.purge()
        database = connection.settings_dict
        with worker_process(database=database, data_dir=tmp_path, broker_url=broker_url,
                            extra_env=WORKER_ENV) as first:
            app.send_task("localization.tasks.transcribe_media", args=[job.pk],
                          task_id=first_message, queue="gpu", routing_key="gpu")
            running = wait_for(lambda: job_now(job.pk),
                               lambda j: j.state == State.TRANSCRIBING and j.progress > 10,
                               120, "the job to transcribe")
            beating = running.heartbeat_at
            wait_for(lambda: job_now(job.pk), lambda j: j.heartbeat_at > beating, 60,
                     "a heartbeat while transcribing")
            first.kill()
        assert running.worker == first.name
        killed = job_now(job.pk)
        assert killed.state == State.TRANSCRIBING  # nobody finished or failed it
        assert not SubtitleTrack.objects.filter(job=job).exists()

        with worker_process(database=database, data_dir=tmp_path, broker_url=broker_url,
                            extra_env=WORKER_ENV, beat=True) as second:
            done = wait_for(lambda: job_now(job.pk),
                            lambda j: j.state not in LocalizationJob.ACTIVE_STATES, 300,
                            "the requeued job to finish")
            assert done.state == State.DONE, done.error
            # The first message comes back (as Redis would after its visibility timeout):
            # it is not this job's message any more, so nothing runs twice.
            app.send_task("localization.tasks.transcribe_media", args=[job.pk],
                          task_id=first_message, queue="gpu", routing_key="gpu")
            wait_for(lambda: TaskResult.objects.filter(task_id=first_message,
                                                       status="SUCCESS").first(),
                     lambda result: result is not None, 120, "the stale message to be done")

    done = job_now(job.pk)
    assert done.state == State.DONE
    assert done.worker == second.name
    assert done.attempts == 2
    assert done.task_id != first_message
    requeued = Event.objects.about(job).get(action=Event.Action.RUN_REQUEUED)
    assert first.name in requeued.after["reason"]
    track = SubtitleTrack.objects.get(job=job)
    cues = list(SubtitleCue.objects.filter(track=track).order_by("index"))
    assert cues, "the redone job produced cues"
    assert [cue.index for cue in cues] == list(range(1, len(cues) + 1))
    assert len({(cue.start_ms, cue.end_ms, cue.text) for cue in cues}) == len(cues)
    for previous, cue in zip(cues, cues[1:], strict=False):
        assert cue.start_ms >= previous.end_ms  # no repeated stretch of speech
    assert SubtitleTrack.objects.filter(title=title).count() == 1
    states = list(Event.objects.about(job).filter(
        action__in=[Event.Action.RUN_STATE_CHANGED, Event.Action.RUN_REQUEUED])
        .order_by("id").values_list("after__state", flat=True))
    assert states.count("extracting_audio") == 2  # started, killed, requeued, started over
    assert states.count("queued") == 1
    assert states[-1] == "done"
