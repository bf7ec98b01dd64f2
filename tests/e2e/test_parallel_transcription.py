"""A long job in parallel chunks on real GPU-queue workers (Redis broker, real Whisper
base): two workers share the chunks; one is killed with SIGKILL while it recognizes one,
the periodic check puts that chunk back in the queue and the other worker redoes it, and
the job ends with one track, no word lost or doubled. A job cancelled while its chunks
wait in the queue revokes their messages: the worker drops them unrun.
"""

import os
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_celery_results.models import TaskResult

from config.environment import database_url_for
from coprod.audit.models import Event
from coprod.compute.models import ComputeUsage
from localization.subtitles.models import SubtitleTrack
from localization.transcription import services as transcription_services
from localization.transcription.accuracy import character_error_rate, normalized
from localization.transcription.models import LocalizationJob, TranscriptionChunk
from tests.e2e.workers import (
    FAST_STALE_CHECK,
    ROOT,
    producer,
    redis_broker,
    wait_for,
    worker_process,
)
from tests.factories import TitleFactory
from tests.localization.conftest import (
    EXPECTED_JA,
    JAPANESE_CLIP,
    REPEAT,
    approve_whisper_for,
    repeated_clip,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
State = LocalizationJob.State
ChunkState = TranscriptionChunk.State

WORKER_ENV = {"WHISPER_PARALLEL_CHUNK_SECONDS": "20", **FAST_STALE_CHECK}


def long_job(tmp_path) -> LocalizationJob:
    title = TitleFactory()
    approve_whisper_for(title)
    audio = repeated_clip(JAPANESE_CLIP, tmp_path, REPEAT)
    _asset, job = transcription_services.media_transcribe(
        title=title, uploaded_file=SimpleUploadedFile("long-ja.wav", audio), language="ja",
        enqueue=False)
    return job


def start(app, job: LocalizationJob) -> None:
    app.send_task("localization.tasks.transcribe_media", args=[job.pk], task_id=job.task_id,
                  queue="gpu", routing_key="gpu")


def chunks_of(job: LocalizationJob) -> list[TranscriptionChunk]:
    return list(TranscriptionChunk.objects.filter(job_id=job.pk).order_by("index"))


def prepared(job: LocalizationJob) -> LocalizationJob:
    LocalizationJob.objects.filter(pk=job.pk).update(task_id=f"job-{job.pk}-message")
    return LocalizationJob.objects.get(pk=job.pk)


def test_a_killed_workers_chunk_is_redone_with_no_word_lost_or_doubled(
        tmp_path, shared_media_storage):
    job = prepared(long_job(tmp_path))
    with redis_broker(tmp_path) as broker_url:
        app = producer(broker_url)
        app.control.purge()
        database = connection.settings_dict
        with worker_process(database=database, data_dir=tmp_path, broker_url=broker_url,
                            queues="gpu,default", extra_env=WORKER_ENV, beat=True) as keeper, \
                worker_process(database=database, data_dir=tmp_path, broker_url=broker_url,
                               queues="gpu", extra_env=WORKER_ENV) as doomed:
            start(app, job)
            victim = wait_for(
                lambda: TranscriptionChunk.objects.filter(
                    job_id=job.pk, state=ChunkState.RUNNING, worker=doomed.name).first(),
                lambda chunk: chunk is not None, 240, "a chunk on the second worker")
            doomed.kill()
            killed = TranscriptionChunk.objects.get(pk=victim.pk)
            assert killed.state == ChunkState.RUNNING  # killed mid-chunk, nobody finished it

            done = wait_for(lambda: LocalizationJob.objects.get(pk=job.pk),
                            lambda j: j.state not in LocalizationJob.ACTIVE_STATES, 400,
                            "the job to finish")
    assert done.state == State.DONE, done.error
    chunks = chunks_of(job)
    assert len(chunks) == done.chunk_count >= 3
    assert all(chunk.state == ChunkState.DONE for chunk in chunks)
    redone = TranscriptionChunk.objects.get(pk=victim.pk)
    assert redone.attempts == 2 and redone.worker == keeper.name
    assert redone.task_id != victim.task_id
    requeued = Event.objects.about(redone).get(action=Event.Action.RUN_REQUEUED)
    assert doomed.name in requeued.after["reason"]
    # The job itself waited: started once, never requeued.
    assert done.attempts == 1
    assert not Event.objects.about(done).filter(action=Event.Action.RUN_REQUEUED).exists()
    # Every attempt is in the compute record: the killed one as lost with its worker (the
    # time it held the chunk), the redone one measured by the worker that did it.
    attempts = list(ComputeUsage.objects.filter(run_type="localization.transcriptionchunk",
                                                run_id=str(victim.pk)).order_by("attempt"))
    assert [(row.attempt, row.outcome, row.worker) for row in attempts] == [
        (1, "lost", doomed.name), (2, "done", keeper.name)]
    assert attempts[1].cpu_seconds > 0 and attempts[1].models_used
    measured = ComputeUsage.objects.filter(run_type="localization.transcriptionchunk",
                                           outcome="done")
    assert measured.count() == len(chunks)

    track = SubtitleTrack.objects.get(job=done)
    cues = list(track.cues.order_by("index"))
    assert [cue.index for cue in cues] == list(range(1, len(cues) + 1))
    assert all(b.start_ms >= a.end_ms for a, b in zip(cues, cues[1:], strict=False))
    text = normalized("".join(cue.text for cue in cues))
    # Eight times three sentences: a lost chunk would drop a quarter or more of them, a
    # chunk joined twice would add as much.
    assert character_error_rate(normalized(EXPECTED_JA), text) <= 0.1
    words = [tuple(word) for chunk in chunks for word in chunk.words]
    assert len(set(words)) == len(words)
    assert sum(len(normalized(word[2])) for word in words) == pytest.approx(len(text), rel=0.05)


def cancel_in_a_web_process(job: LocalizationJob, broker_url: str) -> None:
    """Cancel as the web app does, in a process of its own on the real broker (this test
    process's Celery app is configured with the test settings' in-memory broker)."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local",
               DATABASE_URL=database_url_for(connection.settings_dict),
               CELERY_BROKER_URL=broker_url)
    script = ("import django; django.setup()\n"
              "from localization.transcription import services\n"
              "from localization.transcription.models import LocalizationJob\n"
              f"services.job_cancel(job=LocalizationJob.objects.get(pk={job.pk}))\n")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                   timeout=120)


def test_a_cancelled_job_revokes_its_queued_chunks(tmp_path, shared_media_storage):
    job = prepared(long_job(tmp_path))
    with redis_broker(tmp_path) as broker_url:
        app = producer(broker_url)
        app.control.purge()
        with worker_process(database=connection.settings_dict, data_dir=tmp_path,
                            broker_url=broker_url, queues="gpu", extra_env=WORKER_ENV):
            start(app, job)
            running = wait_for(
                lambda: TranscriptionChunk.objects.filter(
                    job_id=job.pk, state=ChunkState.RUNNING).first(),
                lambda chunk: chunk is not None, 240, "the first chunk to run")
            waiting = [chunk for chunk in chunks_of(job) if chunk.pk != running.pk]
            assert waiting and all(c.state == ChunkState.QUEUED for c in waiting)

            cancel_in_a_web_process(job, broker_url)

            assert {chunk.state for chunk in chunks_of(job)} == {ChunkState.CANCELLED}
            # The worker holds every queued chunk's message revoked...
            waiting_ids = {chunk.task_id for chunk in waiting}
            wait_for(lambda: set().union(*(app.control.inspect(timeout=5).revoked() or {})
                                          .values()),
                     lambda revoked: waiting_ids <= revoked, 240,
                     "the worker to hold the queued chunks revoked")
            # ...and drops them unrun. On a loaded machine the pool may take one before the
            # revocation reaches the worker: that one finds its chunk cancelled and does
            # nothing (it never claims the chunk, below).
            statuses = wait_for(
                lambda: dict(TaskResult.objects.filter(task_id__in=waiting_ids)
                             .values_list("task_id", "status")),
                lambda found: len(found) == len(waiting_ids), 240,
                "every queued chunk to end")
            assert set(statuses.values()) <= {"REVOKED", "SUCCESS"}, statuses
            # ...and the running one stops (or finishes) without writing anything.
            wait_for(lambda: TaskResult.objects.filter(task_id=running.task_id).first(),
                     lambda result: result is not None and result.status == "SUCCESS", 240,
                     "the running chunk to stop")
    job = LocalizationJob.objects.get(pk=job.pk)
    assert job.state == State.CANCELLED
    assert not SubtitleTrack.objects.filter(job=job).exists()
    assert all(chunk.state == ChunkState.CANCELLED and chunk.attempts <= 1
               for chunk in chunks_of(job))
    # The queued chunks never ran.
    assert all(chunk.attempts == 0 for chunk in chunks_of(job) if chunk.pk != running.pk)
    assert all(not chunk.words for chunk in chunks_of(job))
