"""A long job recognized in parallel, chunk by chunk, on whichever GPU workers are free.

The job's own task extracts the audio, cuts it at quiet moments into chunks of about
WHISPER_PARALLEL_CHUNK_SECONDS (``recognition.plan_chunks``), stores each chunk's audio
window (its core span and a few seconds on each side) in the default storage, so that a
worker on another machine can read it, and queues one ``transcribe_chunk`` task per chunk
as a Celery group. The job then waits in "transcribing"; its progress is the sum of the
chunks' progress.

Each chunk is a run of its own (``TranscriptionChunk``, the common life cycle): claimed
by its message, with a heartbeat, put back in the queue by the periodic check when its
worker dies, so a killed worker's chunk is redone by another. A chunk keeps the words
whose middle falls in its core span (the border rule of ``recognition``), so a word near
a border is recognized twice but kept once. The chunk that finishes last (finishing
chunks queue on the job's row lock, so exactly one sees all the others done) joins the
words, segments them into cues and writes the job's one track, in one transaction.

A job that stops (cancelled, failed, retried or requeued) cancels its chunks that have
not finished and revokes their messages; a running chunk notices at its next progress
report. A restarted job cuts new chunks and deletes the old ones, so a late message of
an old chunk finds no row and does nothing.
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from pathlib import Path

from celery import group
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coprod.compute.models import Stage
from coprod.core.storage import local_copy
from localization import background, signals
from localization.engines import asr
from localization.engines.diarization import DiarizationError, Region
from localization.media import decoding as media_tools
from localization.runs import lifecycle
from localization.runs.lifecycle import RunKind
from localization.runs.metering import device_used, media_subject
from localization.subtitles.profiles import profile_for
from localization.subtitles.segmentation import Word, segment_words
from localization.transcription import jobs, speakers
from localization.transcription.model_check import ModelNotApproved, asr_model_check_approved
from localization.transcription.models import LocalizationJob, TranscriptionChunk
from localization.transcription.recognition import (
    Chunk,
    plan_chunks,
    quiet_finder,
    transcribe_wav,
    without_repetition_loops,
)

logger = logging.getLogger(__name__)

JobState = LocalizationJob.State
State = TranscriptionChunk.State

MACHINE = background.RunStateMachine(
    states=State, active=TranscriptionChunk.ACTIVE_STATES,
    refusal=gettext_lazy("A chunk that is %(state)s cannot become %(new)s."), transitions={
        State.QUEUED: {State.RUNNING, State.FAILED, State.CANCELLED},
        State.RUNNING: {State.QUEUED, State.RUNNING, State.DONE, State.FAILED,
                        State.CANCELLED},
        State.DONE: set(),
        State.FAILED: set(),
        State.CANCELLED: set(),
    })
KIND = RunKind(key="transcription_chunk", label=gettext_lazy("Transcription chunk"),
               model=TranscriptionChunk, machine=MACHINE, task=background.TRANSCRIBE_CHUNK,
               running=State.RUNNING, reset={"words": [], "seconds": None, "speaker_regions": []},
               announced=False,
               usage=lambda chunk: media_subject(
                   Stage.TRANSCRIPTION, chunk.job.media, language=chunk.job.language,
                   media_seconds=(chunk.end_ms - chunk.start_ms) / 1000))


def chunks_plan(wav_path: Path) -> list[Chunk]:
    """The chunks a job's audio is recognized in, in parallel; none when it is short
    enough for one task (or WHISPER_PARALLEL_CHUNK_SECONDS is 0)."""
    seconds = settings.WHISPER_PARALLEL_CHUNK_SECONDS
    if seconds <= 0:
        return []
    chunks = plan_chunks(media_tools.audio_seconds(wav_path), seconds, quiet_finder(wav_path))
    return chunks if len(chunks) > 1 else []


def job_fan_out(job: LocalizationJob, reporter: jobs.ProgressReporter, wav_path: Path,
                chunks: list[Chunk], timings: dict) -> LocalizationJob:
    """Store each chunk's audio, move the job to "transcribing" with its chunk rows, and
    queue the chunks' tasks as one group once that commits."""
    total = media_tools.audio_seconds(wav_path)
    names: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix=f"job-{job.pk}-chunks-") as folder:
            for index, chunk in enumerate(chunks):
                window_start, window_end = chunk.window(total)
                local = Path(folder) / f"chunk-{index:03d}.wav"
                media_tools.cut_wav(wav_path, local, window_start, window_end)
                with local.open("rb") as handle:
                    names.append(default_storage.save(
                        f"transcription/job-{job.pk}/chunk-{index:03d}.wav", File(handle)))
        with transaction.atomic():
            reporter.enter(JobState.TRANSCRIBING, step_seconds=timings)
            earlier = TranscriptionChunk.objects.filter(job=job)
            _delete_audio_on_commit(list(earlier.values_list("audio_name", flat=True)))
            earlier.delete()
            rows = TranscriptionChunk.objects.bulk_create([
                TranscriptionChunk(
                    job=job, index=index, start_ms=round(chunk.start * 1000),
                    end_ms=round(chunk.end * 1000),
                    window_start_ms=round(chunk.window(total)[0] * 1000),
                    audio_name=name, task_id=str(uuid.uuid4()), created_by=job.created_by)
                for index, (chunk, name) in enumerate(zip(chunks, names, strict=True))])
            LocalizationJob.objects.filter(pk=job.pk).update(chunk_count=len(rows))
            transaction.on_commit(lambda: _queue(rows))
    except BaseException:
        _delete_audio(names)
        raise
    logger.info("transcription %s: %s chunks queued", job.pk, len(rows))
    return LocalizationJob.objects.get(pk=job.pk)


def _queue(rows: list[TranscriptionChunk]) -> None:
    task = background.app.tasks[KIND.task]
    group(task.signature(args=[row.pk], task_id=row.task_id) for row in rows).apply_async()


# --- one chunk -------------------------------------------------------------------------------

def chunk_run(*, chunk_id: int, worker: str = "", task_id: str | None = None
              ) -> TranscriptionChunk | None:
    """Recognize one chunk (the ``transcribe_chunk`` task). Safe to run twice, like every
    run: a finished chunk is left alone, a stale message is ignored, and a chunk found
    running (its worker died) starts over."""
    chunk, claimed = lifecycle.run_claim(KIND, chunk_id, task_id=task_id, worker=worker,
                                         select_related=("job__media__title",))
    if not claimed:
        return chunk
    chunk = lifecycle.run_guarded(
        KIND, chunk, lambda: _recognize(chunk),
        time_limit_message=_("The chunk ran past its time limit and was stopped."),
        refusals=(ModelNotApproved,))
    if chunk is not None and chunk.state == State.FAILED:
        _job_fail(chunk)
    return chunk


def _recognize(chunk: TranscriptionChunk) -> TranscriptionChunk:
    job = chunk.job
    config = asr.EngineConfig.from_settings()
    model = asr_model_check_approved(title=job.media.title, model_path=config.model_path)
    device_used(config.resolved().device)
    started = time.monotonic()
    with local_copy(default_storage, chunk.audio_name) as path:
        words = transcribe_wav(path, config=config, language=job.language,
                               chunk_seconds=settings.WHISPER_CHUNK_SECONDS,
                               on_progress=lambda fraction: _progress(chunk, fraction))
        # The chunk's own speakers: clustered with every chunk's when the job joins them.
        regions = _speaker_regions(chunk, job, path)
    core = Chunk(chunk.start_ms / 1000, chunk.end_ms / 1000)  # the border rule
    owned = []
    for word in words:
        start, end = word.start_ms + chunk.window_start_ms, word.end_ms + chunk.window_start_ms
        if core.owns(start / 1000, end / 1000):
            owned.append([start, end, word.text])
    return _chunk_finish(chunk, owned, model, round(time.monotonic() - started, 2),
                         regions)


def _speaker_regions(chunk: TranscriptionChunk, job: LocalizationJob, path) -> list[dict]:
    if speakers.diarization_refusal(job.media.title):
        return []  # the join says why
    try:
        found = speakers.regions_of_wav(Path(path), offset_ms=chunk.window_start_ms,
                                        window_offset=chunk.index * 1_000_000,
                                        keep=(chunk.start_ms, chunk.end_ms))
    except DiarizationError:
        return []
    return [region.as_dict() for region in found]


def _progress(chunk: TranscriptionChunk, fraction: float) -> None:
    """The chunk's percent, then the job's: the chunks' progress weighted by length."""
    percent = int(100 * max(0.0, min(1.0, fraction)))
    if percent <= chunk.progress:
        return
    lifecycle.run_progress(KIND, chunk, percent)
    totals = TranscriptionChunk.objects.filter(job_id=chunk.job_id).aggregate(
        length=Sum(F("end_ms") - F("start_ms")),
        done=Sum((F("end_ms") - F("start_ms")) * F("progress")))
    low, high = jobs.PROGRESS[JobState.TRANSCRIBING]
    job_percent = int(low + (high - low) * (totals["done"] or 0) / (100 * totals["length"]))
    LocalizationJob.objects.filter(pk=chunk.job_id, state=JobState.TRANSCRIBING).update(
        progress=Greatest(F("progress"), job_percent), heartbeat_at=timezone.now(),
        updated_at=timezone.now())


def _chunk_finish(chunk: TranscriptionChunk, words: list, model, seconds: float,
                  regions: list[dict]) -> TranscriptionChunk:
    with transaction.atomic():
        # The job's row first: finishing chunks take turns, so exactly one of them finds
        # every other chunk done and joins them.
        job = (LocalizationJob.objects.select_for_update().select_related("media__title")
               .get(pk=chunk.job_id))
        locked = KIND.locked(chunk.pk)
        if locked is None or not lifecycle.run_held(KIND, locked, chunk):
            return locked  # cancelled, requeued or deleted meanwhile: another run's now
        lifecycle.run_move(KIND, locked, State.DONE, progress=100, finished_at=timezone.now(),
                           words=words, model_sha256=model.sha256, seconds=seconds,
                           speaker_regions=regions)
        if (job.state == JobState.TRANSCRIBING
                and not job.chunks.exclude(state=State.DONE).exists()):
            _join(job, model)
    return locked


def _join(job: LocalizationJob, model) -> None:
    """Every chunk is done: the words in time order, the cues, the job's track."""
    chunks = list(job.chunks.order_by("index"))
    if any(chunk.model_sha256 != model.sha256 for chunk in chunks):
        lifecycle.run_fail(jobs.KIND, job, _(
            "The chunks of this job were recognized by different Whisper models; "
            "give every GPU worker the same WHISPER_MODEL_PATH and retry the job."))
        return
    words = sorted((Word(start, end, text) for chunk in chunks for start, end, text in
                    chunk.words), key=lambda word: (word.start_ms, word.end_ms))
    timings = dict(job.step_seconds)
    timings[JobState.TRANSCRIBING] = round(
        (timezone.now() - min(chunk.started_at for chunk in chunks)).total_seconds(), 2)
    jobs.transition(job, JobState.SEGMENTING, progress=jobs.PROGRESS[JobState.SEGMENTING][0],
                    step_seconds=timings)
    # Every chunk's speaker regions clustered together: one label per speaker.
    words = speakers.job_words_with_speakers(
        job, without_repetition_loops(words),
        lambda: [Region.from_dict(data) for chunk in chunks for data in chunk.speaker_regions],
        timings)
    started = time.monotonic()
    cues = segment_words(words, profile_for(job.language))
    timings[JobState.SEGMENTING] = round(time.monotonic() - started, 2)
    _delete_audio_on_commit([chunk.audio_name for chunk in chunks])
    jobs.job_finish(job, cues, model, timings)


def _job_fail(chunk: TranscriptionChunk) -> None:
    """A chunk that failed (not one whose worker died: that one is redone) fails its job
    with the reason; the job's other chunks are cancelled with it."""
    job = LocalizationJob.objects.get(pk=chunk.job_id)
    lifecycle.run_fail(jobs.KIND, job, _(
        "Chunk %(number)s of %(count)s (%(start)s to %(end)s) failed: %(error)s") % {
        "number": chunk.index + 1, "count": job.chunk_count,
        "start": _clock(chunk.start_ms), "end": _clock(chunk.end_ms), "error": chunk.error})


def _clock(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


# --- a job that stops stops its chunks ---------------------------------------------------------

def chunks_stop(sender, *, kind: str, run, **kwargs) -> None:
    """Receiver of ``run_stopped`` and ``run_ended``: a transcription job cancelled,
    failed, retried or requeued cancels its unfinished chunks and revokes their
    messages once that commits."""
    if kind != jobs.KIND.key or run.state == JobState.DONE:
        return
    revoked = []
    for chunk in (TranscriptionChunk.objects.select_for_update()
                  .filter(job_id=run.pk, state__in=TranscriptionChunk.ACTIVE_STATES)):
        lifecycle.run_move(KIND, chunk, State.CANCELLED, finished_at=timezone.now(),
                           reason=_("its job stopped"))
        revoked.append(chunk.task_id)
    if revoked and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        # Without terminate, as for every run: a queued chunk is dropped, a running one
        # stops at its next progress report.
        transaction.on_commit(lambda: background.app.control.revoke(revoked))


def connect() -> None:
    """Called once, from the app's ``ready``."""
    signals.run_stopped.connect(chunks_stop, dispatch_uid="localization.transcription.stop")
    signals.run_ended.connect(chunks_stop, dispatch_uid="localization.transcription.ended")


def _delete_audio_on_commit(names: list[str]) -> None:
    if names:
        transaction.on_commit(lambda: _delete_audio(names), robust=True)


def _delete_audio(names: list[str]) -> None:
    """Chunk audio is a working copy: a file that cannot be deleted is logged and left."""
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.warning("chunk audio %s could not be deleted", name, exc_info=True)
