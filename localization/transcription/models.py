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
        return [(self.State(step).label, self.step_seconds[step])
                for step in (self.State.EXTRACTING_AUDIO, self.State.TRANSCRIBING,
                             self.State.SEGMENTING) if step in self.step_seconds]
