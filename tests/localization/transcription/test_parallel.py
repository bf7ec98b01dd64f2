"""Long media in parallel chunks, in one process: the job's task cuts and queues the
chunks, each chunk task recognizes its stretch (real Whisper base), the last one joins.
The real workers (a killed one, a cancelled job's revoked messages) are in
tests/e2e/test_parallel_transcription.py."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coprod.accounts.roles import Role
from coprod.audit.models import Event
from coprod.compute.models import ComputeUsage
from localization.runs import lifecycle
from localization.runs.services import runs_requeue_stale
from localization.subtitles.models import SubtitleTrack
from localization.transcription import parallel
from localization.transcription import services as transcription_services
from localization.transcription.accuracy import character_error_rate, normalized
from localization.transcription.models import LocalizationJob, TranscriptionChunk
from tests.api.conftest import client_with, token_for
from tests.localization.conftest import (
    DEMO_CLIP,
    EXPECTED_JA,
    JAPANESE_CLIP,
    REPEAT,
    repeated_clip,
)
from tests.localization.transcription.test_jobs import queued_job

State = LocalizationJob.State
ChunkState = TranscriptionChunk.State
@pytest.fixture(scope="session")
def long_japanese(tmp_path_factory) -> bytes:
    return repeated_clip(JAPANESE_CLIP, tmp_path_factory.mktemp("long-ja"), REPEAT)


@pytest.fixture
def parallel_settings(settings):
    """Chunks of about 20 s (cut at the quietest moment within 10 s of each 20 s mark):
    the 62.5 s of Japanese become three or more."""
    settings.WHISPER_PARALLEL_CHUNK_SECONDS = 20
    return settings


@pytest.fixture
def fanned_out(title, long_japanese, parallel_settings):
    """A job whose own task has run: audio cut, chunks stored and queued (their messages
    are not run: a test transaction never commits)."""
    _asset, job = transcription_services.media_transcribe(
        title=title, uploaded_file=SimpleUploadedFile("long-ja.wav", long_japanese),
        language="ja", enqueue=False)
    job = transcription_services.job_run(job_id=job.pk)
    assert job.state == State.TRANSCRIBING, job.error
    return job


def text_of(job) -> str:
    return normalized("".join(cue.text for cue in job.track.cues.order_by("index")))


def test_long_media_is_recognized_in_chunks_and_joined_once(fanned_out,
                                                             django_capture_on_commit_callbacks):
    job = fanned_out
    chunks = list(job.chunks.order_by("index"))
    assert job.chunk_count == len(chunks) >= 3
    # The core spans tile the media: every moment belongs to exactly one chunk.
    assert chunks[0].start_ms == 0 and chunks[-1].end_ms == pytest.approx(62_500, abs=100)
    assert all(a.end_ms == b.start_ms for a, b in zip(chunks, chunks[1:], strict=False))
    assert all(chunk.state == ChunkState.QUEUED and chunk.task_id for chunk in chunks)
    assert len({chunk.task_id for chunk in chunks}) == len(chunks)
    for chunk in chunks:
        assert default_storage.exists(chunk.audio_name)
        assert chunk.window_start_ms == max(0, chunk.start_ms - 3000)

    # The chunks finish in any order (here backwards); the job waits for all of them.
    last, *others = reversed(chunks)
    done = parallel.chunk_run(chunk_id=last.pk, task_id=last.task_id, worker="gpu-1")
    assert done.state == ChunkState.DONE and done.worker == "gpu-1"
    assert all(chunks[-1].start_ms <= (start + end) / 2 < chunks[-1].end_ms
               for start, end, _text in done.words)
    job.refresh_from_db()
    assert job.state == State.TRANSCRIBING
    share = (chunks[-1].end_ms - chunks[-1].start_ms) / chunks[-1].end_ms
    assert job.progress == int(10 + 80 * share)  # the sum of the chunks: one is done
    assert not SubtitleTrack.objects.filter(job=job).exists()
    # A message delivered twice changes nothing.
    again = parallel.chunk_run(chunk_id=last.pk, task_id=last.task_id)
    assert again.state == ChunkState.DONE and again.attempts == 1

    with django_capture_on_commit_callbacks(execute=True):
        for chunk in others:
            parallel.chunk_run(chunk_id=chunk.pk, task_id=chunk.task_id, worker="gpu-2")
    job.refresh_from_db()
    assert job.state == State.DONE, job.error
    assert job.progress == 100
    assert SubtitleTrack.objects.filter(job=job).count() == 1
    # No word lost or doubled at the three borders.
    assert character_error_rate(normalized(EXPECTED_JA), text_of(job)) <= 0.1
    cues = list(job.track.cues.order_by("index"))
    assert all(b.start_ms >= a.end_ms for a, b in zip(cues, cues[1:], strict=False))
    assert set(job.step_seconds) == {"extracting_audio", "transcribing", "segmenting"}
    # The chunks' audio was a working copy: gone once the track is written.
    assert not any(default_storage.exists(chunk.audio_name) for chunk in chunks)
    states = list(Event.objects.about(job).filter(action=Event.Action.RUN_STATE_CHANGED)
                  .order_by("id").values_list("after__state", flat=True))
    assert states == ["extracting_audio", "transcribing", "segmenting", "done"]
    # Each task was measured: the job's (audio and cutting) and each chunk's recognition.
    usage = {(row.task, row.run_id): row for row in ComputeUsage.objects.all()}
    assert float(usage[("transcription", str(job.pk))].media_seconds) == pytest.approx(
        62.5, abs=0.2)
    chunk_rows = [usage[("transcription_chunk", str(chunk.pk))] for chunk in chunks]
    assert float(sum(row.media_seconds for row in chunk_rows)) == pytest.approx(62.5, abs=0.2)
    assert all(row.stage == "transcription" and row.language == job.language
               and row.title_id == job.media.title_id and row.cpu_seconds > 0
               and row.content_key == f"localization.mediaasset:{job.media_id}"
               and any(name.lower().startswith("whisper") for name in row.models_used)
               for row in chunk_rows)
    assert [row.worker for row in chunk_rows].count("gpu-2") == len(others)


def test_short_media_stays_in_one_task(title, settings):
    settings.WHISPER_PARALLEL_CHUNK_SECONDS = 300
    job = transcription_services.job_run(job_id=queued_job(title, DEMO_CLIP).pk)
    assert job.state == State.DONE, job.error
    assert job.chunk_count == 0 and not job.chunks.exists()


def test_a_chunk_whose_worker_is_gone_is_requeued_and_the_job_waits(fanned_out):
    job = fanned_out
    chunk = job.chunks.get(index=1)
    first_message = chunk.task_id
    lifecycle.run_claim(parallel.KIND, chunk.pk, task_id=chunk.task_id, worker="gpu-dead")
    long_ago = timezone.now() - dt.timedelta(hours=1)
    TranscriptionChunk.objects.filter(pk=chunk.pk).update(heartbeat_at=long_ago)
    LocalizationJob.objects.filter(pk=job.pk).update(heartbeat_at=long_ago)

    requeued = runs_requeue_stale()

    assert [type(run) for run in requeued] == [TranscriptionChunk]
    chunk.refresh_from_db()
    assert chunk.state == ChunkState.QUEUED and chunk.worker == ""
    assert chunk.task_id and chunk.task_id != first_message  # a new message
    event = Event.objects.about(chunk).get(action=Event.Action.RUN_REQUEUED)
    assert "gpu-dead" in event.after["reason"]
    job.refresh_from_db()
    assert job.state == State.TRANSCRIBING  # waits on its chunks, not requeued itself
    assert not Event.objects.about(job).filter(action=Event.Action.RUN_REQUEUED).exists()
    # The old message, handed back later, is not this chunk's any more.
    stale = parallel.chunk_run(chunk_id=chunk.pk, task_id=first_message)
    assert stale.state == ChunkState.QUEUED and stale.attempts == 1


def test_cancelling_the_job_cancels_its_chunks(fanned_out):
    job = fanned_out
    chunks = list(job.chunks.order_by("index"))

    transcription_services.job_cancel(job=job)

    assert {chunk.state for chunk in job.chunks.all()} == {ChunkState.CANCELLED}
    for chunk in chunks:
        finished = parallel.chunk_run(chunk_id=chunk.pk, task_id=chunk.task_id)
        assert finished.state == ChunkState.CANCELLED and finished.attempts == 0
    job.refresh_from_db()
    assert job.state == State.CANCELLED
    assert not SubtitleTrack.objects.filter(job=job).exists()


def test_a_failed_chunk_fails_the_job_and_a_retry_cuts_new_chunks(fanned_out):
    job = fanned_out
    count = job.chunk_count
    broken, *_rest = job.chunks.order_by("index")
    default_storage.delete(broken.audio_name)  # the stored audio is gone

    failed = parallel.chunk_run(chunk_id=broken.pk, task_id=broken.task_id)

    assert failed.state == ChunkState.FAILED and failed.error
    job.refresh_from_db()
    assert job.state == State.FAILED
    assert job.error.startswith(f"Chunk 1 of {count} (0:00:00 to 0:00:")
    assert set(job.chunks.exclude(pk=broken.pk).values_list("state", flat=True)) == {
        ChunkState.CANCELLED}

    transcription_services.job_retry(job=job)
    job.refresh_from_db()
    assert job.state == State.QUEUED and job.chunk_count == 0
    again = transcription_services.job_run(job_id=job.pk, task_id=job.task_id)
    assert again.state == State.TRANSCRIBING and again.chunk_count == count
    assert not TranscriptionChunk.objects.filter(pk=broken.pk).exists()  # the old ones
    assert parallel.chunk_run(chunk_id=broken.pk, task_id=broken.task_id) is None
    assert set(again.chunks.values_list("state", flat=True)) == {ChunkState.QUEUED}


def test_the_jobs_page_and_the_api_show_the_chunks(fanned_out, client_for):
    job = fanned_out
    first = job.chunks.get(index=0)
    parallel.chunk_run(chunk_id=first.pk, task_id=first.task_id, worker="gpu-1")
    client, user = client_for(Role.RIGHTS_MANAGER)

    table = client.get(reverse("localization:job-table")).content.decode()
    assert f"1 of {job.chunk_count} chunks recognized" in table

    api = client_with(token_for(user, scope="read"))
    data = api.get(reverse("api:v1:job-detail", args=[job.pk])).json()
    assert [chunk["index"] for chunk in data["chunks"]] == list(range(job.chunk_count))
    assert data["chunks"][0]["state"] == "done" and data["chunks"][0]["progress"] == 100
    assert {chunk["state"] for chunk in data["chunks"][1:]} == {"queued"}
    assert data["state"] == "transcribing" and 10 < data["progress"] < 90
