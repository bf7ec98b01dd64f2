"""Reads for rights: a title's blocks, rights expiring soon, the timeline of windows, and
the avails search over chosen titles or the whole catalog."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

from coprod.catalog.models import Genre, Title
from coprod.rights.avails import (
    AvailsQuery,
    Status,
    TitleAvailability,
    availability,
    describe,
    no_cycle_collection,
)
from coprod.rights.models import RightsBlock
from coprod.rights.vocabulary import country_name, describe_media, describe_territories

AVAILS_PAGE_SIZE = 50


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
            {"x": position(max(holdback.window.lower or axis_start, axis_start)),
             "width": max(position(min(holdback.window.upper or axis_end, axis_end))
                          - position(max(holdback.window.lower or axis_start, axis_start)),
                          0.5),
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


# --- the avails search ------------------------------------------------------------------------


@dataclass(slots=True)
class AvailsRow:
    """One title of an avails search: what it is, where it sits, and the answer. The
    label and genres are read for the rows shown (``describe_rows``)."""

    title_id: int
    kind: str
    original_title: str
    romanized: str
    year: int
    number: int | None
    parent_id: int | None
    grandparent_id: int | None
    answer: TitleAvailability
    depth: int = 0  # 0 for a listed title, 1 and 2 for its seasons and episodes
    label: str = ""
    genres: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.answer.status

    @property
    def kind_label(self) -> str:
        return str(Title.Kind(self.kind).label)

    @property
    def root_id(self) -> int:
        """The series of a season or episode, else the title itself."""
        return self.grandparent_id or self.parent_id or self.title_id


@dataclass
class CountrySummary:
    """How many of the titles found are available, partly or not in one country."""

    code: str
    available: int
    partial: int
    unavailable: int

    @property
    def name(self) -> str:
        return country_name(self.code)

    @property
    def total(self) -> int:
        return self.available + self.partial + self.unavailable

    @property
    def share_available(self) -> int:
        """Percent of the titles wholly available (rounded down)."""
        return 100 * self.available // self.total if self.total else 0

    @property
    def shade(self) -> str:
        """A class for the map: none, few, some, many, most of the titles available."""
        if not self.available and not self.partial:
            return "share-0"
        return f"share-{min(4, 1 + self.share_available // 25)}"


@dataclass
class AvailsSearch:
    query: AvailsQuery
    rows: list[AvailsRow]  # every title that passed the filters, sorted
    totals: dict[str, int]  # answers over ``rows``
    shown: list[AvailsRow]  # ``rows`` with the status filter applied
    page: Page
    countries: tuple[str, ...]

    @property
    def per_country(self) -> bool:
        return len(self.countries) > 1

    def country_summary(self) -> list[CountrySummary]:
        """Per asked country, over every title found (titles with the same per-country
        answers are counted together, so ten thousand titles cost a few hundred steps)."""
        answers = Counter(row.answer.masks for row in self.rows)
        bits = {code: 1 << index for index, code in enumerate(self.countries)}
        counts = {code: [0, 0, 0] for code in self.countries}
        for (ever, always), number in answers.items():
            for code, bit in bits.items():
                counts[code][2 if always & bit else 1 if ever & bit else 0] += number
        return [CountrySummary(code, *counts[code]) for code in self.countries]


_TITLE_COLUMNS = ("id", "kind", "original_title", "romanized_title", "year", "number",
                  "parent_id", "parent__parent_id")


def _listed_titles(*, title_ids: list[int] | None, text: str = "", genre: Genre | None = None,
                   kind: str = "", year_from: int | None = None, year_to: int | None = None,
                   include_parts: bool = False) -> list[tuple]:
    """The titles a search asks about, as ``_TITLE_COLUMNS`` tuples: the chosen ones or
    the catalog's films and series, narrowed by the filters, then (on request) their
    seasons and episodes."""
    titles = Title.objects.all()
    titles = titles.filter(pk__in=title_ids) if title_ids is not None else titles.filter(
        parent__isnull=True)
    text = text.strip()
    if text:
        titles = titles.filter(pk__in=Title.objects.filter(
            Q(original_title__icontains=text) | Q(romanized_title__icontains=text)
            | Q(english_title__icontains=text)
            | Q(localizations__localized_title__icontains=text)).values("pk"))
    if genre is not None:
        titles = titles.filter(pk__in=genre.titles.values("pk"))
    if kind:
        titles = titles.filter(kind=kind)
    if year_from is not None:
        titles = titles.filter(year__gte=year_from)
    if year_to is not None:
        titles = titles.filter(year__lte=year_to)
    rows = list(titles.values_list(*_TITLE_COLUMNS))
    if include_parts:
        listed = {row[0] for row in rows}
        parts = Title.objects.filter(Q(parent__in=titles.values("pk"))
                                     | Q(parent__parent__in=titles.values("pk")))
        rows += [row for row in parts.values_list(*_TITLE_COLUMNS) if row[0] not in listed]
    return rows


def _sort_key(sort: str):
    def title_key(row: AvailsRow):
        return (row.romanized.casefold(), row.original_title, row.title_id)

    if sort == "year":
        return lambda row: (-row.year, title_key(row))
    if sort == "status":
        order = Status.ORDER
        return lambda row: (order[row.answer.status], title_key(row))
    if sort == "free":
        return lambda row: (-row.answer.free_days, title_key(row))
    return title_key


def avails_search(*, query: AvailsQuery, title_ids: list[int] | None = None, text: str = "",
                  genre: Genre | None = None, kind: str = "", year_from: int | None = None,
                  year_to: int | None = None, include_parts: bool = False, status: str = "",
                  sort: str = "title", page: int = 1,
                  page_size: int | None = None) -> AvailsSearch:
    """Answer ``query`` for the chosen titles (None: the whole catalog), filtered by name,
    genre, kind and year; each title's seasons and episodes follow it when asked for. Rows
    are sorted (``title``, ``year``, ``status``, ``free``), filtered by answer and cut into
    pages; the page's rows are labelled and their reasons worded at once."""
    with no_cycle_collection():
        listed = _listed_titles(title_ids=title_ids, text=text, genre=genre, kind=kind,
                                year_from=year_from, year_to=year_to,
                                include_parts=include_parts)
        answers = availability([row[0] for row in listed], query, known_titles=True)
        rows = [AvailsRow(*row, answer=answers[row[0]]) for row in listed]
        ordered = _nested(rows, _sort_key(sort))
        totals = Counter(row.answer.status for row in ordered)
        shown = [row for row in ordered if row.answer.status == status] if status else ordered
    page_of_rows = Paginator(shown, page_size or AVAILS_PAGE_SIZE).get_page(page)
    describe_rows(page_of_rows.object_list)
    return AvailsSearch(query=query, rows=ordered,
                        totals={key: totals.get(key, 0) for key in Status.ORDER},
                        shown=shown, page=page_of_rows, countries=tuple(sorted(query.countries)))


def _nested(rows: list[AvailsRow], key) -> list[AvailsRow]:
    """The rows sorted, each season and episode right after its nearest listed parent,
    in number order."""
    by_id = {row.title_id: row for row in rows}
    children: dict[int, list[AvailsRow]] = defaultdict(list)
    tops = []
    for row in rows:
        parent = (row.parent_id if row.parent_id in by_id else
                  row.grandparent_id if row.grandparent_id in by_id else None)
        (children[parent] if parent else tops).append(row)
    tops.sort(key=key)
    if not children:
        return tops
    ordered: list[AvailsRow] = []

    def add(row: AvailsRow, depth: int) -> None:
        row.depth = depth
        ordered.append(row)
        for child in sorted(children.get(row.title_id, ()), key=lambda item: (
                by_id[item.parent_id].number or 0 if item.parent_id in by_id else 0,
                item.number or 0, item.title_id)):
            add(child, depth + 1)

    for row in tops:
        add(row, 0)
    return ordered


def describe_rows(rows: list[AvailsRow]) -> None:
    """Label the rows as ``Title.__str__`` would (a season with its series, an episode
    with its season), give them their genres (a season's or episode's are its series'),
    and read what their reasons will name."""
    parent_ids = {row.parent_id for row in rows if row.parent_id}
    parents = {parent.pk: parent for parent in
               Title.objects.filter(pk__in=parent_ids).select_related("parent")}
    genres = defaultdict(list)
    ids = {row.title_id for row in rows} | {row.root_id for row in rows}
    for title_id, name in (Title.genres.through.objects.filter(title_id__in=ids)
                           .order_by("genre__name").values_list("title_id", "genre__name")):
        genres[title_id].append(name)
    for row in rows:
        if row.parent_id and row.kind in (Title.Kind.SEASON, Title.Kind.EPISODE):
            parent = parents[row.parent_id]
            row.label = (f"{parent.original_title} S{row.number or '?'}"
                         if row.kind == Title.Kind.SEASON else f"{parent} E{row.number or '?'}")
        else:
            row.label = f"{row.original_title} ({row.year})"
        row.genres = genres.get(row.title_id) or genres.get(row.root_id, [])
    describe(row.answer for row in rows)
