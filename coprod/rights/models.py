"""Rights blocks (rights in held by the venture, rights out granted to licensees) and
holdbacks."""

from __future__ import annotations

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
    """A period in which the venture may not exploit (or grant) certain rights."""

    rights_block = models.ForeignKey(RightsBlock, on_delete=models.CASCADE,
                                     related_name="holdbacks")
    territory_expression = models.CharField(_("territory"), max_length=500)
    countries = ArrayField(models.CharField(max_length=2))
    media = ArrayField(models.CharField(max_length=16), verbose_name=_("media"))
    window = DateRangeField(_("window"))
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("holdback")
        verbose_name_plural = _("holdbacks")

    def __str__(self) -> str:
        return f"Holdback #{self.pk} on block #{self.rights_block_id}"
