"""A worker killed with SIGKILL in the middle of a transcription: another worker redoes
the job, on Redis, with real worker processes and the real Whisper model, and the job
ends with one subtitle track and no duplicate cues.

The whole worker process group is killed, so no Celery code runs to hand the message
back; Redis redelivers the unacknowledged message (acks_late) once its visibility
timeout passes, which the workers here set to a few seconds.
"""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from coprod.audit.models import Event
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from localization.transcription import services as transcription_services
from localization.transcription.models import LocalizationJob
from tests.e2e.workers import producer, redis_broker, worker_process
from tests.factories import TitleFactory
from tests.localization.conftest import DEMO_CLIP, approve_whisper_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
State = LocalizationJob.State

WORKER_ENV = {
    "CELERY_VISIBILITY_TIMEOUT": "5",
    # Plain decoding in 10-second chunks keeps the job in "transcribing" for a while.
    "WHISPER_BATCH_SIZE": "1",
    "WHISPER_CHUNK_SECONDS": "10",
}


def wait_for_job(job_id: int, condition, timeout: float) -> LocalizationJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = LocalizationJob.objects.get(pk=job_id)
        if condition(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} is {job.state} at {job.progress}% after {timeout} s "
                         f"{job.error}")


@pytest.fixture
def shared_media_storage(settings, tmp_path):
    """The test and the workers store media in the same folder (PLATFORM_DATA_DIR/media)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage"}}


def test_killed_worker_job_is_redone_by_another_without_duplicates(tmp_path,
                                                                   shared_media_storage):
    title = TitleFactory()
    approve_whisper_for(title)
    _asset, job = transcription_services.media_transcribe(
        title=title, uploaded_file=SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes()),
        enqueue=False)
    with redis_broker(tmp_path) as broker_url:
        app = producer(broker_url)
        app.control.purge()
        database = connection.settings_dict
        with worker_process(database=database, data_dir=tmp_path, broker_url=broker_url,
                            extra_env=WORKER_ENV) as first:
            app.send_task("localization.tasks.transcribe_media", args=[job.pk],
                          task_id=job.task_id or None, queue="gpu", routing_key="gpu")
            running = wait_for_job(job.pk, lambda j: j.state == State.TRANSCRIBING
                                   and j.progress > 10, timeout=120)
            first.kill()
        assert running.worker == first.name
        killed = LocalizationJob.objects.get(pk=job.pk)
        assert killed.state == State.TRANSCRIBING  # nobody finished or failed it
        assert not SubtitleTrack.objects.filter(job=job).exists()

        with worker_process(database=database, data_dir=tmp_path, broker_url=broker_url,
                            extra_env=WORKER_ENV) as second:
            done = wait_for_job(job.pk, lambda j: j.state not in LocalizationJob.ACTIVE_STATES,
                                timeout=240)
            time.sleep(6)  # past another visibility timeout: no second redelivery harm

    assert done.state == State.DONE, done.error
    assert done.worker == second.name
    assert done.attempts == 2
    track = SubtitleTrack.objects.get(job=job)
    cues = list(SubtitleCue.objects.filter(track=track).order_by("index"))
    assert cues, "the redone job produced cues"
    assert [cue.index for cue in cues] == list(range(1, len(cues) + 1))
    assert len({(cue.start_ms, cue.end_ms, cue.text) for cue in cues}) == len(cues)
    for previous, cue in zip(cues, cues[1:], strict=False):
        assert cue.start_ms >= previous.end_ms  # no repeated stretch of speech
    assert SubtitleTrack.objects.filter(title=title).count() == 1
    states = list(Event.objects.about(job).filter(
        action=Event.Action.JOB_STATE_CHANGED).order_by("id")
        .values_list("after__state", flat=True))
    assert states.count("extracting_audio") == 2  # started, killed, started over
    assert states[-1] == "done"
