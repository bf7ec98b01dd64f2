"""Transcription jobs: intake, the state machine, the Whisper run and the Korean track
it writes."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coprod.audit.models import Event
from localization import background
from localization.engines import asr
from localization.events import pipeline_event
from localization.media import decoding as media_tools
from localization.media import services as media_services
from localization.media.models import MediaAsset
from localization.media.services import media_local_path
from localization.permissions import check_can_change_run
from localization.runs import lifecycle
from localization.runs.lifecycle import RunKind
from localization.shots.services import shot_detection_create
from localization.subtitles.cues import Cue
from localization.subtitles.models import SubtitleTrack
from localization.subtitles.profiles import profile_for
from localization.subtitles.segmentation import segment_words
from localization.subtitles.services import track_create
from localization.transcription.model_check import ModelNotApproved, asr_model_check_approved
from localization.transcription.models import LocalizationJob
from localization.transcription.recognition import transcribe_wav

State = LocalizationJob.State


# Which state a job may move to from each state. A running state may go back to
# extracting audio (a task redelivered after its worker died, starting over) or to queued
# (put back in the queue because its worker is gone).
MACHINE = background.RunStateMachine(
    states=State, active=LocalizationJob.ACTIVE_STATES,
    refusal=gettext_lazy("A job that is %(state)s cannot become %(new)s."), transitions={
    State.QUEUED: {State.EXTRACTING_AUDIO, State.FAILED, State.CANCELLED},
    State.EXTRACTING_AUDIO: {State.QUEUED, State.EXTRACTING_AUDIO, State.TRANSCRIBING,
                             State.FAILED, State.CANCELLED},
    State.TRANSCRIBING: {State.QUEUED, State.EXTRACTING_AUDIO, State.SEGMENTING, State.FAILED,
                         State.CANCELLED},
    State.SEGMENTING: {State.QUEUED, State.EXTRACTING_AUDIO, State.DONE, State.FAILED,
                       State.CANCELLED},
    State.FAILED: {State.QUEUED},
    State.CANCELLED: {State.QUEUED},
    State.DONE: set(),
})
KIND = RunKind(key="transcription", label=gettext_lazy("Transcription"),
               model=LocalizationJob, machine=MACHINE, task=background.TRANSCRIBE_MEDIA,
               running=State.EXTRACTING_AUDIO, reset={"step_seconds": {}})
PROGRESS = {State.EXTRACTING_AUDIO: (0, 10), State.TRANSCRIBING: (10, 90),
            State.SEGMENTING: (90, 100)}


def media_transcribe(*, title, uploaded_file, user=None, episode_label: str = "",
                     language: str = "ko", enqueue: bool = True
                     ) -> tuple[MediaAsset, LocalizationJob]:
    """Take in a media file for a title and queue its transcription job (and, for a
    video, the detection of its shot changes), in one transaction: a refused file or a
    failed job leaves nothing behind."""
    def then(asset: MediaAsset) -> LocalizationJob:
        job = job_create(media=asset, user=user, language=language, enqueue=enqueue)
        if enqueue and asset.has_video:
            shot_detection_create(media=asset, actor=user)
        return job

    return media_services.media_upload(
        title=title, uploaded_file=uploaded_file, user=user, episode_label=episode_label,
        then=then)


def job_create(*, media: MediaAsset, user=None, language: str = "ko",
               enqueue: bool = True) -> LocalizationJob:
    with transaction.atomic():
        job = LocalizationJob.objects.create(media=media, language=language, created_by=user)
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


def _transition(job: LocalizationJob, new_state: str, **fields) -> None:
    """Move a locked job to ``new_state`` with an event row; refuse an illegal move."""
    lifecycle.run_move(KIND, job, new_state, **fields)


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
    reporter = _ProgressReporter(job, on_progress)

    return lifecycle.run_guarded(
        KIND, job, lambda: _run_pipeline(job, reporter),
        time_limit_message=_("The job ran past its time limit and was stopped."),
        refusals=(ModelNotApproved,))


def _run_pipeline(job: LocalizationJob, reporter: _ProgressReporter) -> LocalizationJob:
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

        reporter.enter(State.TRANSCRIBING, step_seconds=timings)
        started = time.monotonic()
        words = transcribe_wav(wav_path, config=config, language=job.language,
                               chunk_seconds=settings.WHISPER_CHUNK_SECONDS,
                               on_progress=lambda f: reporter.step(State.TRANSCRIBING, f))
        timings[State.TRANSCRIBING] = round(time.monotonic() - started, 2)

    reporter.enter(State.SEGMENTING, step_seconds=timings)
    started = time.monotonic()
    cues = segment_words(words, profile_for(job.language))
    timings[State.SEGMENTING] = round(time.monotonic() - started, 2)
    return _finish(job, cues, model, timings)


def _finish(job: LocalizationJob, cues: list[Cue], model, timings: dict) -> LocalizationJob:
    with transaction.atomic():
        locked = LocalizationJob.objects.select_for_update().select_related("media").get(
            pk=job.pk)
        if (locked.state != State.SEGMENTING or not lifecycle.run_held(KIND, locked, job)
                or SubtitleTrack.objects.filter(job=locked).exists()):
            return locked  # cancelled or requeued meanwhile, or another delivery finished
        job = locked
        track = track_create(
            title=job.media.title, media=job.media, language=job.language, cues=cues,
            source=SubtitleTrack.Source.SPEECH_RECOGNITION, job=job, user=job.created_by,
            asr_model_name=model.name, asr_model_sha256=model.sha256,
        )
        _transition(job, State.DONE, progress=100, step_seconds=timings,
                    finished_at=timezone.now())
        pipeline_event(
            action=Event.Action.TRACK_CREATED, about=track,
            after={"job": job.pk, "language": track.language, "version": track.version,
                   "cues": len(cues), "model": model.name, "model_sha256": model.sha256,
                   "cleared_by_agreement": model.agreement},
        )
    return job


class _ProgressReporter:
    """Writes progress at most once per percent and stops the run if the job was cancelled."""

    def __init__(self, job: LocalizationJob, callback: Callable[[str, int], None] | None):
        self.job = job
        self.callback = callback
        self.state = State.EXTRACTING_AUDIO
        self.percent = 0

    def enter(self, state: str, *, step_seconds: dict) -> None:
        with transaction.atomic():
            job = LocalizationJob.objects.select_for_update().get(pk=self.job.pk)
            if job.state != self.state or not lifecycle.run_held(KIND, job, self.job):
                raise lifecycle.RunStopped()
            self.state = state
            self.percent = PROGRESS[state][0]
            _transition(job, state, progress=self.percent, step_seconds=dict(step_seconds))
        self._notify()

    def step(self, state: str, fraction: float) -> None:
        low, high = PROGRESS[state]
        percent = int(low + (high - low) * max(0.0, min(1.0, fraction)))
        if percent <= self.percent:
            return
        updated = LocalizationJob.objects.filter(
            pk=self.job.pk, state=state, task_id=self.job.task_id).update(
            progress=percent, updated_at=timezone.now())
        if not updated:
            raise lifecycle.RunStopped()
        self.percent = percent
        self._notify()

    def _notify(self) -> None:
        if self.callback:
            self.callback(self.state, self.percent)
