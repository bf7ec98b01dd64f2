"""Rights blocks (rights in held by the venture, rights out granted to licensees),
holdbacks, and the avails index the catalog-wide search reads."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.postgres.fields import ArrayField, DateRangeField
from django.db import models
from django.utils.translation import gettext_lazy as _

from coprod.accounts.models import Company
from coprod.catalog.models import Title
from coprod.rights.vocabulary import ExclusivityScope


class RightsBlock(models.Model):
    """Rights the venture holds (in: the chain of title) or licenses (out: a grant).

    Territories, media and language rights are stored expanded as arrays so PostgreSQL
    can compare them with ``&&``; the window is a date range, open-ended when it has no
    upper bound.
    """

    class Direction(models.TextChoices):
        IN = "in", _("Rights in")
        OUT = "out", _("Rights out")

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    title = models.ForeignKey(Title, verbose_name=_("title"), on_delete=models.PROTECT,
                              related_name="rights_blocks")
    counterparty = models.ForeignKey(
        Company, verbose_name=_("counterparty"), on_delete=models.PROTECT,
        related_name="rights_blocks",
        help_text=_("Licensor for rights in, licensee for rights out"),
    )
    contract_reference = models.CharField(_("contract reference"), max_length=120)
    territory_expression = models.CharField(_("territory"), max_length=500)
    countries = ArrayField(models.CharField(max_length=2), verbose_name=_("countries"))
    media = ArrayField(models.CharField(max_length=16), verbose_name=_("media"))
    language_rights = ArrayField(models.CharField(max_length=20),
                                 verbose_name=_("languages"))
    window = DateRangeField(_("window"))
    exclusive = models.BooleanField(_("exclusive"), default=False)
    # Most licences are exclusive per territory and medium whatever the language; some
    # only per language version (a Japanese-subtitle SVOD licence beside a Thai one).
    exclusivity_scope = models.CharField(
        _("exclusive per"), max_length=20, choices=ExclusivityScope.choices,
        default=ExclusivityScope.TERRITORY_MEDIUM)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title_id", "window"]
        verbose_name = _("rights block")
        verbose_name_plural = _("rights blocks")
        indexes = [
            models.Index(fields=["title", "direction"], name="rights_title_direction"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_direction_display()} {self.title}"


class Holdback(models.Model):
    """A period in which the venture may not exploit (or grant) certain rights.

    A holdback "not before" a day has no start (the window's lower bound is open); one
    with languages applies only to those language versions, one without to all of them.
    """

    rights_block = models.ForeignKey(RightsBlock, on_delete=models.CASCADE,
                                     related_name="holdbacks")
    territory_expression = models.CharField(_("territory"), max_length=500)
    countries = ArrayField(models.CharField(max_length=2))
    media = ArrayField(models.CharField(max_length=16), verbose_name=_("media"))
    language_rights = ArrayField(models.CharField(max_length=20), default=list, blank=True,
                                 verbose_name=_("languages"),
                                 help_text=_("Empty: every language and version"))
    window = DateRangeField(_("window"))
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("holdback")
        verbose_name_plural = _("holdbacks")

    def __str__(self) -> str:
        return f"Holdback #{self.pk} on block #{self.rights_block_id}"


def scope_fingerprint(countries, media, language_rights) -> str:
    """The one key of a set of countries, media and language rights (each sorted)."""
    text = "|".join(",".join(sorted(values)) for values in (countries, media, language_rights))
    return hashlib.sha256(text.encode()).hexdigest()


class RightsScopeManager(models.Manager):
    def for_terms(self, *, countries, media, language_rights) -> RightsScope:
        """The scope with exactly these countries, media and language rights, made when
        new (two transactions making the same one at once both get it)."""
        fingerprint = scope_fingerprint(countries, media, language_rights)
        self.bulk_create([RightsScope(
            fingerprint=fingerprint, countries=sorted(countries), media=sorted(media),
            language_rights=sorted(language_rights))], ignore_conflicts=True)
        return self.get(fingerprint=fingerprint)


class RightsScope(models.Model):
    """One distinct set of countries, media and language rights, stored once however many
    blocks share it (a catalog has thousands of blocks on "WORLD -KR, all media" and few
    distinct sets). The avails search compares each set with a query once, not each
    block. Written only with the blocks that use it, never changed."""

    fingerprint = models.CharField(max_length=64, unique=True)
    countries = ArrayField(models.CharField(max_length=2))
    media = ArrayField(models.CharField(max_length=16))
    language_rights = ArrayField(models.CharField(max_length=20))

    objects = RightsScopeManager()

    class Meta:
        verbose_name = _("rights scope")
        verbose_name_plural = _("rights scopes")

    def __str__(self) -> str:
        return f"Scope #{self.pk}"


OPEN_STOP = dt.date.max


class AvailsEntry(models.Model):
    """The avails index: one narrow row per rights block (its title, scope, window and
    flags, fixed-width columns first), so that a catalog-wide search scans a few dozen
    bytes a block instead of its arrays. Written by the rights services in the
    transaction that writes the block; deleted with it. ``stop`` is the window's
    exclusive end, 9999-12-31 when open-ended."""

    block = models.OneToOneField(RightsBlock, primary_key=True, on_delete=models.CASCADE,
                                 related_name="avails_entry")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="+")
    scope = models.ForeignKey(RightsScope, on_delete=models.PROTECT, related_name="+",
                              db_index=False)
    start = models.DateField()
    stop = models.DateField()
    held = models.BooleanField(help_text="Rights in (held) rather than out (granted)")
    exclusive = models.BooleanField()
    per_language = models.BooleanField(
        help_text="Exclusive per language version rather than per territory and medium")

    class Meta:
        verbose_name = _("avails index entry")
        verbose_name_plural = _("avails index entries")
        indexes = [
            # A catalog-wide pass reads rights in (or grants), exclusive or not, starting
            # before the window ends, from this index alone.
            models.Index(fields=["held", "exclusive", "start"],
                         include=["stop", "scope", "title", "per_language"],
                         name="avails_entry_window"),
        ]

    def __str__(self) -> str:
        return f"Avails entry of block #{self.block_id}"


class HoldbackEntry(models.Model):
    """The avails index of a holdback, as ``AvailsEntry`` is of a block: its block's title,
    its scope (languages empty: every language), and its window, from 0001-01-01 when it
    has no start ("not before" a day) and until 9999-12-31 when it has no end."""

    holdback = models.OneToOneField(Holdback, primary_key=True, on_delete=models.CASCADE,
                                    related_name="avails_entry")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="+")
    scope = models.ForeignKey(RightsScope, on_delete=models.PROTECT, related_name="+",
                              db_index=False)
    start = models.DateField()
    stop = models.DateField()

    class Meta:
        verbose_name = _("holdback index entry")
        verbose_name_plural = _("holdback index entries")

    def __str__(self) -> str:
        return f"Avails entry of holdback #{self.holdback_id}"
