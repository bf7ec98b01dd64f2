from __future__ import annotations

from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField, DateRangeField
from django.db import models
from django.utils.translation import gettext_lazy as _

from coprod.roles import Role


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


class Genre(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_ko = models.CharField(_("Korean name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("genre")
        verbose_name_plural = _("genres")

    def __str__(self) -> str:
        return self.name


class Title(models.Model):
    """A film, series, season or episode. Seasons belong to a series, episodes to a season
    (or directly to a series); rights held on a series cover its seasons and episodes."""

    class Kind(models.TextChoices):
        FILM = "film", _("Film")
        SERIES = "series", _("Series")
        SEASON = "season", _("Season")
        EPISODE = "episode", _("Episode")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey("self", verbose_name=_("part of"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="children")
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True,
                                              help_text=_("Season or episode number"))
    original_title = models.CharField(_("original title"), max_length=300)
    romanized_title = models.CharField(_("romanized title"), max_length=300)
    english_title = models.CharField(_("English title"), max_length=300, blank=True)
    synopsis = models.TextField(_("synopsis (Korean)"), blank=True)
    original_language = models.CharField(_("original language"), max_length=8, default="ko")
    year = models.PositiveSmallIntegerField(_("year"))
    runtime_minutes = models.PositiveSmallIntegerField(_("runtime (minutes)"), null=True,
                                                       blank=True)
    genres = models.ManyToManyField(Genre, verbose_name=_("genres"), blank=True,
                                    related_name="titles")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["romanized_title", "number"]
        verbose_name = _("title")
        verbose_name_plural = _("titles")
        constraints = [
            models.UniqueConstraint(
                fields=["original_title", "year"], name="title_unique_original_title_year",
                condition=models.Q(parent__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["parent", "number"], name="title_unique_number_within_parent",
                condition=models.Q(parent__isnull=False, number__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.SEASON and self.parent_id:
            return f"{self.parent.original_title} S{self.number or '?'}"
        if self.kind == self.Kind.EPISODE and self.parent_id:
            return f"{self.parent} E{self.number or '?'}"
        return f"{self.original_title} ({self.year})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("catalog:title-detail", kwargs={"title_id": self.pk})

    def ancestors(self) -> list[Title]:
        """Parents up to the top, nearest first."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def root(self) -> Title:
        ancestors = self.ancestors()
        return ancestors[-1] if ancestors else self


class TitleLocalization(models.Model):
    """The title and synopsis in one target language."""

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="localizations")
    language = models.CharField(_("language"), max_length=8, choices=[
        ("ja", _("Japanese")), ("zh-Hans", _("Chinese (Simplified)")), ("th", _("Thai")),
        ("en", _("English")),
    ])
    localized_title = models.CharField(_("localized title"), max_length=300)
    synopsis = models.TextField(_("synopsis"), blank=True)

    class Meta:
        ordering = ["language"]
        constraints = [models.UniqueConstraint(fields=["title", "language"],
                                               name="title_localization_unique_language")]

    def __str__(self) -> str:
        return f"{self.localized_title} [{self.language}]"


class Person(models.Model):
    name = models.CharField(_("name"), max_length=200, help_text=_("Name in Korean"))
    romanized_name = models.CharField(_("romanized name"), max_length=200, blank=True)

    class Meta:
        ordering = ["romanized_name", "name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return f"{self.name} ({self.romanized_name})" if self.romanized_name else self.name


class Credit(models.Model):
    class Role(models.TextChoices):
        DIRECTOR = "director", _("Director")
        WRITER = "writer", _("Writer")
        ACTOR = "actor", _("Actor")
        COMPOSER = "composer", _("Composer")
        PRODUCER = "producer", _("Producer")
        CINEMATOGRAPHER = "cinematographer", _("Cinematographer")
        EDITOR = "editor", _("Editor")

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="credits")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    character = models.CharField(_("character"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["title", "person", "role", "character"],
                                               name="credit_unique")]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}"


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


class Event(models.Model):
    """An append-only record of a change: who, when, what, before and after."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=60)
    title = models.ForeignKey(Title, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="events")
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="event_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
