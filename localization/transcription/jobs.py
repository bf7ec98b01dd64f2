"""A transcription job's life: its state machine, its progress through the steps, and
the Korean track it ends with (one per job, whichever task writes it)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from coprod.audit.models import Event
from coprod.compute.models import Stage
from localization import background
from localization.events import pipeline_event
from localization.runs import lifecycle
from localization.runs.lifecycle import RunKind
from localization.runs.metering import media_subject
from localization.subtitles.cues import Cue
from localization.subtitles.models import SubtitleTrack
from localization.subtitles.services import track_create
from localization.transcription.models import LocalizationJob

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
               running=State.EXTRACTING_AUDIO, reset={"step_seconds": {}, "chunk_count": 0},
               # Split into chunks, the job waits on them; each chunk has a heartbeat.
               not_stale=Q(state=State.TRANSCRIBING, chunk_count__gt=0),
               usage=lambda job: media_subject(Stage.TRANSCRIPTION, job.media,
                                               language=job.language))


def transition(job: LocalizationJob, new_state: str, **fields) -> None:
    """Move a locked job to ``new_state`` with an event row; refuse an illegal move."""
    lifecycle.run_move(KIND, job, new_state, **fields)


PROGRESS = {State.EXTRACTING_AUDIO: (0, 10), State.TRANSCRIBING: (10, 90),
            State.SEGMENTING: (90, 100)}


def job_finish(job: LocalizationJob, cues: list[Cue], model, timings: dict) -> LocalizationJob:
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
        transition(job, State.DONE, progress=100, step_seconds=timings,
                    finished_at=timezone.now())
        pipeline_event(
            action=Event.Action.TRACK_CREATED, about=track,
            after={"job": job.pk, "language": track.language, "version": track.version,
                   "cues": len(cues), "model": model.name, "model_sha256": model.sha256,
                   "cleared_by_agreement": model.agreement},
        )
    return job


class ProgressReporter:
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
            transition(job, state, progress=self.percent, step_seconds=dict(step_seconds))
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
