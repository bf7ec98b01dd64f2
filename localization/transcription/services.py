"""Transcription jobs: intake, retry and cancel, and the Whisper run (in this task, or
for long media in parallel chunks, ``parallel``) that writes the Korean track."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from coprod.audit.models import Event
from localization.engines import asr
from localization.events import pipeline_event
from localization.media import decoding as media_tools
from localization.media import services as media_services
from localization.media.models import MediaAsset
from localization.media.services import media_local_path
from localization.permissions import check_can_change_run
from localization.runs import lifecycle, metering
from localization.shots.services import shot_detection_create
from localization.subtitles.profiles import profile_for
from localization.subtitles.segmentation import segment_words
from localization.transcription import parallel, speakers
from localization.transcription.jobs import KIND, ProgressReporter, State, job_finish
from localization.transcription.model_check import ModelNotApproved, asr_model_check_approved
from localization.transcription.models import LocalizationJob
from localization.transcription.recognition import transcribe_wav

__all__ = ["KIND", "job_cancel", "job_create", "job_retry", "job_run", "media_transcribe"]


def media_transcribe(*, title, uploaded_file, user=None, episode_label: str = "",
                     language: str = "ko", enqueue: bool = True,
                     speakers_requested: int | None = None, stored_as: str | None = None
                     ) -> tuple[MediaAsset, LocalizationJob]:
    """Take in a media file for a title and queue its transcription job (and, for a
    video, the detection of its shot changes), in one transaction: a refused file or a
    failed job leaves nothing behind. ``stored_as``: see ``media_upload``."""
    def then(asset: MediaAsset) -> LocalizationJob:
        job = job_create(media=asset, user=user, language=language, enqueue=enqueue,
                         speakers_requested=speakers_requested)
        if enqueue and asset.has_video:
            shot_detection_create(media=asset, actor=user)
        return job

    return media_services.media_upload(
        title=title, uploaded_file=uploaded_file, user=user, episode_label=episode_label,
        then=then, stored_as=stored_as)


def job_create(*, media: MediaAsset, user=None, language: str = "ko",
               enqueue: bool = True, speakers_requested: int | None = None) -> LocalizationJob:
    """A transcription job; ``speakers_requested`` gives diarization the number of
    speakers (none: estimated)."""
    with transaction.atomic():
        job = LocalizationJob.objects.create(media=media, language=language, created_by=user,
                                             speakers_requested=speakers_requested)
        pipeline_event(
            actor=user, action=Event.Action.JOB_CREATED, about=job,
            after={"state": job.state, "language": language, "media": media.pk},
        )
        if enqueue:
            lifecycle.run_enqueue(KIND, job)
    return job


def job_retry(*, job: LocalizationJob, user=None) -> LocalizationJob:
    if user is not None:
        check_can_change_run(user, KIND.key, job)
    return lifecycle.run_retry(KIND, job, actor=user)


def job_cancel(*, job: LocalizationJob, user=None) -> LocalizationJob:
    """Stop a job. A running task notices at its next progress report and stops."""
    if user is not None:
        check_can_change_run(user, KIND.key, job)
    return lifecycle.run_cancel(KIND, job, actor=user)


def job_run(*, job_id: int, worker: str = "", task_id: str | None = None,
            on_progress: Callable[[str, int], None] | None = None) -> LocalizationJob | None:
    """Run a job's pipeline: audio, transcription, segmentation, subtitle track.

    Safe to run twice: a finished job is left alone, a job found mid-way (its worker
    died) starts over, a message the job was requeued away from is ignored, and the track
    and cues are written in one transaction that first checks the job is still this
    worker's, so a job never gets two tracks.
    """
    job, claimed = lifecycle.run_claim(KIND, job_id, task_id=task_id, worker=worker,
                                       select_related=("media__title",), step_seconds={})
    if not claimed:
        return job
    reporter = ProgressReporter(job, on_progress)

    return lifecycle.run_guarded(
        KIND, job, lambda: _run_pipeline(job, reporter),
        time_limit_message=_("The job ran past its time limit and was stopped."),
        refusals=(ModelNotApproved,))


def _run_pipeline(job: LocalizationJob, reporter: ProgressReporter) -> LocalizationJob:
    asset = job.media
    config = asr.EngineConfig.from_settings()
    model = asr_model_check_approved(title=asset.title, model_path=config.model_path)
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix=f"job-{job.pk}-") as folder:
        wav_path = Path(folder) / "audio.wav"
        started = time.monotonic()
        with media_local_path(asset) as media_path:
            media_tools.extract_audio(media_path, wav_path,
                                      progress=lambda f: reporter.step(State.EXTRACTING_AUDIO, f))
        timings[State.EXTRACTING_AUDIO] = round(time.monotonic() - started, 2)
        chunks = parallel.chunks_plan(wav_path)
        if chunks:  # long media: one task per chunk, on whichever GPU workers are free
            return parallel.job_fan_out(job, reporter, wav_path, chunks, timings)

        reporter.enter(State.TRANSCRIBING, step_seconds=timings)
        metering.device_used(config.resolved().device)
        started = time.monotonic()
        words = transcribe_wav(wav_path, config=config, language=job.language,
                               chunk_seconds=settings.WHISPER_CHUNK_SECONDS,
                               on_progress=lambda f: reporter.step(State.TRANSCRIBING, f))
        timings[State.TRANSCRIBING] = round(time.monotonic() - started, 2)
        words = speakers.job_words_with_speakers(
            job, words, lambda: speakers.regions_of_wav(wav_path), timings)

    reporter.enter(State.SEGMENTING, step_seconds=timings)
    started = time.monotonic()
    cues = segment_words(words, profile_for(job.language))
    timings[State.SEGMENTING] = round(time.monotonic() - started, 2)
    return job_finish(job, cues, model, timings)


