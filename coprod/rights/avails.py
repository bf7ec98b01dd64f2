"""The avails engine: may the venture license these rights for this window?

One engine answers the avails search and validates every new rights-out block. A title
is available for a query when, over the whole window, every (country, medium, language)
cell is held through a rights-in block on the title or one of its parents, no grant
conflicts (an exclusive grant, or any grant when the query is exclusive) on the title,
its parents or its parts, and no holdback applies.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _
from psycopg.types.range import DateRange

from coprod.catalog.models import Title
from coprod.rights.models import Holdback, RightsBlock
from coprod.rights.vocabulary import (
    ExclusivityScope,
    describe_language_rights,
    describe_media,
    describe_territories,
    period_text,
)

OPEN_END = dt.date.max


class Status:
    AVAILABLE = "available"
    PARTIAL = "partial"
    UNAVAILABLE = "unavailable"


class ReasonKind:
    NOT_HELD = "not_held"
    NOT_EXCLUSIVE = "not_exclusive"
    CONFLICT = "conflict"
    HOLDBACK = "holdback"


@dataclass(frozen=True)
class AvailsQuery:
    countries: frozenset[str]
    media: frozenset[str]
    language_rights: frozenset[str]
    start: dt.date
    end: dt.date | None  # exclusive; None is open-ended
    exclusive: bool
    exclusivity_scope: str = ExclusivityScope.TERRITORY_MEDIUM

    def __post_init__(self):
        if self.end is not None and self.end <= self.start:
            raise ValueError(_("The window must end after it starts."))

    @property
    def stop(self) -> dt.date:
        return self.end or OPEN_END


@dataclass(frozen=True)
class _Block:
    id: int
    direction: str
    title_id: int
    countries: frozenset[str]
    media: frozenset[str]
    language_rights: frozenset[str]
    start: dt.date
    stop: dt.date
    exclusive: bool
    counterparty: str
    contract_reference: str
    exclusivity_scope: str = ExclusivityScope.TERRITORY_MEDIUM


@dataclass(frozen=True)
class _Holdback:
    id: int
    block_id: int
    title_id: int
    countries: frozenset[str]
    media: frozenset[str]
    start: dt.date
    stop: dt.date
    description: str


@dataclass
class Reason:
    kind: str
    start: dt.date
    end: dt.date | None
    message: str
    block_id: int | None = None
    holdback_id: int | None = None

    @property
    def key(self) -> tuple:
        return (self.kind, self.block_id, self.holdback_id, self.message)

    @property
    def period(self) -> str:
        """The reason's dates, first and last day."""
        return period_text(self.start, self.end)

    @property
    def text(self) -> str:
        """The message with its dates, as a refusal says it."""
        return f"{self.message} ({self.period})"


@dataclass
class TitleAvailability:
    title_id: int
    status: str
    free_windows: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.status == Status.AVAILABLE


def availability(title_ids: Iterable[int], query: AvailsQuery) -> dict[int, TitleAvailability]:
    """Answer ``query`` for each title, with three queries whatever the number of titles."""
    title_ids = list(dict.fromkeys(title_ids))
    holders, relatives = _title_families(title_ids)
    window = DateRange(query.start, query.end, "[)")
    everyone = set().union(*relatives.values()) if relatives else set()
    blocks = _load_blocks(everyone, query, window)
    holdbacks = _load_holdbacks(everyone, query, window)
    result = {}
    for title_id in title_ids:
        holding = holders[title_id]
        family = relatives[title_id]
        rights_in = [block for block in blocks.get("in", ()) if block.title_id in holding]
        rights_out = [block for block in blocks.get("out", ()) if block.title_id in family]
        applicable_holdbacks = [holdback for holdback in holdbacks
                                if holdback.title_id in family]
        result[title_id] = evaluate(title_id, query, rights_in, rights_out, applicable_holdbacks)
    return result


def holding_gaps(title_id: int, query: AvailsQuery, *,
                 ignoring: Iterable[int] = ()) -> list[Reason]:
    """What of ``query`` the venture would not hold on ``title_id`` (through its own and its
    parents' rights in) without the rights-in blocks ``ignoring``: the grants that rest on
    a block are the ones that would have gaps without it."""
    holders, _relatives = _title_families([title_id])
    window = DateRange(query.start, query.end, "[)")
    ignored = set(ignoring)
    rights_in = [block for block in _load_blocks(holders[title_id], query, window).get("in", ())
                 if block.id not in ignored]
    return evaluate(title_id, query, rights_in, [], []).reasons


def evaluate(title_id: int, query: AvailsQuery, rights_in: list[_Block],
             rights_out: list[_Block], holdbacks: list[_Holdback]) -> TitleAvailability:
    """The pure rule, over blocks already narrowed to this title and query."""
    start, stop = query.start, query.stop
    points = {start, stop}
    for item in (*rights_in, *rights_out, *holdbacks):
        for point in (item.start, item.stop):
            if start < point < stop:
                points.add(point)
    edges = sorted(points)
    free: list[tuple[dt.date, dt.date]] = []
    reasons: dict[tuple, Reason] = {}
    cells = [(medium, language) for medium in sorted(query.media)
             for language in sorted(query.language_rights)]
    for segment_start, segment_stop in zip(edges, edges[1:], strict=False):
        found = []
        found += _not_held(query, cells, rights_in, segment_start, segment_stop)
        found += _conflicts(query, rights_out, segment_start, segment_stop)
        found += _holdbacks(query, holdbacks, segment_start, segment_stop)
        if not found:
            if free and free[-1][1] == segment_start:
                free[-1] = (free[-1][0], segment_stop)
            else:
                free.append((segment_start, segment_stop))
        for reason in found:
            existing = reasons.get(reason.key)
            if existing is not None and (existing.end or OPEN_END) == segment_start:
                existing.end = reason.end
            elif existing is None:
                reasons[reason.key] = reason
            else:
                reasons[(*reason.key, segment_start)] = reason
    if free == [(start, stop)]:
        status = Status.AVAILABLE
    elif free:
        status = Status.PARTIAL
    else:
        status = Status.UNAVAILABLE
    return TitleAvailability(
        title_id=title_id,
        status=status,
        free_windows=[(a, None if b == OPEN_END else b) for a, b in free],
        reasons=sorted(reasons.values(), key=lambda reason: (reason.start, reason.kind)),
    )


def _covers(item, segment_start: dt.date, segment_stop: dt.date) -> bool:
    return item.start <= segment_start and item.stop >= segment_stop


def _end(day: dt.date) -> dt.date | None:
    return None if day == OPEN_END else day


def _not_held(query, cells, rights_in, segment_start, segment_stop) -> list[Reason]:
    """Cells not held for the segment; for an exclusive query, also cells held only
    non-exclusively (a grant is never more exclusive than the rights it rests on)."""
    active = [block for block in rights_in if _covers(block, segment_start, segment_stop)]
    missing_by_cell: dict[tuple[str, frozenset[str]], list[tuple[str, str]]] = \
        defaultdict(list)
    for medium, language in cells:
        held: set[str] = set()
        held_exclusively: set[str] = set()
        for block in active:
            if medium in block.media and language in block.language_rights:
                held |= block.countries
                if block.exclusive:
                    held_exclusively |= block.countries
        missing = query.countries - held
        if missing:
            missing_by_cell[(ReasonKind.NOT_HELD, frozenset(missing))].append(
                (medium, language))
        shared = (query.countries & held) - held_exclusively if query.exclusive else set()
        if shared:
            missing_by_cell[(ReasonKind.NOT_EXCLUSIVE, frozenset(shared))].append(
                (medium, language))
    messages = {
        ReasonKind.NOT_HELD: _("Not held: %(media)s, %(languages)s in %(territory)s"),
        ReasonKind.NOT_EXCLUSIVE: _("Held only non-exclusively, so not grantable "
                                    "exclusively: %(media)s, %(languages)s in %(territory)s"),
    }
    reasons = []
    for (kind, missing), pairs in missing_by_cell.items():
        media = {medium for medium, _language in pairs}
        languages = {language for _medium, language in pairs}
        reasons.append(Reason(
            kind=kind, start=segment_start, end=_end(segment_stop),
            message=messages[kind] % {
                "media": describe_media(media),
                "languages": describe_language_rights(languages),
                "territory": describe_territories(missing),
            },
        ))
    return reasons


def _conflicts(query, rights_out, segment_start, segment_stop) -> list[Reason]:
    reasons = []
    for block in rights_out:
        if not (block.start < segment_stop and segment_start < block.stop):
            continue
        if not (block.exclusive or query.exclusive):
            continue
        overlap = block.countries & query.countries
        if not overlap or not (block.media & query.media):
            continue
        # An exclusive licence per territory and medium keeps every language version to
        # itself; one per language version only its own.
        same_language = bool(block.language_rights & query.language_rights)
        block_keeps = block.exclusive and (
            same_language or block.exclusivity_scope == ExclusivityScope.TERRITORY_MEDIUM)
        query_keeps = query.exclusive and (
            same_language or query.exclusivity_scope == ExclusivityScope.TERRITORY_MEDIUM)
        if not (block_keeps or query_keeps):
            continue
        if block_keeps:
            message = _("Conflicts with exclusive grant #%(id)s to %(licensee)s (%(contract)s) "
                        "in %(territory)s")
        else:
            message = _("An exclusive grant would conflict with grant #%(id)s to %(licensee)s "
                        "(%(contract)s) in %(territory)s")
        if not same_language:
            message += _(" (exclusive per territory and medium, whatever the language)")
        reasons.append(Reason(
            kind=ReasonKind.CONFLICT, start=max(segment_start, block.start),
            end=_end(min(segment_stop, block.stop)), block_id=block.id,
            message=message % {"id": block.id, "licensee": block.counterparty,
                               "contract": block.contract_reference,
                               "territory": describe_territories(overlap)},
        ))
    return reasons


def _holdbacks(query, holdbacks, segment_start, segment_stop) -> list[Reason]:
    reasons = []
    for holdback in holdbacks:
        if not (holdback.start < segment_stop and segment_start < holdback.stop):
            continue
        overlap = holdback.countries & query.countries
        if not overlap or not (holdback.media & query.media):
            continue
        reasons.append(Reason(
            kind=ReasonKind.HOLDBACK, start=max(segment_start, holdback.start),
            end=_end(min(segment_stop, holdback.stop)), holdback_id=holdback.id,
            block_id=holdback.block_id,
            message=_("Holdback #%(id)s (on block #%(block)s) in %(territory)s%(description)s")
            % {"id": holdback.id, "block": holdback.block_id,
               "territory": describe_territories(overlap),
               "description": f": {holdback.description}" if holdback.description else ""},
        ))
    return reasons


def _title_families(title_ids: list[int]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """For each title: the ids whose rights-in it inherits (itself and its parents), and
    the ids whose grants and holdbacks touch it (those plus its seasons and episodes)."""
    rows = Title.objects.filter(id__in=title_ids).values_list(
        "id", "parent_id", "parent__parent_id")
    holders = {title_id: {title_id} | {parent for parent in parents if parent}
               for title_id, *parents in rows}
    relatives = {title_id: set(ids) for title_id, ids in holders.items()}
    descendants = Title.objects.filter(
        Q(parent_id__in=title_ids) | Q(parent__parent_id__in=title_ids)
    ).values_list("id", "parent_id", "parent__parent_id")
    for child_id, parent_id, grandparent_id in descendants:
        for ancestor in (parent_id, grandparent_id):
            if ancestor in relatives:
                relatives[ancestor].add(child_id)
    for title_id in title_ids:
        if title_id not in holders:
            raise Title.DoesNotExist(f"title {title_id} does not exist")
    return holders, relatives


def _stop(window) -> dt.date:
    return window.upper or OPEN_END


def _load_blocks(title_ids: set[int], query: AvailsQuery, window) -> dict[str, list[_Block]]:
    # Rights in count only for the languages asked; a grant may conflict in any language
    # (an exclusive licence per territory and medium covers them all).
    rows = RightsBlock.objects.filter(
        Q(direction=RightsBlock.Direction.OUT)
        | Q(language_rights__overlap=sorted(query.language_rights)),
        title_id__in=title_ids,
        countries__overlap=sorted(query.countries),
        media__overlap=sorted(query.media),
        window__overlap=window,
    ).values_list("id", "direction", "title_id", "countries", "media", "language_rights",
                  "window", "exclusive", "counterparty__name", "contract_reference",
                  "exclusivity_scope")
    blocks: dict[str, list[_Block]] = defaultdict(list)
    for (block_id, direction, title_id, countries, media, language_rights, block_window,
         exclusive, counterparty, contract, exclusivity_scope) in rows:
        blocks[direction].append(_Block(
            id=block_id, direction=direction, title_id=title_id,
            countries=frozenset(countries), media=frozenset(media),
            language_rights=frozenset(language_rights), start=block_window.lower,
            stop=_stop(block_window), exclusive=exclusive, counterparty=counterparty,
            contract_reference=contract, exclusivity_scope=exclusivity_scope,
        ))
    return blocks


def _load_holdbacks(title_ids: set[int], query: AvailsQuery, window) -> list[_Holdback]:
    rows = Holdback.objects.filter(
        rights_block__title_id__in=title_ids,
        countries__overlap=sorted(query.countries),
        media__overlap=sorted(query.media),
        window__overlap=window,
    ).values_list("id", "rights_block_id", "rights_block__title_id", "countries", "media",
                  "window", "description")
    holdbacks = []
    for holdback_id, block_id, title_id, countries, media, window_, description in rows:
        holdbacks.append(_Holdback(
            id=holdback_id, block_id=block_id, title_id=title_id,
            countries=frozenset(countries), media=frozenset(media), start=window_.lower,
            stop=_stop(window_), description=description,
        ))
    return holdbacks
