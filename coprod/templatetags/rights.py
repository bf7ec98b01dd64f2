"""Showing rights blocks: territories, media, languages and inclusive last days."""

import datetime as dt

from django import template
from django.utils.translation import gettext as _

from coprod.rights.vocabulary import (
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
    start = window.lower.isoformat()
    end = window.upper
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
