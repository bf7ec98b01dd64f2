"""Shot detections: one background run per request over a media file's video, holding the
cuts it found."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from localization.engines.shots import DEFAULT_THRESHOLD
from localization.media.models import MediaAsset
from localization.runs.models import RunRecord


class ShotDetection(RunRecord):
    """The hard cuts of a media file's video: the first frame of every new shot, at the
    video's frame rate. The latest finished detection of a media file is the one used."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DETECTING = "detecting", _("Detecting shot changes")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATES = (State.QUEUED, State.DETECTING)
    RUN_KIND = "shot_detection"

    media = models.ForeignKey(MediaAsset, verbose_name=_("media file"),
                              on_delete=models.CASCADE, related_name="shot_detections")
    state = models.CharField(_("state"), max_length=20, choices=State.choices,
                             default=State.QUEUED)
    threshold = models.FloatField(_("detection threshold"), default=DEFAULT_THRESHOLD)
    frame_rate = models.FloatField(_("frame rate"), null=True, blank=True)
    frame_count = models.PositiveIntegerField(_("frames read"), default=0)
    # The first frame of each new shot (0 is the video's first frame), in order.
    frames = models.JSONField(_("shot change frames"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("shot detection")
        verbose_name_plural = _("shot detections")
        constraints = [models.CheckConstraint(condition=models.Q(progress__lte=100),
                                              name="shot_detection_progress_max_100")]
        indexes = [models.Index(fields=["media", "state"], name="shot_detection_media_state")]

    def __str__(self) -> str:
        return f"shot detection #{self.pk} of {self.media}"

    @property
    def times_ms(self) -> list[int]:
        """When each cut happens, in whole milliseconds."""
        if not self.frame_rate:
            return []
        return [round(frame * 1000 / self.frame_rate) for frame in self.frames]
