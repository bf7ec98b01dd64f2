"""Uploaded media files, probed and stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MediaAsset(models.Model):
    """A video or audio file of a title (or one episode of it), probed on upload."""

    title = models.ForeignKey(
        "coprod.Title", verbose_name=_("title"), on_delete=models.PROTECT,
        related_name="media_assets",
    )
    # The catalog issue brings Season/Episode; until then an episode is named here.
    episode_label = models.CharField(_("episode"), max_length=100, blank=True)
    file = models.FileField(_("file"), upload_to="localization/media/%Y/%m/", max_length=500)
    original_name = models.CharField(_("original file name"), max_length=255)
    size_bytes = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    duration_ms = models.PositiveBigIntegerField(_("duration in milliseconds"))
    container_format = models.CharField(_("container format"), max_length=100)
    audio_codec = models.CharField(_("audio codec"), max_length=50)
    video_codec = models.CharField(_("video codec"), max_length=50, blank=True)
    streams = models.JSONField(_("streams"), default=list)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("media file")
        verbose_name_plural = _("media files")

    def __str__(self) -> str:
        return self.original_name

    @property
    def has_video(self) -> bool:
        return bool(self.video_codec)

