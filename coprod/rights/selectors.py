"""Reads for rights: a title's blocks, rights expiring soon, the timeline of windows."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from coprod.catalog.models import Title
from coprod.rights.models import RightsBlock
from coprod.rights.vocabulary import describe_media, describe_territories


def title_rights_blocks(*, title: Title) -> QuerySet[RightsBlock]:
    """Blocks on the title and on the titles it is part of (which cover it too)."""
    ids = [title.pk, *(ancestor.pk for ancestor in title.ancestors())]
    return (RightsBlock.objects.filter(title_id__in=ids)
            .select_related("counterparty", "title").prefetch_related("holdbacks")
            .order_by("direction", "window"))


def rights_expiring(*, within_days: int = 90, today: dt.date | None = None
                    ) -> QuerySet[RightsBlock]:
    """Blocks whose window ends within ``within_days`` from today (end is exclusive, so the
    last day of the right is the day before)."""
    today = today or timezone.localdate()
    return (RightsBlock.objects
            .filter(window__endswith__gt=today,
                    window__endswith__lte=today + dt.timedelta(days=within_days))
            .select_related("title", "counterparty")
            .order_by("window__endswith"))


@dataclass
class TimelineBar:
    block: RightsBlock
    label: str
    x: float  # percent of the axis
    width: float
    open_ended: bool
    holdbacks: list


@dataclass
class Timeline:
    start: dt.date
    end: dt.date
    ticks: list[tuple[float, int]]
    bars: list[TimelineBar]
    today_x: float | None

    @property
    def height(self) -> int:
        return 30 + 26 * len(self.bars)


def title_timeline(*, title: Title, blocks=None) -> Timeline | None:
    """Bars per rights block (territory x media) along a shared time axis, for an SVG."""
    blocks = list(blocks if blocks is not None else title_rights_blocks(title=title))
    if not blocks:
        return None
    today = timezone.localdate()
    starts = [block.window.lower for block in blocks]
    ends = [block.window.upper for block in blocks if block.window.upper]
    axis_start = dt.date(min(starts).year, 1, 1)
    last = max([*ends, *starts, today])
    axis_end = dt.date(last.year + 2, 1, 1)
    span = (axis_end - axis_start).days

    def position(day: dt.date) -> float:
        return round(100 * (day - axis_start).days / span, 3)

    bars = []
    for block in sorted(blocks, key=lambda item: (item.direction, item.window.lower)):
        stop = block.window.upper or axis_end
        holdbacks = [
            {"x": position(max(holdback.window.lower, axis_start)),
             "width": max(position(min(holdback.window.upper or axis_end, axis_end))
                          - position(max(holdback.window.lower, axis_start)), 0.5),
             "holdback": holdback}
            for holdback in block.holdbacks.all()
        ]
        bars.append(TimelineBar(
            block=block,
            label=f"{describe_territories(block.countries)} · {describe_media(block.media)}",
            x=position(block.window.lower), width=max(position(stop) - position(
                block.window.lower), 0.5),
            open_ended=block.window.upper is None, holdbacks=holdbacks,
        ))
    ticks = [(position(dt.date(year, 1, 1)), year)
             for year in range(axis_start.year, axis_end.year + 1)]
    today_x = position(today) if axis_start <= today <= axis_end else None
    return Timeline(start=axis_start, end=axis_end, ticks=ticks, bars=bars, today_x=today_x)
