"""Uploaded media files, probed and stored."""

from __future__ import annotations

import uuid

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
    # The partner studio that brought the file (through the API); empty for the venture's
    # own. Its users see the file and what was made from it, and get its webhooks.
    company = models.ForeignKey(
        "coprod.Company", verbose_name=_("partner company"), on_delete=models.PROTECT,
        related_name="media_assets", null=True, blank=True,
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



class ResumableUpload(models.Model):
    """A media file arriving in pieces through the API (the tus protocol): the bytes so
    far sit in a part file until ``offset`` reaches ``length``; then the file is checked
    (its SHA-256 when the client gave one), taken in as a ``MediaAsset`` and its
    transcription queued, exactly as a page upload is.

    On S3 (STORAGE_BACKEND=s3) there is no part file: ``part_path`` names the object of
    an S3 multipart upload (``multipart_upload_id``), ``stored_parts`` its parts so far
    and ``pending_pieces`` the bytes after them, too few yet for a part, each a small
    object of its own (see ``localization.media.uploads``)."""

    class State(models.TextChoices):
        RECEIVING = "receiving", _("Receiving")
        COMPLETE = "complete", _("Complete")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("coprod.Company", verbose_name=_("partner company"),
                                on_delete=models.CASCADE, related_name="+", null=True,
                                blank=True)
    title = models.ForeignKey("coprod.Title", verbose_name=_("title"),
                              on_delete=models.CASCADE, related_name="+")
    episode_label = models.CharField(_("episode"), max_length=100, blank=True)
    language = models.CharField(_("spoken language"), max_length=16, default="ko")
    filename = models.CharField(_("file name"), max_length=255)
    length = models.BigIntegerField(_("length in bytes"))
    offset = models.BigIntegerField(_("bytes received"), default=0)
    sha256 = models.CharField(_("expected SHA-256"), max_length=64, blank=True)
    part_path = models.CharField(_("part file"), max_length=500, blank=True)
    multipart_upload_id = models.CharField(_("multipart upload"), max_length=1024,
                                           blank=True)
    # [{"number", "etag", "size"}] in order, then [{"offset", "size"}] in order.
    stored_parts = models.JSONField(_("parts stored"), default=list, blank=True)
    pending_pieces = models.JSONField(_("pending pieces"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices,
                             default=State.RECEIVING)
    error = models.TextField(_("error"), blank=True)
    media = models.ForeignKey(MediaAsset, verbose_name=_("media file"),
                              on_delete=models.SET_NULL, related_name="+", null=True,
                              blank=True)
    job = models.ForeignKey("localization.LocalizationJob", verbose_name=_("job"),
                            on_delete=models.SET_NULL, related_name="+", null=True,
                            blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("resumable upload")
        verbose_name_plural = _("resumable uploads")

    def __str__(self) -> str:
        return f"{self.filename} ({self.offset}/{self.length})"
