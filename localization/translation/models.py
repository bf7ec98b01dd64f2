"""The glossary per title and the translation memory."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
