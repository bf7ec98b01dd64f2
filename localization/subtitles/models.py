"""Subtitle tracks, their cues and every saved version of a cue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from localization.media.models import MediaAsset
from localization.subtitles.cues import (
    DEFAULT_POSITION,
    POSITION_NAMES,
    VERTICAL_NAMES,
    Cue,
)
from localization.transcription.models import LocalizationJob


class SubtitleTrack(models.Model):
    """The subtitles of a title in one language; each new version is a new track row."""

    class ReviewState(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        APPROVED = "approved", _("Approved")

    class Source(models.TextChoices):
        SPEECH_RECOGNITION = "speech_recognition", _("Speech recognition")
        IMPORT = "import", _("Imported file")
        TRANSLATION = "translation", _("Translation")

    title = models.ForeignKey(
        "coprod.Title", verbose_name=_("title"), on_delete=models.PROTECT,
        related_name="subtitle_tracks",
    )
    media = models.ForeignKey(
        MediaAsset, verbose_name=_("media file"), on_delete=models.SET_NULL,
        related_name="subtitle_tracks", null=True, blank=True,
    )
    language = models.CharField(_("language"), max_length=16)
    version = models.PositiveIntegerField(_("version"))
    source = models.CharField(_("source"), max_length=32, choices=Source.choices)
    # A job produces at most one track, even when its task runs twice.
    job = models.OneToOneField(
        LocalizationJob, verbose_name=_("job"), on_delete=models.SET_NULL,
        related_name="track", null=True, blank=True,
    )
    # A translated track points at the (Korean) track it was translated from.
    source_track = models.ForeignKey(
        "self", verbose_name=_("translated from"), on_delete=models.PROTECT,
        related_name="translations", null=True, blank=True,
    )
    translation_engine = models.CharField(_("translation engine"), max_length=100, blank=True)
    asr_model_name = models.CharField(_("speech recognition model"), max_length=200, blank=True)
    asr_model_sha256 = models.CharField(_("model checksum (SHA-256)"), max_length=64, blank=True)
    import_warnings = models.JSONField(_("import warnings"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Review workflow (the subtitle editor): who works on the track, and its approval lock.
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("translator"), on_delete=models.SET_NULL,
        related_name="+", null=True, blank=True,
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.SET_NULL,
        related_name="+", null=True, blank=True,
    )
    review_state = models.CharField(
        _("review state"), max_length=16, default=ReviewState.IN_PROGRESS,
        choices=ReviewState.choices,
    )
    # Set when every cue is approved: the track is then read-only until it is reopened.
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.SET_NULL,
        related_name="+", null=True, blank=True,
    )

    class Meta:
        ordering = ["title", "language", "-version"]
        verbose_name = _("subtitle track")
        verbose_name_plural = _("subtitle tracks")
        constraints = [
            models.UniqueConstraint(
                fields=["title", "language", "version"],
                name="subtitle_track_unique_title_language_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.language} v{self.version}]"


class SubtitleCue(models.Model):
    """One subtitle. States follow a translator's work, as in Weblate."""

    class State(models.TextChoices):
        UNTRANSLATED = "untranslated", _("Untranslated")
        MACHINE_TRANSLATED = "machine_translated", _("Machine translated")
        TRANSLATED = "translated", _("Translated")
        NEEDS_REVIEW = "needs_review", _("Needs review")
        APPROVED = "approved", _("Approved")

    track = models.ForeignKey(
        SubtitleTrack, verbose_name=_("track"), on_delete=models.CASCADE, related_name="cues"
    )
    index = models.PositiveIntegerField(_("number"))
    start_ms = models.PositiveIntegerField(_("start (ms)"))
    end_ms = models.PositiveIntegerField(_("end (ms)"))
    # Italics are kept in the text as <i>…</i> (localization.subtitles.cues explains).
    text = models.TextField(_("text"))
    speaker = models.CharField(_("speaker"), max_length=100, blank=True)
    # What the imported file said about the cue beyond its words, so that an export gives
    # it back: its identifier, where it sits (the keypad position of ASS's \an, 2 being
    # bottom centre), vertical writing, and the source format's exact settings.
    identifier = models.TextField(_("identifier"), blank=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=DEFAULT_POSITION, choices=list(POSITION_NAMES.items()))
    vertical = models.CharField(_("vertical writing"), max_length=2, blank=True,
                                choices=list(VERTICAL_NAMES.items()))
    format_settings = models.JSONField(_("format settings"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices,
                             default=State.MACHINE_TRANSLATED)
    # The cue of the source track this one translates (same timing at creation).
    source_cue = models.ForeignKey(
        "self", verbose_name=_("source cue"), on_delete=models.SET_NULL,
        related_name="translations", null=True, blank=True,
    )
    # Which engine and model produced the text (empty when a person wrote it).
    engine = models.CharField(_("engine"), max_length=60, blank=True)
    model_name = models.CharField(_("model"), max_length=200, blank=True)
    model_sha256 = models.CharField(_("model checksum (SHA-256)"), max_length=64, blank=True)
    tm_match_percent = models.PositiveSmallIntegerField(_("translation memory match (%)"),
                                                        null=True, blank=True)
    qa_issues = models.JSONField(_("QA issues"), default=list, blank=True)
    # Optimistic locking: every saved edit increments it.
    revision = models.PositiveIntegerField(_("revision"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["track", "index"]
        verbose_name = _("subtitle cue")
        verbose_name_plural = _("subtitle cues")
        constraints = [
            models.UniqueConstraint(fields=["track", "index"], name="subtitle_cue_unique_index"),
            models.CheckConstraint(
                condition=models.Q(end_ms__gt=models.F("start_ms")),
                name="subtitle_cue_ends_after_start",
            ),
            models.CheckConstraint(condition=models.Q(position__gte=1, position__lte=9),
                                   name="subtitle_cue_position_keypad"),
            models.CheckConstraint(condition=models.Q(vertical__in=["", "rl", "lr"]),
                                   name="subtitle_cue_vertical_known"),
        ]

    def __str__(self) -> str:
        return f"{self.index}: {self.text[:40]}"

    def as_cue(self) -> Cue:
        return Cue(self.start_ms, self.end_ms, self.text, self.speaker,
                   identifier=self.identifier, position=self.position,
                   vertical=self.vertical, settings=self.format_settings or {})

    def placement_fields(self) -> dict:
        """What a cue made from this one (a translation, the right half of a split) keeps."""
        return {"position": self.position, "vertical": self.vertical,
                "format_settings": self.format_settings}


class CueRevision(models.Model):
    """One saved version of a cue (text, times, state), written by the editor's services."""

    class Action(models.TextChoices):
        """What made this version."""

        ORIGINAL = "original", _("original")
        EDIT = "edit", _("edit")
        REVERT = "revert", _("revert")
        SPLIT = "split", _("split")
        MERGE = "merge", _("merge")
        TRANSLATED = "translated", _("marked translated")
        NEEDS_REVIEW = "needs_review", _("sent for review")
        APPROVE = "approve", _("approved")
        REJECT = "reject", _("rejected")
        QA_FIX = "qa_fix", _("automatic QA fix")
        SPEAKER = "speaker", _("speaker changed")

    cue = models.ForeignKey(SubtitleCue, verbose_name=_("cue"), on_delete=models.CASCADE,
                            related_name="revisions")
    revision = models.PositiveIntegerField(_("revision"))
    text = models.TextField(_("text"), blank=True)
    start_ms = models.PositiveIntegerField(_("start (ms)"))
    end_ms = models.PositiveIntegerField(_("end (ms)"))
    state = models.CharField(_("state"), max_length=20, choices=SubtitleCue.State.choices)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices,
                              default=Action.EDIT)
    speaker = models.CharField(_("speaker"), max_length=100, blank=True)
    # The engine whose words these were (the cue's engine when the version was saved):
    # the disclosure tells machine-made cues from people's by it.
    engine = models.CharField(_("engine"), max_length=60, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"),
                               on_delete=models.SET_NULL, related_name="+", null=True,
                               blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["cue", "-revision"]
        verbose_name = _("cue revision")
        verbose_name_plural = _("cue revisions")
        constraints = [models.UniqueConstraint(fields=["cue", "revision"],
                                               name="cue_revision_unique")]

    def __str__(self) -> str:
        return f"{self.cue_id} r{self.revision}"
