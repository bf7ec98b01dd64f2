"""The registry of AI models and datasets the pipeline may use, with their licences."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class AIModel(models.Model):
    """A model or dataset, identified by name, version and the checksum of its file."""

    class Kind(models.TextChoices):
        SPEECH_RECOGNITION = "asr", _("Speech recognition")
        TRANSLATION = "mt", _("Machine translation")
        SPEECH_SYNTHESIS = "tts", _("Speech synthesis (voice)")
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
    voice_consent = models.TextField(
        _("voice rights holder's consent"), blank=True,
        help_text=_("For voices: who consented to the use of their voice, and the document"))
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
