"""Thai Buddhist-era years (พ.ศ., the Gregorian year plus 543) as a personal preference.

Thai readers commonly expect dates in the Buddhist era; others in Thailand (and
international partners) prefer the Gregorian year. A user who chooses it sees every
displayed date's year in the Buddhist era while the interface speaks Thai. Only what is
shown changes: stored dates, form input, ISO and RFC stamps (``c``, ``r``, ``U``), the API
and issued documents stay Gregorian.

Django formats every displayed date (the ``date`` filter, ``{{ value }}``,
``formats.date_format``) through ``django.utils.dateformat.format``, which has no hook for
another calendar; :func:`install` gives it a ``DateFormat`` whose year specifiers follow
the preference of the current request or email.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.utils import dateformat, translation

BUDDHIST_ERA_OFFSET = 543

_buddhist_era: contextvars.ContextVar[bool] = contextvars.ContextVar("buddhist_era",
                                                                     default=False)


def shows_buddhist_era() -> bool:
    """True when years are to be shown in the Buddhist era now: the reader chose it and
    the interface speaks Thai."""
    return _buddhist_era.get() and (translation.get_language() or "").startswith("th")


@contextlib.contextmanager
def buddhist_era(enabled: bool) -> Iterator[None]:
    """Show years in the Buddhist era (when in Thai) for the duration of the block."""
    token = _buddhist_era.set(bool(enabled))
    try:
        yield
    finally:
        _buddhist_era.reset(token)


class EraDateFormat(dateformat.DateFormat):
    """Django's ``DateFormat`` with the year specifiers in the reader's era."""

    def _year(self) -> int:
        return self.data.year + (BUDDHIST_ERA_OFFSET if shows_buddhist_era() else 0)

    def Y(self):  # noqa: N802 (Django's specifier names)
        return f"{self._year():04d}"

    def y(self):
        return f"{self._year() % 100:02d}"

    def o(self):
        iso_year = self.data.isocalendar().year
        return iso_year + (BUDDHIST_ERA_OFFSET if shows_buddhist_era() else 0)


def install() -> None:
    """Route Django's date formatting through :class:`EraDateFormat` (at app ready)."""
    dateformat.DateFormat = EraDateFormat
