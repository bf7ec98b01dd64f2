"""Comments on cues and the waveforms the editor draws."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from localization.media.models import MediaAsset
from localization.subtitles.models import SubtitleCue


class CueComment(models.Model):
    """A comment on a cue; a reviewer's rejection is a comment too. Replies name a parent."""

    cue = models.ForeignKey(SubtitleCue, verbose_name=_("cue"), on_delete=models.CASCADE,
                            related_name="comments")
    parent = models.ForeignKey("self", verbose_name=_("in reply to"), on_delete=models.CASCADE,
                               related_name="replies", null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"),
                               on_delete=models.SET_NULL, related_name="+", null=True,
                               blank=True)
    text = models.TextField(_("text"))
    is_rejection = models.BooleanField(_("rejection"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["cue", "created_at", "id"]
        verbose_name = _("cue comment")
        verbose_name_plural = _("cue comments")

    def __str__(self) -> str:
        return self.text[:40]


class MediaWaveform(models.Model):
    """Audio peaks of a media file for the editor's waveform, computed once with PyAV."""

    media = models.OneToOneField(MediaAsset, verbose_name=_("media file"),
                                 on_delete=models.CASCADE, related_name="waveform")
    peaks_per_second = models.PositiveSmallIntegerField(_("peaks per second"))
    # One value 0..255 per slot: the loudest sample of that slot.
    peaks = models.JSONField(_("peaks"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("waveform")
        verbose_name_plural = _("waveforms")

    def __str__(self) -> str:
        return f"waveform of {self.media_id}"
