"""Users and companies: each user has roles (Django groups), a time zone and, for
partner studios, one company."""

from __future__ import annotations

from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from coprod.accounts.roles import Role


class Company(models.Model):
    """A party the venture deals with. Grows with the catalog and agreements."""

    class Kind(models.TextChoices):
        VENTURE_PARTNER = "venture_partner", _("Joint-venture partner")
        PARTNER_STUDIO = "partner_studio", _("Partner studio")
        LICENSOR = "licensor", _("Licensor")
        PLATFORM = "platform", _("Platform")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code"))
    # The language the company's people see until they choose one (the partner portal's).
    language = models.CharField(_("language"), max_length=16, blank=True,
                                choices=settings.LANGUAGES)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


def _default_time_zone() -> str:
    return settings.DEFAULT_USER_TIME_ZONE


class User(AbstractUser):
    """A person using the platform. Partner-studio users belong to exactly one company."""

    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=_time_zone_choices,
        default=_default_time_zone,
    )
    # The interface language chosen in the preferences (empty: the site's default); the
    # emails sent to the user are in it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    # Years shown in the Thai Buddhist era while the interface speaks Thai (eras.py).
    buddhist_era = models.BooleanField(
        _("Thai Buddhist-era years"), default=False,
        help_text=_("In Thai, show years in the Buddhist era (พ.ศ. 2569 for 2026)."))

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def roles(self) -> frozenset[str]:
        if not hasattr(self, "_roles_cache"):
            if self.is_superuser:
                self._roles_cache = frozenset(Role.values)
            else:
                self._roles_cache = frozenset(
                    name for name in self.groups.values_list("name", flat=True)
                    if name in Role.values
                )
        return self._roles_cache

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))
