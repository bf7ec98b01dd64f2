"""Transcription jobs: one media file's speech recognition, with its state, progress and
timings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from localization.media.models import MediaAsset
from localization.runs.models import RunRecord


class LocalizationJob(RunRecord):
    """One run of the pipeline over a media file: audio, transcription, subtitle cues."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        EXTRACTING_AUDIO = "extracting_audio", _("Extracting audio")
        TRANSCRIBING = "transcribing", _("Transcribing")
        SEGMENTING = "segmenting", _("Segmenting")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATES = (State.QUEUED, State.EXTRACTING_AUDIO, State.TRANSCRIBING, State.SEGMENTING)
    FINISHED_STATES = (State.DONE, State.FAILED, State.CANCELLED)
    RUN_KIND = "transcription"

    media = models.ForeignKey(
        MediaAsset, verbose_name=_("media file"), on_delete=models.CASCADE, related_name="jobs"
    )
    language = models.CharField(_("source language"), max_length=16, default="ko")
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.QUEUED
    )
    step_seconds = models.JSONField(_("seconds per step"), default=dict, blank=True)
    # How many tasks recognize the media in parallel (``TranscriptionChunk``); 0 while
    # the job has not been split, or when it runs in one task.
    chunk_count = models.PositiveIntegerField(_("parallel chunks"), default=0)
    # Diarization: the number of speakers asked for (none: estimated), how many were
    # found, and why speakers were not detected when they were not.
    speakers_requested = models.PositiveSmallIntegerField(_("number of speakers"), null=True,
                                                          blank=True)
    speaker_count = models.PositiveSmallIntegerField(_("speakers found"), null=True,
                                                     blank=True)
    diarization_note = models.CharField(_("diarization"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("localization job")
        verbose_name_plural = _("localization jobs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="localization_job_progress_max_100"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.media}"

    @property
    def step_timings(self) -> list[tuple[str, float]]:
        """(step label, seconds) in pipeline order, for the steps that ran."""
        timings = [(self.State(step).label, self.step_seconds[step])
                   for step in (self.State.EXTRACTING_AUDIO, self.State.TRANSCRIBING)
                   if step in self.step_seconds]
        if "diarizing" in self.step_seconds:
            timings.append((_("Finding the speakers"), self.step_seconds["diarizing"]))
        if self.State.SEGMENTING in self.step_seconds:
            timings.append((self.State.SEGMENTING.label,
                            self.step_seconds[self.State.SEGMENTING]))
        return timings


class TranscriptionChunk(RunRecord):
    """One stretch of a long job's audio, recognized by a task of its own on whichever
    GPU worker is free. It owns the words whose middle falls in its core span
    (``start_ms`` to ``end_ms``); its audio file holds the window around that span (a few
    seconds more on each side, for the model's context), kept in the default storage so
    that a worker on another machine can read it."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)
    RUN_KIND = "transcription_chunk"

    job = models.ForeignKey(LocalizationJob, verbose_name=_("localization job"),
                            on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField(_("index"))
    start_ms = models.PositiveIntegerField(_("start (ms)"))
    end_ms = models.PositiveIntegerField(_("end (ms)"))
    window_start_ms = models.PositiveIntegerField(_("audio window start (ms)"))
    audio_name = models.CharField(_("audio file"), max_length=500)
    state = models.CharField(_("state"), max_length=20, choices=State.choices,
                             default=State.QUEUED)
    # The words this chunk owns, in media time: [[start_ms, end_ms, text], ...].
    words = models.JSONField(_("recognized words"), default=list, blank=True)
    # The chunk's speaker regions with their voice embeddings, clustered with the other
    # chunks' when the job joins them (localization.engines.diarization).
    speaker_regions = models.JSONField(_("speaker regions"), default=list, blank=True)
    model_sha256 = models.CharField(_("model SHA-256"), max_length=64, blank=True)
    seconds = models.FloatField(_("recognition seconds"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["job", "index"]
        verbose_name = _("transcription chunk")
        verbose_name_plural = _("transcription chunks")
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="transcription_chunk_index"),
            models.CheckConstraint(condition=models.Q(progress__lte=100),
                                   name="transcription_chunk_progress_max_100"),
            models.CheckConstraint(condition=models.Q(end_ms__gt=models.F("start_ms")),
                                   name="transcription_chunk_not_empty"),
        ]
        indexes = [models.Index(fields=["state", "heartbeat_at"],
                                name="transcription_chunk_state")]

    def __str__(self) -> str:
        return f"chunk {self.index + 1}/{self.job.chunk_count} of job #{self.job_id}"

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms
