"""The vocabularies of a rights block: territories, media, languages and language kinds.

Territories are ISO 3166-1 alpha-2 codes (from pycountry) with named groups; a territory
expression such as ``WORLD -KR`` or ``ASIA, -CN`` is stored as written and expanded into
the set of codes the avails engine compares. Languages are any ISO 639 language (pycountry
again), written as BCP 47 tags (``ja``, ``yue``, ``zh-Hans``, ``es-419``) or ``*`` for all
languages; a broader language covers a narrower one (``zh`` covers ``zh-Hant``).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache, lru_cache

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
    """The languages the venture licenses most, offered first in forms. Any ISO 639
    language may be written (``normalize_language``); these are only suggestions."""

    KOREAN = "ko", _("Korean")
    JAPANESE = "ja", _("Japanese")
    CHINESE_SIMPLIFIED = "zh-Hans", _("Chinese (Simplified)")
    CHINESE_TRADITIONAL = "zh-Hant", _("Chinese (Traditional)")
    THAI = "th", _("Thai")
    ENGLISH = "en", _("English")
    VIETNAMESE = "vi", _("Vietnamese")
    INDONESIAN = "id", _("Indonesian")
    MALAY = "ms", _("Malay")
    FILIPINO = "fil", _("Filipino")
    HINDI = "hi", _("Hindi")
    SPANISH = "es", _("Spanish")
    FRENCH = "fr", _("French")


# A language right for every language ("all languages" in forms, ``*`` as stored, as in
# RFC 4647's wildcard range): held as ``*:sub`` it covers Japanese, Thai, Yue... subtitles.
ALL_LANGUAGES = "*"
ALL_LANGUAGES_WORDS = frozenset({"*", "all", "all languages", "any"})


class LanguageError(ValueError):
    pass


_LANGUAGE_TAG = re.compile(
    r"^(?P<language>[a-z]{2,3})(?:-(?P<script>[a-z]{4}))?(?:-(?P<region>[a-z]{2}|\d{3}))?$")


@lru_cache(maxsize=4096)
def normalize_language(value: str) -> str:
    """A language as the blocks store it: an ISO 639 code, optionally with an ISO 15924
    script and an ISO 3166 (or UN M.49) region, as a BCP 47 tag, or ``*`` for every
    language. ISO 639-1 codes win over 639-3 and 639-2/B ones for the same language, so
    ``jpn`` and ``ja`` are the same right: ``"JPN"`` -> ``"ja"``, ``"zh-hans"`` ->
    ``"zh-Hans"``, ``"yue"`` -> ``"yue"``, ``"es-419"`` -> ``"es-419"``, ``"all"`` -> ``"*"``.
    """
    text = value.strip().replace("_", "-").lower()
    if text in ALL_LANGUAGES_WORDS:
        return ALL_LANGUAGES
    match = _LANGUAGE_TAG.match(text)
    if not match:
        raise LanguageError(_("“%(value)s” is not a language code: use ISO 639 codes such as "
                              "ja, th, yue or zh-Hans, or “all”.") % {"value": value[:40]})
    code = match["language"]
    language = (pycountry.languages.get(alpha_2=code) if len(code) == 2 else
                pycountry.languages.get(alpha_3=code)
                or pycountry.languages.get(bibliographic=code))
    if language is None:
        raise LanguageError(_("Unknown language “%(value)s”: not an ISO 639 code.")
                            % {"value": value[:40]})
    parts = [getattr(language, "alpha_2", None) or language.alpha_3]
    if match["script"]:
        script = match["script"].title()
        if pycountry.scripts.get(alpha_4=script) is None:
            raise LanguageError(_("Unknown script “%(script)s” in “%(value)s”: use an ISO "
                                  "15924 code such as Hans or Latn.")
                                % {"script": match["script"], "value": value[:40]})
        parts.append(script)
    if match["region"]:
        region = match["region"].upper()
        if not region.isdigit() and region not in all_countries():
            raise LanguageError(_("Unknown region “%(region)s” in “%(value)s”.")
                                % {"region": match["region"], "value": value[:40]})
        parts.append(region)
    return "-".join(parts)


def language_name(tag: str) -> str:
    """``"zh-Hans"`` -> ``"Chinese (Han (Simplified variant))"``; ``"*"`` -> "All languages"."""
    if tag == ALL_LANGUAGES:
        return str(_("All languages"))
    if tag in Language.values:
        return str(Language(tag).label)
    code, *rest = tag.split("-")
    language = (pycountry.languages.get(alpha_2=code) if len(code) == 2
                else pycountry.languages.get(alpha_3=code))
    name = language.name if language else code
    details = []
    for part in rest:
        found = (pycountry.scripts.get(alpha_4=part) if len(part) == 4 else
                 pycountry.countries.get(alpha_2=part) if part.isalpha() else None)
        details.append(found.name if found else part)
    return f"{name} ({', '.join(details)})" if details else name


def language_covers(held: str, wanted: str) -> bool:
    """Whether a right held in language ``held`` covers ``wanted`` (RFC 4647 basic
    filtering): ``*`` covers every language, ``zh`` covers ``zh-Hans`` and ``zh-Hant``,
    ``zh-Hans`` does not cover ``zh`` (all Chinese) nor ``zh-Hant``."""
    return held in (ALL_LANGUAGES, wanted) or wanted.startswith(held + "-")


def languages_overlap(first: str, second: str) -> bool:
    """Whether two language ranges share a language (a licence in one meets the other)."""
    return language_covers(first, second) or language_covers(second, first)


def language_ranges_covering(wanted: str) -> list[str]:
    """Every language a held right may name to cover ``wanted``: the tag, its shorter
    prefixes and ``*`` (``zh-Hant-TW`` -> ``zh-Hant-TW``, ``zh-Hant``, ``zh``, ``*``)."""
    if wanted == ALL_LANGUAGES:
        return [ALL_LANGUAGES]
    parts = wanted.split("-")
    return ["-".join(parts[:size]) for size in range(len(parts), 0, -1)] + [ALL_LANGUAGES]


class LanguageKind(models.TextChoices):
    ORIGINAL = "original", _("Original version")
    SUB = "sub", _("Subtitled")
    DUB = "dub", _("Dubbed")


def split_language_right(pair: str) -> tuple[str, str]:
    language, kind = pair.rsplit(":", 1)
    return language, kind


def language_right_covers(held: str, wanted: str) -> bool:
    """``"*:sub"`` covers ``"th:sub"``; ``"zh:dub"`` covers ``"zh-Hans:dub"``; kinds must
    be the same."""
    held_language, held_kind = split_language_right(held)
    wanted_language, wanted_kind = split_language_right(wanted)
    return held_kind == wanted_kind and language_covers(held_language, wanted_language)


def language_rights_overlap(first: str, second: str) -> bool:
    first_language, first_kind = split_language_right(first)
    second_language, second_kind = split_language_right(second)
    return first_kind == second_kind and languages_overlap(first_language, second_language)


def language_rights(languages: list[str], kinds: list[str]) -> frozenset[str]:
    """Every (language, kind) pair as ``"ja:sub"``, the form blocks store and compare;
    languages are normalized (``"JPN"`` -> ``"ja"``, ``"all"`` -> ``"*"``)."""
    normalized = {normalize_language(language) for language in languages}
    for kind in kinds:
        if kind not in LanguageKind.values:
            raise LanguageError(_("Unknown language kind: %(value)s") % {"value": kind})
    if ALL_LANGUAGES in normalized:
        normalized = {ALL_LANGUAGES}  # every language includes the others
    return frozenset(f"{language}:{kind}" for language in normalized for kind in kinds)


def describe_language_rights(pairs: list[str] | frozenset[str]) -> str:
    by_language: dict[str, list[str]] = {}
    for pair in sorted(pairs):
        language, kind = split_language_right(pair)
        by_language.setdefault(language, []).append(str(LanguageKind(kind).label).lower())
    return "; ".join(
        f"{_('all languages') if language == ALL_LANGUAGES else language} ({', '.join(kinds)})"
        for language, kinds in by_language.items())


class ExclusivityScope(models.TextChoices):
    """What an exclusive licence keeps to itself."""

    TERRITORY_MEDIUM = "territory_medium", _("Per territory and medium, whatever the language")
    LANGUAGE_VERSION = "language_version", _("Per territory, medium and language version")


def period_text(start: dt.date | None, end: dt.date | None) -> str:
    """A stored window (its end exclusive) as people read it: first and last day. A
    window with no start (a holdback "not before" a day) reads "until" its last day."""
    if start is None:
        if end is None:
            return str(_("always"))
        return str(_("until %(last)s (not before %(end)s)") % {
            "last": (end - dt.timedelta(days=1)).isoformat(), "end": end.isoformat()})
    if end is None:
        return str(_("from %(start)s, open-ended") % {"start": start.isoformat()})
    return f"{start.isoformat()} – {(end - dt.timedelta(days=1)).isoformat()}"
