"""The registry of AI models and datasets the pipeline may use, with their licences."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class AIModel(models.Model):
    """A model or dataset, identified by name, version and the checksum of its file."""

    class Kind(models.TextChoices):
        SPEECH_RECOGNITION = "asr", _("Speech recognition")
        TRANSLATION = "mt", _("Machine translation")
        SPEECH_SYNTHESIS = "tts", _("Speech synthesis (voice)")
        SPEAKER_DIARIZATION = "diarize", _("Speaker diarization")
        LANGUAGE_MODEL = "llm", _("Language model")
        DATASET = "dataset", _("Dataset")

    name = models.CharField(_("name"), max_length=200)
    version = models.CharField(_("version"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    licence = models.CharField(_("licence"), max_length=120)
    source = models.CharField(_("source"), max_length=500,
                              help_text=_("Where the files come from (package, URL)"))
    sha256 = models.CharField(
        _("file checksum (SHA-256)"), max_length=64, db_index=True,
        validators=[RegexValidator(r"^[0-9a-f]{64}$", _("64 lowercase hex digits"))])
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "version"]
        verbose_name = _("AI model or dataset")
        verbose_name_plural = _("AI models and datasets")
        constraints = [models.UniqueConstraint(fields=["name", "version"],
                                               name="ai_model_unique_version")]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


def consent_document_path(instance, filename: str) -> str:
    import uuid

    return f"registry/consents/{uuid.uuid4().hex}/{filename}"


class Consent(models.Model):
    """What a voice's rights holder consented to, or what a model's or dataset's licence
    allows: the titles or series, languages, kinds of use and period it covers, and the
    document that grants it. The licensing gate checks the scope before every use.

    Never edited: a wider or narrower scope is a new consent. A consent can be revoked,
    which refuses new use at once; what was made under it is listed for the rights
    manager. Every change is an event."""

    class Kind(models.TextChoices):
        VOICE = "voice", _("Voice consent")
        LICENCE = "licence", _("Licence")

    class Use(models.TextChoices):
        DUBBING = "dubbing", _("Dubbing")
        TRAILERS = "trailers", _("Trailers and promotion")
        SUBTITLING = "subtitling", _("Transcription and subtitles")
        TRAINING = "training", _("Model training")

    ANY_LANGUAGE = "*"

    model = models.ForeignKey(AIModel, verbose_name=_("model, voice or dataset"),
                              on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    holder = models.CharField(_("rights holder"), max_length=200,
                              help_text=_("Who consented (the actor) or licensed it"))
    all_titles = models.BooleanField(_("every title"), default=False)
    titles = models.ManyToManyField("coprod.Title", verbose_name=_("titles or series"),
                                    blank=True, related_name="+",
                                    help_text=_("A series covers its seasons and episodes"))
    languages = ArrayField(models.CharField(max_length=16), verbose_name=_("languages"),
                           help_text=_("Language codes; * for every language"))
    uses = ArrayField(models.CharField(max_length=16, choices=Use.choices),
                      verbose_name=_("kinds of use"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until (last day)"), null=True, blank=True)
    document = models.CharField(_("granting document"), max_length=300,
                                help_text=_("The signed consent or licence: its reference"))
    document_file = models.FileField(_("document file"), upload_to=consent_document_path,
                                     max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("revoked by"),
                                   on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)
    revocation_reason = models.TextField(_("reason for the revocation"), blank=True)

    class Meta:
        ordering = ["model", "-recorded_at", "-id"]
        verbose_name = _("consent or licence")
        verbose_name_plural = _("consents and licences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="consent_period_in_order"),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | ~models.Q(revocation_reason=""),
                name="consent_revocation_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}: {self.model} ({self.holder})"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def in_force_on(self, day: dt.date) -> bool:
        return (not self.revoked and self.valid_from <= day
                and (self.valid_until is None or day <= self.valid_until))

    def use_labels(self) -> list[str]:
        return [str(self.Use(use).label) for use in self.uses]

    def covers_language(self, language: str | None) -> bool:
        if language is None or self.ANY_LANGUAGE in self.languages:
            return True
        base = language.split("-", 1)[0]
        return language in self.languages or base in self.languages

    def snapshot(self, *, for_family: list[int] | None = None) -> dict:
        """What the audit log keeps of the consent; with ``for_family`` (a title and its
        ancestors), what a deliverable of that title records: only the titles of the scope
        that cover it, so a licensee never reads the names of other titles."""
        titles = [title for title in self.titles.all()
                  if for_family is None or title.pk in for_family]
        return {"id": self.pk, "kind": self.kind, "holder": self.holder,
                "document": self.document,
                "scope": {"titles": "all" if self.all_titles else
                          sorted(str(title) for title in titles),
                          "languages": self.languages, "uses": self.uses,
                          "valid_from": self.valid_from.isoformat(),
                          "valid_until": self.valid_until.isoformat()
                          if self.valid_until else None}}
