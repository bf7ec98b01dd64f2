"""Statement periods: a month, a quarter, a half-year or a year, chosen per agreement.

Labels sort in time order as text within one length: ``2026-03`` (a month), ``2026-Q1``
(a quarter), ``2026-H1`` (a half-year), ``2026`` (a year).
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class PeriodLength(models.TextChoices):
    MONTH = "month", gettext_lazy("Month")
    QUARTER = "quarter", gettext_lazy("Quarter")
    HALF_YEAR = "half_year", gettext_lazy("Half-year")
    YEAR = "year", gettext_lazy("Year")


MONTHS = {PeriodLength.MONTH: 1, PeriodLength.QUARTER: 3, PeriodLength.HALF_YEAR: 6,
          PeriodLength.YEAR: 12}
PATTERNS = {
    PeriodLength.MONTH: re.compile(r"(?P<year>\d{4})-(?P<index>0[1-9]|1[0-2])"),
    PeriodLength.QUARTER: re.compile(r"(?P<year>\d{4})-Q(?P<index>[1-4])"),
    PeriodLength.HALF_YEAR: re.compile(r"(?P<year>\d{4})-H(?P<index>[12])"),
    PeriodLength.YEAR: re.compile(r"(?P<year>\d{4})"),
}
EXAMPLES = {PeriodLength.MONTH: "2026-03", PeriodLength.QUARTER: "2026-Q1",
            PeriodLength.HALF_YEAR: "2026-H1", PeriodLength.YEAR: "2026"}


class PeriodError(ValueError):
    pass


def periods_per_year(length: str) -> int:
    return 12 // MONTHS[PeriodLength(length)]


def length_of(label: str) -> PeriodLength:
    """The length a label is written in."""
    for length, pattern in PATTERNS.items():
        if pattern.fullmatch(label or ""):
            return length
    raise PeriodError(_("%(label)r is not a period (write 2026-03, 2026-Q1, 2026-H1 or "
                        "2026).") % {"label": label})


def period_check(length: str, label: str) -> str:
    """The label, if it is a period of this length."""
    length = PeriodLength(length)
    label = (label or "").strip().upper()
    match = PATTERNS[length].fullmatch(label)
    if match is None or int(match["year"]) < 1900:
        raise PeriodError(_("This agreement is accounted by %(length)s: write the period "
                            "as %(example)s.")
                          % {"length": length.label.lower(), "example": EXAMPLES[length]})
    return label


def _parts(label: str) -> tuple[PeriodLength, int, int]:
    length = length_of(label)
    match = PATTERNS[length].fullmatch(label)
    index = int(match["index"]) if length != PeriodLength.YEAR else 1
    return length, int(match["year"]), index


def period_bounds(label: str) -> tuple[dt.date, dt.date]:
    """First and last day of the period."""
    length, year, index = _parts(label)
    months = MONTHS[length]
    first_month = (index - 1) * months + 1
    first = dt.date(year, first_month, 1)
    end_month = first_month + months
    after = dt.date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return first, after - dt.timedelta(days=1)


def period_of(length: str, day: dt.date) -> str:
    """The period of this length that contains ``day``."""
    length = PeriodLength(length)
    index = (day.month - 1) // MONTHS[length] + 1
    if length == PeriodLength.MONTH:
        return f"{day.year}-{index:02d}"
    if length == PeriodLength.QUARTER:
        return f"{day.year}-Q{index}"
    if length == PeriodLength.HALF_YEAR:
        return f"{day.year}-H{index}"
    return f"{day.year}"


def period_start(length: str, day: dt.date) -> dt.date:
    """The first day of the period of this length that contains ``day``."""
    return period_bounds(period_of(length, day))[0]


def period_next(label: str) -> str:
    length = length_of(label)
    return period_of(length, period_bounds(label)[1] + dt.timedelta(days=1))


def period_key(label: str) -> dt.date:
    """Sorts periods in time order whatever their length."""
    return period_bounds(label)[0]


def periods_between(first: str, last: str) -> list[str]:
    """Every period from ``first`` to ``last`` inclusive, in order."""
    labels = []
    label = first
    while period_key(label) <= period_key(last):
        labels.append(label)
        label = period_next(label)
    return labels
