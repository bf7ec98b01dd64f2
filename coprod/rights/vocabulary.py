"""The vocabularies of a rights block: territories, media, languages and language kinds.

Territories are ISO 3166-1 alpha-2 codes (from pycountry) with named groups; a territory
expression such as ``WORLD -KR`` or ``ASIA, -CN`` is stored as written and expanded into
the set of codes the avails engine compares.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import pycountry
from django.db import models
from django.utils.translation import gettext_lazy as _


@cache
def all_countries() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


GREATER_CHINA = frozenset({"CN", "HK", "MO", "TW"})
SOUTHEAST_ASIA = frozenset({"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "TL", "VN"})
EAST_ASIA = GREATER_CHINA | {"JP", "KR", "KP", "MN"}
SOUTH_ASIA = frozenset({"AF", "BD", "BT", "IN", "IR", "MV", "NP", "PK", "LK"})
CENTRAL_ASIA = frozenset({"KZ", "KG", "TJ", "TM", "UZ"})
WEST_ASIA = frozenset({"AE", "AM", "AZ", "BH", "CY", "GE", "IL", "IQ", "JO", "KW", "LB", "OM",
                       "PS", "QA", "SA", "SY", "TR", "YE"})

# Named groups a rights manager may write in a territory expression.
TERRITORY_GROUPS: dict[str, tuple[str, frozenset[str]]] = {
    "WORLD": (_("World"), frozenset()),  # filled lazily: every ISO 3166 code
    "ASIA": (_("Asia"), EAST_ASIA | SOUTHEAST_ASIA | SOUTH_ASIA | CENTRAL_ASIA | WEST_ASIA),
    "EAST_ASIA": (_("East Asia"), EAST_ASIA),
    "GREATER_CHINA": (_("Greater China"), GREATER_CHINA),
    "SOUTHEAST_ASIA": (_("Southeast Asia"), SOUTHEAST_ASIA),
}


def group_countries(name: str) -> frozenset[str]:
    if name == "WORLD":
        return all_countries()
    return TERRITORY_GROUPS[name][1]


class TerritoryError(ValueError):
    pass


_SEPARATOR = re.compile(r"[,\s]+")


def expand_territories(expression: str) -> frozenset[str]:
    """``"WORLD -KR"`` -> every country but South Korea. Raise TerritoryError when unknown.

    Tokens are country codes or group names, separated by commas or spaces; a token with
    a leading ``-`` (or after the word ``except``) is taken out of the result.
    """
    included: set[str] = set()
    excluded: set[str] = set()
    excepting = False
    words = [word for word in _SEPARATOR.split(expression.strip().upper()) if word]
    if not words:
        raise TerritoryError(_("Give at least one territory."))
    for word in words:
        if word == "EXCEPT":
            excepting = True
            continue
        exclude = excepting or word.startswith("-")
        name = word.lstrip("-")
        if name in TERRITORY_GROUPS:
            codes = group_countries(name)
        elif name in all_countries():
            codes = frozenset({name})
        else:
            raise TerritoryError(_("Unknown territory “%(name)s”: use ISO 3166 codes such as "
                                   "JP or a group such as WORLD, ASIA, GREATER_CHINA.")
                                 % {"name": name})
        (excluded if exclude else included).update(codes)
    result = frozenset(included - excluded)
    if not result:
        raise TerritoryError(_("The territory “%(expression)s” leaves no country.")
                             % {"expression": expression})
    return result


def describe_territories(codes: frozenset[str] | list[str]) -> str:
    """A short human description: a group name, "World except KR", or the codes."""
    codes = frozenset(codes)
    for name, (label, _members) in TERRITORY_GROUPS.items():
        members = group_countries(name)
        if codes == members:
            return str(label)
        missing = members - codes
        if codes <= members and 0 < len(missing) <= 3 and len(codes) > 10:
            return _("%(group)s except %(codes)s") % {
                "group": label, "codes": ", ".join(sorted(missing))}
    if len(codes) > 12:
        return _("%(count)d countries") % {"count": len(codes)}
    return ", ".join(sorted(codes))


class Media(models.TextChoices):
    THEATRICAL = "theatrical", _("Theatrical")
    FREE_TV = "free_tv", _("Free TV")
    PAY_TV = "pay_tv", _("Pay TV")
    SVOD = "svod", _("SVOD")
    AVOD = "avod", _("AVOD")
    TVOD_EST = "tvod_est", _("TVOD/EST")
    AIRLINE = "airline", _("Airline")
    HOME_VIDEO = "home_video", _("Home video")


ALL_MEDIA = "all"


def expand_media(values: list[str]) -> frozenset[str]:
    """Media codes with the group "all" expanded."""
    result: set[str] = set()
    for value in values:
        if value == ALL_MEDIA:
            result.update(Media.values)
        elif value in Media.values:
            result.add(value)
        else:
            raise ValueError(_("Unknown media: %(value)s") % {"value": value})
    return frozenset(result)


def describe_media(values: list[str] | frozenset[str]) -> str:
    values = frozenset(values)
    if values == frozenset(Media.values):
        return str(_("All media"))
    return ", ".join(str(Media(value).label) for value in Media.values if value in values)


class Language(models.TextChoices):
    KOREAN = "ko", _("Korean")
    JAPANESE = "ja", _("Japanese")
    CHINESE_SIMPLIFIED = "zh-Hans", _("Chinese (Simplified)")
    CHINESE_TRADITIONAL = "zh-Hant", _("Chinese (Traditional)")
    THAI = "th", _("Thai")
    ENGLISH = "en", _("English")
    VIETNAMESE = "vi", _("Vietnamese")
    INDONESIAN = "id", _("Indonesian")


class LanguageKind(models.TextChoices):
    ORIGINAL = "original", _("Original version")
    SUB = "sub", _("Subtitled")
    DUB = "dub", _("Dubbed")


def language_rights(languages: list[str], kinds: list[str]) -> frozenset[str]:
    """Every (language, kind) pair as ``"ja:sub"``, the form blocks store and compare."""
    for language in languages:
        if language not in Language.values:
            raise ValueError(_("Unknown language: %(value)s") % {"value": language})
    for kind in kinds:
        if kind not in LanguageKind.values:
            raise ValueError(_("Unknown language kind: %(value)s") % {"value": kind})
    return frozenset(f"{language}:{kind}" for language in languages for kind in kinds)


def describe_language_rights(pairs: list[str] | frozenset[str]) -> str:
    by_language: dict[str, list[str]] = {}
    for pair in sorted(pairs):
        language, kind = pair.split(":", 1)
        by_language.setdefault(language, []).append(str(LanguageKind(kind).label).lower())
    return "; ".join(f"{language} ({', '.join(kinds)})" for language, kinds in
                     by_language.items())


class ExclusivityScope(models.TextChoices):
    """What an exclusive licence keeps to itself."""

    TERRITORY_MEDIUM = "territory_medium", _("Per territory and medium, whatever the language")
    LANGUAGE_VERSION = "language_version", _("Per territory, medium and language version")


def period_text(start: dt.date, end: dt.date | None) -> str:
    """A stored window (its end exclusive) as people read it: first and last day."""
    if end is None:
        return str(_("from %(start)s, open-ended") % {"start": start.isoformat()})
    return f"{start.isoformat()} – {(end - dt.timedelta(days=1)).isoformat()}"
