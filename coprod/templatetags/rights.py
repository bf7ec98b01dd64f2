"""Showing rights blocks: territories, media, languages and inclusive last days."""

import datetime as dt

from django import template
from django.utils.translation import gettext as _

from coprod.rights.vocabulary import (
    country_name,
    describe_language_rights,
    describe_media,
    describe_territories,
    period_text,
)

register = template.Library()


@register.filter
def territories(codes) -> str:
    return describe_territories(codes)


@register.filter
def media_list(values) -> str:
    return describe_media(values)


@register.filter
def language_list(values) -> str:
    return describe_language_rights(values)


@register.filter
def last_day(end: dt.date | None):
    """Stored ends are exclusive; people read the last day of the right."""
    return end - dt.timedelta(days=1) if end else None


@register.filter
def window_text(window) -> str:
    end = window.upper
    if window.lower is None:
        if end is None:
            return _("always")
        return _("not before %(day)s") % {"day": end.isoformat()}
    start = window.lower.isoformat()
    if end is None:
        return _("%(start)s, open-ended") % {"start": start}
    return f"{start} – {(end - dt.timedelta(days=1)).isoformat()}"


@register.simple_tag
def span_text(start: dt.date, end: dt.date | None) -> str:
    return period_text(start, end)


@register.filter
def duration_ms(milliseconds: int | None) -> str:
    """3723000 -> "1:02:03"."""
    if milliseconds is None:
        return ""
    seconds = int(milliseconds) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


# A tile map of Asia, one square per country at a rough (column, row) of its place, west
# to east and north to south, as people picture it; countries elsewhere follow in a grid.
ASIA_TILES = {
    "TR": (1, 1), "GE": (2, 1), "AM": (3, 1), "AZ": (4, 1), "KZ": (6, 1), "MN": (10, 1),
    "KP": (12, 1), "JP": (14, 1),
    "CY": (1, 2), "SY": (2, 2), "IQ": (3, 2), "IR": (4, 2), "TM": (5, 2), "UZ": (6, 2),
    "KG": (7, 2), "CN": (9, 2), "KR": (12, 2),
    "LB": (1, 3), "JO": (2, 3), "KW": (3, 3), "AF": (4, 3), "TJ": (5, 3), "PK": (6, 3),
    "NP": (7, 3), "BT": (8, 3), "TW": (11, 3),
    "IL": (1, 4), "SA": (2, 4), "BH": (3, 4), "QA": (4, 4), "IN": (5, 4), "BD": (7, 4),
    "MM": (8, 4), "LA": (9, 4), "HK": (10, 4), "MO": (11, 4),
    "PS": (1, 5), "YE": (2, 5), "AE": (3, 5), "OM": (4, 5), "MV": (5, 5), "LK": (6, 5),
    "TH": (8, 5), "VN": (9, 5), "PH": (12, 5),
    "KH": (9, 6), "MY": (8, 7), "BN": (10, 7), "SG": (8, 8), "ID": (9, 8), "TL": (11, 8),
}


@register.inclusion_tag("coprod/avails_country_map.html")
def country_map(items, label="", legend="status"):
    """``items``: (code, css class, tooltip) for each country to show. Countries of Asia
    sit on the tile map, the others in a grid after it; ``legend`` is "status" (the
    answer in each country) or "share" (how many titles are available there)."""
    placed, others = [], []
    for code, css_class, tooltip in items:
        tile = {"code": code, "class": css_class, "tooltip": tooltip, "name": country_name(code)}
        if code in ASIA_TILES:
            tile["column"], tile["row"] = ASIA_TILES[code]
            placed.append(tile)
        else:
            others.append(tile)
    if placed:  # only the part of the map the countries asked about cover
        left = min(tile["column"] for tile in placed) - 1
        top = min(tile["row"] for tile in placed) - 1
        for tile in placed:
            tile["column"] -= left
            tile["row"] -= top
    if legend == "share":
        keys = [("share-0", _("none")), ("share-1", _("under 25%")), ("share-2", _("25–49%")),
                ("share-3", _("50–74%")),
                # xgettext:no-python-format ("% o" is no placeholder)
                ("share-4", _("75% or more"))]
    else:
        keys = [("available", _("Available")), ("partial", _("Partly available")),
                ("unavailable", _("Not available"))]
    return {"placed": placed, "others": others, "label": label, "keys": keys,
            "columns": max((tile["column"] for tile in placed), default=0)}


@register.simple_tag
def country_status_tiles(answer):
    """(code, status, tooltip) of each asked country of a title's answer, for the map."""
    return [(country.code, country.status,
             f"{country.name}: {status_label(country.status)}")
            for country in answer.countries]


@register.simple_tag
def country_share_tiles(summary):
    """(code, shade, tooltip) of each country of a search's per-country summary."""
    return [(item.code, item.shade, _("%(name)s: %(available)d of %(total)d titles available, "
                                      "%(partial)d partly") % {
        "name": item.name, "available": item.available, "total": item.total,
        "partial": item.partial}) for item in summary]


@register.filter
def status_label(status: str) -> str:
    return {"available": _("Available"), "partial": _("Partly available"),
            "unavailable": _("Not available")}.get(status, status)


@register.filter
def country_status(answer, code: str) -> str:
    return answer.country_status(code)


@register.filter
def country_label(code: str) -> str:
    return country_name(code)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The page's query string with some parameters changed (None or "" removes one)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    return query.urlencode()
