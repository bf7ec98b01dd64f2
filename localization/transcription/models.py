"""Transcription jobs: one media file's speech recognition, with its state, progress and
timings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from localization.media.models import MediaAsset


class LocalizationJob(models.Model):
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

    media = models.ForeignKey(
        MediaAsset, verbose_name=_("media file"), on_delete=models.CASCADE, related_name="jobs"
    )
    language = models.CharField(_("source language"), max_length=16, default="ko")
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (percent)"), default=0)
    step_seconds = models.JSONField(_("seconds per step"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    task_id = models.CharField(_("task id"), max_length=255, blank=True)
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
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
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def step_timings(self) -> list[tuple[str, float]]:
        """(step label, seconds) in pipeline order, for the steps that ran."""
        return [(self.State(step).label, self.step_seconds[step])
                for step in (self.State.EXTRACTING_AUDIO, self.State.TRANSCRIBING,
                             self.State.SEGMENTING) if step in self.step_seconds]

    @property
    def can_retry(self) -> bool:
        return self.state in (self.State.FAILED, self.State.CANCELLED)

    @property
    def can_cancel(self) -> bool:
        return self.is_active
