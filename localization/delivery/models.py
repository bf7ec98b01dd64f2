"""Delivery packages for licensees."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from localization.dubbing.models import DubTrack
from localization.runs.models import RunRecord
from localization.subtitles.models import SubtitleTrack


class DeliveryPackage(RunRecord):
    """Subtitles, dub and manifest of a title in one language, for one licensee, territory
    and window, built only when the venture holds and has granted those rights."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Building")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATES = (State.QUEUED, State.BUILDING)
    RUN_KIND = "package"

    title = models.ForeignKey("coprod.Title", verbose_name=_("title"), on_delete=models.PROTECT,
                              related_name="delivery_packages")
    language = models.CharField(_("language"), max_length=16)
    track = models.ForeignKey(SubtitleTrack, verbose_name=_("subtitle track"),
                              on_delete=models.PROTECT, related_name="delivery_packages")
    dub = models.ForeignKey(DubTrack, verbose_name=_("dub track"), on_delete=models.PROTECT,
                            related_name="delivery_packages", null=True, blank=True)
    licensee = models.ForeignKey("coprod.Company", verbose_name=_("licensee"),
                                 on_delete=models.PROTECT, related_name="delivery_packages")
    territory_expression = models.CharField(_("territory"), max_length=500)
    countries = ArrayField(models.CharField(max_length=2), verbose_name=_("countries"))
    media = ArrayField(models.CharField(max_length=16), verbose_name=_("media"))
    window_start = models.DateField(_("window start"))
    window_end = models.DateField(_("window end"), null=True, blank=True)
    include_subtitles = models.BooleanField(_("subtitles"), default=True)
    include_dub = models.BooleanField(_("dub"), default=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices,
                             default=State.QUEUED)
    file = models.FileField(_("file"), upload_to="localization/packages/%Y/%m/",
                            max_length=500, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    manifest = models.JSONField(_("manifest"), default=dict, blank=True)
    # The ZIP's Content Credentials: a C2PA manifest store beside it (NAME.zip.c2pa).
    credentials_file = models.FileField(_("Content Credentials"),
                                        upload_to="localization/packages/%Y/%m/",
                                        max_length=500, blank=True)
    credentials = models.JSONField(_("Content Credentials"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery package")
        verbose_name_plural = _("delivery packages")

    def __str__(self) -> str:
        return f"{self.title} [{self.language}] → {self.licensee}"
