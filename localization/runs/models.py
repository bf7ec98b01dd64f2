"""What every background run records, and the runs over one subtitle track."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RunRecord(models.Model):
    """The fields every kind of run shares: the message that runs it, the worker that
    holds it and the last time that worker reported (its heartbeat)."""

    progress = models.PositiveSmallIntegerField(_("progress (percent)"), default=0)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    task_id = models.CharField(_("task id"), max_length=255, blank=True)
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    # The key of the run's kind (see ``localization.runs.registry``); each model sets it.
    RUN_KIND = ""
    # Missed heartbeats after which a person may retry a running run.
    RETRY_SILENCE_BEATS = 3

    class Meta:
        abstract = True

    @property
    def run_kind(self) -> str:
        return self.RUN_KIND

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    def heartbeat_age(self, now: dt.datetime | None = None) -> float | None:
        """Seconds since the worker holding the run last reported; None unless running."""
        last = self.heartbeat_at or self.started_at
        if not self.is_active or last is None or self.state == self.State.QUEUED:
            return None
        return ((now or timezone.now()) - last).total_seconds()

    def silent_longer_than(self, seconds: float, now: dt.datetime | None = None) -> bool:
        """Running, and its worker has not reported for more than ``seconds``."""
        age = self.heartbeat_age(now)
        return age is not None and age > seconds

    @property
    def worker_gone(self) -> bool:
        """Running, but its worker has missed three heartbeats: a person may retry it."""
        return self.silent_longer_than(self.RETRY_SILENCE_BEATS * settings.RUN_HEARTBEAT_SECONDS)

    @property
    def can_cancel(self) -> bool:
        return self.is_active

    @property
    def can_retry(self) -> bool:
        return self.state in (self.State.FAILED, self.State.CANCELLED) or self.worker_gone


class TrackRun(RunRecord):
    """A translation fill or a whole-track QA check of one subtitle track."""

    class Kind(models.TextChoices):
        TRANSLATION = "translation", _("Translation")
        QUALITY_CHECK = "quality_check", _("Quality check")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)

    track = models.ForeignKey("localization.SubtitleTrack", verbose_name=_("subtitle track"),
                              on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices,
                             default=State.QUEUED)
    result = models.JSONField(_("result"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("track run")
        verbose_name_plural = _("track runs")
        constraints = [models.CheckConstraint(condition=models.Q(progress__lte=100),
                                              name="track_run_progress_max_100")]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="track_run_state")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} of {self.track}"

    @property
    def run_kind(self) -> str:
        return self.kind
