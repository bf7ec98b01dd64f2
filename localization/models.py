"""Media, localization jobs, subtitle tracks and cues, and the localization event log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
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


class SubtitleTrack(models.Model):
    """The subtitles of a title in one language; each new version is a new track row."""

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
        _("review state"), max_length=16, default="in_progress",
        choices=[("in_progress", _("In progress")), ("approved", _("Approved"))],
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
    text = models.TextField(_("text"))
    speaker = models.CharField(_("speaker"), max_length=100, blank=True)
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
        ]

    def __str__(self) -> str:
        return f"{self.index}: {self.text[:40]}"


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


class GlossaryTerm(models.Model):
    """A term of a title or series with its required rendering per target language."""

    class Kind(models.TextChoices):
        CHARACTER = "character", _("Character name")
        PLACE = "place", _("Place")
        HONORIFIC = "honorific", _("Honorific")
        TERM = "term", _("Recurring term")

    title = models.ForeignKey(
        "coprod.Title", verbose_name=_("title or series"), on_delete=models.CASCADE,
        related_name="glossary_terms",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.TERM)
    source_term = models.CharField(_("Korean term"), max_length=200)
    renderings = models.JSONField(
        _("renderings"), default=dict,
        help_text=_('Required rendering per language, e.g. {"ja": "…", "zh-Hans": "…"}'))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["title", "source_term"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")
        constraints = [models.UniqueConstraint(fields=["title", "source_term"],
                                               name="glossary_term_unique_per_title")]

    def __str__(self) -> str:
        return self.source_term


class TranslationMemoryEntry(models.Model):
    """An approved pair of source and target cue texts."""

    source_language = models.CharField(_("source language"), max_length=16, default="ko")
    target_language = models.CharField(_("target language"), max_length=16)
    source_text = models.TextField(_("source text"))
    target_text = models.TextField(_("target text"))
    # Whitespace and line breaks folded, for exact matching.
    source_key = models.TextField(_("normalized source"), db_index=True)
    title = models.ForeignKey("coprod.Title", on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    origin = models.CharField(_("origin"), max_length=40, default="approved_cue")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("translation memory entry")
        verbose_name_plural = _("translation memory entries")
        indexes = [models.Index(fields=["source_language", "target_language"],
                                name="tm_language_pair")]
        constraints = [models.UniqueConstraint(
            fields=["source_language", "target_language", "source_key", "target_text"],
            name="tm_unique_pair")]

    def __str__(self) -> str:
        return f"{self.source_text[:30]} → {self.target_text[:30]}"


class CueRevision(models.Model):
    """One saved version of a cue (text, times, state), written by the editor's services."""

    cue = models.ForeignKey(SubtitleCue, verbose_name=_("cue"), on_delete=models.CASCADE,
                            related_name="revisions")
    revision = models.PositiveIntegerField(_("revision"))
    text = models.TextField(_("text"), blank=True)
    start_ms = models.PositiveIntegerField(_("start (ms)"))
    end_ms = models.PositiveIntegerField(_("end (ms)"))
    state = models.CharField(_("state"), max_length=20, choices=SubtitleCue.State.choices)
    # What made this version: an edit, a state change, a split, a merge, a revert.
    action = models.CharField(_("action"), max_length=20, default="edit")
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


# --- dubbing and delivery -----------------------------------------------------------------


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


class DubTrack(models.Model):
    """A synthesized dub of an approved subtitle track, mixed into one WAV and one AAC."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SYNTHESIZING = "synthesizing", _("Synthesizing")
        MIXING = "mixing", _("Mixing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ACTIVE_STATES = (State.QUEUED, State.SYNTHESIZING, State.MIXING)

    track = models.ForeignKey(SubtitleTrack, verbose_name=_("subtitle track"),
                              on_delete=models.CASCADE, related_name="dub_tracks")
    state = models.CharField(_("state"), max_length=16, choices=State.choices,
                             default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (percent)"), default=0)
    error = models.TextField(_("error"), blank=True)
    # speaker -> {key, model_name, model_sha256, draft, agreement}: what was cleared.
    voices = models.JSONField(_("voices"), default=dict, blank=True)
    max_speedup = models.FloatField(_("maximum speed-up"), default=1.25)
    duck_original = models.BooleanField(_("duck the original audio"), default=True)
    duck_db = models.FloatField(_("ducking (dB)"), default=-12.0)
    # Cues whose line does not fit its window even at the maximum speed-up.
    fit_flags = models.JSONField(_("cues too long for their window"), default=list, blank=True)
    clips_synthesized = models.PositiveIntegerField(_("lines synthesized"), default=0)
    clips_reused = models.PositiveIntegerField(_("lines reused"), default=0)
    wav = models.FileField(_("WAV"), upload_to="localization/dubs/%Y/%m/", max_length=500,
                           blank=True)
    aac = models.FileField(_("AAC"), upload_to="localization/dubs/%Y/%m/", max_length=500,
                           blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dub track")
        verbose_name_plural = _("dub tracks")
        constraints = [models.CheckConstraint(condition=models.Q(progress__lte=100),
                                              name="dub_track_progress_max_100")]

    def __str__(self) -> str:
        return f"dub #{self.pk} of {self.track}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES


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


class DeliveryPackage(models.Model):
    """Subtitles, dub and manifest of a title in one language, for one licensee, territory
    and window, built only when the venture holds and has granted those rights."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Building")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

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
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to="localization/packages/%Y/%m/",
                            max_length=500, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    manifest = models.JSONField(_("manifest"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery package")
        verbose_name_plural = _("delivery packages")

    def __str__(self) -> str:
        return f"{self.title} [{self.language}] → {self.licensee}"
