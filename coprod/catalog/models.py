"""The catalog of Korean IP: titles (films, series, seasons, episodes), localized
titles, people and credits."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
