from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from localization.media.models import MediaAsset
from localization.subtitles.models import SubtitleTrack
from localization.transcription.models import LocalizationJob


class LocalizationEvent(models.Model):
    """Append-only log of what changed in localization, written by the service that did it."""

    class Action(models.TextChoices):
        MEDIA_UPLOADED = "media_uploaded", _("Media uploaded")
        JOB_CREATED = "job_created", _("Job created")
        JOB_STATE_CHANGED = "job_state_changed", _("Job state changed")
        JOB_RETRIED = "job_retried", _("Job retried")
        JOB_CANCELLED = "job_cancelled", _("Job cancelled")
        TRACK_CREATED = "track_created", _("Subtitle track created")
        TRACK_IMPORTED = "track_imported", _("Subtitle track imported")
        TRACK_ASSIGNED = "track_assigned", _("Subtitle track assigned")
        TRACK_APPROVED = "track_approved", _("Subtitle track approved")
        TRACK_REOPENED = "track_reopened", _("Subtitle track reopened")
        QA_FIXED = "qa_fixed", _("Automatic QA fixes applied")
        VOICE_ROLE_SET = "voice_role_set", _("Voice role set")
        DUB_REQUESTED = "dub_requested", _("Dub requested")
        DUB_FINISHED = "dub_finished", _("Dub finished")
        DUB_FAILED = "dub_failed", _("Dub failed")
        PACKAGE_REQUESTED = "package_requested", _("Delivery package requested")
        PACKAGE_BUILT = "package_built", _("Delivery package built")
        PACKAGE_FAILED = "package_failed", _("Delivery package failed")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    media = models.ForeignKey(MediaAsset, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="events")
    job = models.ForeignKey(LocalizationJob, on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="events")
    track = models.ForeignKey(SubtitleTrack, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="events")
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("localization event")
        verbose_name_plural = _("localization events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"
