"""Voice roles, dub tracks and their synthesized lines."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from localization.runs.models import RunRecord
from localization.subtitles.models import SubtitleTrack


class VoiceRole(models.Model):
    """Which voice speaks a character in one language, kept on the series (the root title)
    so that a character keeps one voice across seasons and episodes. The speaker "" is the
    voice for cues without a speaker."""

    title = models.ForeignKey(
        "coprod.Title", verbose_name=_("title or series"), on_delete=models.CASCADE,
        related_name="voice_roles",
    )
    language = models.CharField(_("language"), max_length=16)
    speaker = models.CharField(_("speaker"), max_length=100, blank=True)
    voice_key = models.CharField(_("voice"), max_length=120)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"),
                                   on_delete=models.SET_NULL, related_name="+", null=True,
                                   blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["title", "language", "speaker"]
        verbose_name = _("voice role")
        verbose_name_plural = _("voice roles")
        constraints = [models.UniqueConstraint(fields=["title", "language", "speaker"],
                                               name="voice_role_unique_speaker")]

    def __str__(self) -> str:
        return f"{self.speaker or '—'} → {self.voice_key}"


class DubTrack(RunRecord):
    """A synthesized dub of an approved subtitle track, mixed into one WAV and one AAC."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SYNTHESIZING = "synthesizing", _("Synthesizing")
        MIXING = "mixing", _("Mixing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATES = (State.QUEUED, State.SYNTHESIZING, State.MIXING)
    RUN_KIND = "dub"

    track = models.ForeignKey(SubtitleTrack, verbose_name=_("subtitle track"),
                              on_delete=models.CASCADE, related_name="dub_tracks")
    state = models.CharField(_("state"), max_length=16, choices=State.choices,
                             default=State.QUEUED)
    # speaker -> {key, model_name, model_sha256, draft, agreement}: what was cleared.
    voices = models.JSONField(_("voices"), default=dict, blank=True)
    max_speedup = models.FloatField(_("maximum speed-up"), default=1.25)
    duck_original = models.BooleanField(_("duck the original audio"), default=True)
    duck_db = models.FloatField(_("ducking (dB)"), default=-12.0)
    # The consents the voices were cleared under: what a revocation lists.
    consent_ids = ArrayField(models.BigIntegerField(), verbose_name=_("consents"),
                             default=list, blank=True)
    # Cues whose line does not fit its window even at the maximum speed-up.
    fit_flags = models.JSONField(_("cues too long for their window"), default=list, blank=True)
    clips_synthesized = models.PositiveIntegerField(_("lines synthesized"), default=0)
    clips_reused = models.PositiveIntegerField(_("lines reused"), default=0)
    wav = models.FileField(_("WAV"), upload_to="localization/dubs/%Y/%m/", max_length=500,
                           blank=True)
    aac = models.FileField(_("AAC"), upload_to="localization/dubs/%Y/%m/", max_length=500,
                           blank=True)
    # file name -> its Content Credentials as signed (label, signer), or why it is unsigned.
    credentials = models.JSONField(_("Content Credentials"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dub track")
        verbose_name_plural = _("dub tracks")
        constraints = [models.CheckConstraint(condition=models.Q(progress__lte=100),
                                              name="dub_track_progress_max_100")]

    def __str__(self) -> str:
        return f"dub #{self.pk} of {self.track}"


class DubClip(models.Model):
    """One synthesized line, cached by synthesis_cache_key (text and voice): an edit
    re-synthesizes only the lines whose text changed."""

    cache_key = models.CharField(_("cache key"), max_length=64, unique=True)
    voice_key = models.CharField(_("voice"), max_length=120)
    file = models.FileField(_("file"), upload_to="localization/dub-clips/", max_length=500)
    sample_rate = models.PositiveIntegerField(_("sample rate"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("synthesized line")
        verbose_name_plural = _("synthesized lines")

    def __str__(self) -> str:
        return self.cache_key[:12]
