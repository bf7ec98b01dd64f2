"""The avails engine: may the venture license these rights for this window?

One engine answers the avails search (a few titles or the whole catalog) and validates
every new rights-out block. A title is available for a query when, over the whole window,
every (country, medium, language) cell is held through a rights-in block on the title or
one of its parents, no grant conflicts (an exclusive grant, or any grant when the query is
exclusive) on the title, its parents or its parts, and no holdback applies. A query on
several countries (a group such as ``ASIA``) is answered for each country as well.

How it stays fast: each distinct scope (countries, media, languages) is compared with the
query once, giving its countries as a bit mask over the asked countries and the asked
cells (medium x language version) it holds; the blocks are read from the narrow avails
index (``avails_store``): by family for a few titles, in one or two passes over the whole
index for many, reading then only what decides the answers (the rights in, and the grants
and holdbacks of the titles those could leave free). Each title's window is cut at every
block edge and swept with integer masks (``_sweep``), the same pure function for one title
and for the whole catalog; the reasons (``_explain``) are worked out, and their blocks
read again if need be, only when someone reads them.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext as _

from coprod.catalog.models import Title
from coprod.rights import avails_store as store
from coprod.rights.vocabulary import (
    ExclusivityScope,
    country_name,
    describe_language_rights,
    describe_media,
    describe_territories,
    language_ranges_covering,
    language_right_covers,
    language_rights_overlap,
    period_text,
    split_language_right,
)

OPEN_END = dt.date.max
_FIRST_DAY = dt.date.min.toordinal()
_OPEN_DAY = OPEN_END.toordinal()
# Up to this many titles a search reads the blocks of their families by title; beyond,
# one pass over the avails index is cheaper, narrowed to the asked titles' families until
# they are this many, when reading every title's blocks is cheaper still.
FAMILY_SEARCH_LIMIT = 200
WHOLE_CATALOG_FROM = 4000
READ_BY_FAMILY = 200  # titles whose reasons are read at once


class Status:
    AVAILABLE = "available"
    PARTIAL = "partial"
    UNAVAILABLE = "unavailable"

    ORDER = {AVAILABLE: 0, PARTIAL: 1, UNAVAILABLE: 2}


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
        if not (self.countries and self.media and self.language_rights):
            raise ValueError(_("Ask for at least one country, medium and language."))

    @property
    def stop(self) -> dt.date:
        return self.end or OPEN_END


@dataclass
class Reason:
    kind: str
    start: dt.date
    end: dt.date | None
    message: str
    block_id: int | None = None
    holdback_id: int | None = None
    countries: frozenset[str] = frozenset()  # the asked countries it concerns

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
class CountryAvailability:
    """The answer for one country of a query on several."""

    code: str
    status: str
    free_windows: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)

    @property
    def name(self) -> str:
        return country_name(self.code)


def _date(day: int) -> dt.date:
    return dt.date.fromordinal(day)


def _end_date(day: int) -> dt.date | None:
    return None if day == _OPEN_DAY else dt.date.fromordinal(day)


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[dt.date, dt.date | None]]:
    windows: list[list[int]] = []
    for start, stop in spans:
        if windows and windows[-1][1] == start:
            windows[-1][1] = stop
        else:
            windows.append([start, stop])
    return [(_date(start), _end_date(stop)) for start, stop in windows]


_UNREAD = object()  # blocks that decided the answer, to read by family for the reasons


class TitleAvailability:
    """The answer for one title: its status, free windows and reasons, overall and per
    country. ``segments`` are the window cut at every block edge, each with the mask of
    the asked countries that something blocks in it."""

    def __init__(self, title_id: int, status: str, *, plan: _Plan,
                 segments: list[tuple[int, int, int]], blocks: tuple | None):
        self.title_id = title_id
        self.status = status
        self._plan = plan
        self._segments = segments
        self._blocks = blocks  # (held, conflicts, holdbacks) as compared with the query

    @cached_property
    def _facts(self) -> list[list]:
        plan = self._plan
        if self._blocks is _UNREAD:
            plan.read_blocks([self])
        if self._blocks is None:
            return [[ReasonKind.NOT_HELD, plan.start, plan.stop, plan.everywhere,
                     plan.all_cells, None, None, None]]
        held, conflicts, holdbacks = self._blocks
        # Reasons in a stable order: grants and holdbacks by id.
        return _explain(plan, held, sorted(conflicts, key=lambda item: item[3]),
                        sorted(holdbacks, key=lambda item: item[3]))

    def __repr__(self) -> str:
        return f"<TitleAvailability {self.title_id} {self.status}>"

    @property
    def available(self) -> bool:
        return self.status == Status.AVAILABLE

    @cached_property
    def free_windows(self) -> list[tuple[dt.date, dt.date | None]]:
        return _merged((start, stop) for start, stop, blocked in self._segments if not blocked)

    @cached_property
    def reasons(self) -> list[Reason]:
        self._plan.load_names(*self.named)
        return [self._plan.reason(fact) for fact in self._facts]

    @property
    def named(self) -> tuple[set[int], set[int]]:
        """The grants and holdbacks that the reasons may name."""
        if self._blocks is _UNREAD:
            self._plan.read_blocks([self])
        if not self._blocks:
            return set(), set()
        return {item[3] for item in self._blocks[1]}, {item[3] for item in self._blocks[2]}

    @cached_property
    def free_days(self) -> int:
        """Days free over the window (an open-ended window counts up to 9999-12-31)."""
        return sum(stop - start for start, stop, blocked in self._segments if not blocked)

    @cached_property
    def masks(self) -> tuple[int, int]:
        """(asked countries blocked at some time, asked countries blocked all the time), as
        bits in the order of the sorted country codes."""
        ever, always = 0, self._plan.everywhere
        for _start, _stop, blocked in self._segments:
            ever |= blocked
            always &= blocked
        return ever, always

    def country_status(self, code: str) -> str:
        bit = self._plan.bit[code]
        ever, always = self.masks
        if always & bit:
            return Status.UNAVAILABLE
        return Status.PARTIAL if ever & bit else Status.AVAILABLE

    @cached_property
    def countries_by_status(self) -> dict[str, list[str]]:
        """The asked countries under each status, in code order."""
        grouped: dict[str, list[str]] = {Status.AVAILABLE: [], Status.PARTIAL: [],
                                         Status.UNAVAILABLE: []}
        for code in self._plan.countries:
            grouped[self.country_status(code)].append(code)
        return grouped

    def country(self, code: str) -> CountryAvailability:
        bit = self._plan.bit[code]
        return CountryAvailability(
            code=code, status=self.country_status(code),
            free_windows=_merged((start, stop) for start, stop, blocked in self._segments
                                 if not blocked & bit),
            reasons=[reason for reason in self.reasons if code in reason.countries])

    @property
    def countries(self) -> list[CountryAvailability]:
        return [self.country(code) for code in self._plan.countries]


@dataclass(frozen=True)
class _Scope:
    """A scope compared with a query: the asked countries it names (as bits), the cells it
    holds as rights in (bits over ``_Plan.cells``), whether it shares a language version
    with the query, and whether a holdback on it would apply (it names no language, so
    every one, or shares one)."""

    mask: int
    held_cells: int
    same_language: bool
    holdback_applies: bool


class _Plan:
    """A query made ready for the sweep: the asked countries as bits, the cells (medium x
    language right) as bits, day numbers, and what was learnt of scopes and blocks."""

    def __init__(self, query: AvailsQuery):
        self.query = query
        self.countries = tuple(sorted(query.countries))
        self.bit = {code: 1 << index for index, code in enumerate(self.countries)}
        self.everywhere = (1 << len(self.countries)) - 1
        self.cells = tuple((medium, right) for medium in sorted(query.media)
                           for right in sorted(query.language_rights))
        self.all_cells = (1 << len(self.cells)) - 1
        self.cell_bits = tuple(1 << index for index in range(len(self.cells)))
        self.start = query.start.toordinal()
        self.stop = query.stop.toordinal()
        self.exclusive = query.exclusive
        self.query_keeps_every_language = (
            query.exclusive and query.exclusivity_scope == ExclusivityScope.TERRITORY_MEDIUM)
        # The language rights a held block may name to cover an asked one (``ja:sub`` is
        # covered by ``ja:sub`` and ``*:sub``), for PostgreSQL to narrow rights in.
        self.covering_rights = sorted({
            f"{language}:{kind}" for right in query.language_rights
            for kind in [split_language_right(right)[1]]
            for language in language_ranges_covering(split_language_right(right)[0])})
        self.names: dict[int, tuple[str, str]] = {}
        self.holdback_details: dict[int, tuple[int, str, list[str]]] = {}
        self._scopes: dict = {}
        self._texts: dict = {}

    # --- comparing scopes with the query ---------------------------------------------

    def mask(self, countries) -> int:
        bits = self.bit
        mask = 0
        if len(countries) > len(bits):  # a wide territory (WORLD) against a few countries
            members = countries if isinstance(countries, (set, frozenset)) else set(countries)
            for code, bit in bits.items():
                if code in members:
                    mask |= bit
        else:
            for code in countries:
                mask |= bits.get(code, 0)
        return mask

    def scope(self, key, countries, media, language_rights) -> _Scope | None:
        """The scope compared with the query, once per scope; None when it shares no
        country or medium with it."""
        try:
            return self._scopes[key]
        except KeyError:
            pass
        mask = self.mask(countries)
        media = set(media)
        prepared = None
        if mask and not media.isdisjoint(self.query.media):
            held_cells = 0
            for index, (medium, asked) in enumerate(self.cells):
                if medium in media and any(language_right_covers(right, asked)
                                           for right in language_rights):
                    held_cells |= 1 << index
            same_language = any(language_rights_overlap(right, asked)
                                for right in language_rights
                                for asked in self.query.language_rights)
            prepared = _Scope(mask=mask, held_cells=held_cells, same_language=same_language,
                              holdback_applies=same_language or not language_rights)
        self._scopes[key] = prepared
        return prepared

    def held_item(self, scope: _Scope | None, start: int, stop: int, exclusive: bool):
        if scope is None or not scope.held_cells:
            return None
        return (start, stop, scope.mask, scope.held_cells, exclusive)

    def conflict_item(self, scope: _Scope | None, block_id: int, start: int, stop: int,
                      exclusive: bool, per_language: bool):
        """A grant that conflicts with the query where it overlaps it, or None. An
        exclusive licence per territory and medium keeps every language version to
        itself; one per language version only its own."""
        if scope is None or not (exclusive or self.exclusive):
            return None
        same = scope.same_language
        block_keeps = exclusive and (same or not per_language)
        query_keeps = self.exclusive and (same or self.query_keeps_every_language)
        if not (block_keeps or query_keeps):
            return None
        return (start, stop, scope.mask, block_id, block_keeps, same)

    def holdback_item(self, scope: _Scope | None, holdback_id: int, start: int, stop: int):
        if scope is None or not scope.holdback_applies:
            return None
        return (start, stop, scope.mask, holdback_id)

    # --- wording reasons ----------------------------------------------------------------

    def relevant_scopes(self) -> tuple[list[int], list[int], list[int]]:
        """The scopes (of the whole catalog) that matter to the query: for rights in, for
        grants, for holdbacks."""
        held, granted, holdbacks = [], [], []
        for scope_id, countries, media, language_rights in store.relevant_scopes(
                countries=list(self.countries), media=sorted(self.query.media)):
            scope = self.scope(scope_id, countries, media, language_rights)
            if scope is not None:
                granted.append(scope_id)
                if scope.held_cells:
                    held.append(scope_id)
                if scope.holdback_applies:
                    holdbacks.append(scope_id)
        return held, granted, holdbacks

    def read_blocks(self, answers: list[TitleAvailability]) -> None:
        """Read every block of these answers (a catalog-wide pass reads only what decides
        them), for their reasons: by family for a page of them, in one pass over the avails
        index for more."""
        unread = [answer for answer in answers if answer._blocks is _UNREAD]
        if len(unread) > READ_BY_FAMILY:
            _read_by_catalog(self, unread)
            return
        for first in range(0, len(unread), READ_BY_FAMILY):
            chunk = unread[first:first + READ_BY_FAMILY]
            fresh = _by_families(self, [answer.title_id for answer in chunk])
            for answer in chunk:
                answer._blocks = fresh[answer.title_id]._blocks

    def load_names(self, block_ids: Iterable[int], holdback_ids: Iterable[int] = ()) -> None:
        """Read the licensees and contracts of grants, and the details of holdbacks, that
        reasons will name and that are not known yet."""
        missing = {block_id for block_id in block_ids if block_id not in self.names}
        if missing:
            self.names.update(store.block_names(missing))
        missing = {holdback_id for holdback_id in holdback_ids
                   if holdback_id not in self.holdback_details}
        if missing:
            self.holdback_details.update(store.holdback_details(missing))

    def countries_of(self, mask: int) -> frozenset[str]:
        return frozenset(code for code, bit in self.bit.items() if mask & bit)

    def _territory(self, mask: int) -> str:
        key = ("territory", mask)
        if key not in self._texts:
            self._texts[key] = describe_territories(self.countries_of(mask))
        return self._texts[key]

    def _cells_text(self, cells: int) -> tuple[str, str]:
        key = ("cells", cells)
        if key not in self._texts:
            chosen = [cell for index, cell in enumerate(self.cells) if cells & (1 << index)]
            self._texts[key] = (describe_media({medium for medium, _right in chosen}),
                                describe_language_rights({right for _medium, right in chosen}))
        return self._texts[key]

    def reason(self, fact: list) -> Reason:
        kind, start, stop, mask, cells, block_id, holdback_id, extra = fact
        key = ("reason", kind, mask, cells, block_id, holdback_id, extra)
        if key not in self._texts:  # the same words for many titles of a catalog
            self._texts[key] = self._message(kind, mask, cells, block_id, holdback_id, extra)
        message, block_id = self._texts[key]
        return Reason(kind=kind, start=_date(start), end=_end_date(stop), message=message,
                      block_id=block_id, holdback_id=holdback_id,
                      countries=self.countries_of(mask))

    def _message(self, kind, mask, cells, block_id, holdback_id, extra) -> tuple[str, int]:
        """The words of a reason, and the block it names."""
        territory = self._territory(mask)
        if kind in (ReasonKind.NOT_HELD, ReasonKind.NOT_EXCLUSIVE):
            media, languages = self._cells_text(cells)
            template = (_("Not held: %(media)s, %(languages)s in %(territory)s")
                        if kind == ReasonKind.NOT_HELD else
                        _("Held only non-exclusively, so not grantable exclusively: "
                          "%(media)s, %(languages)s in %(territory)s"))
            message = template % {"media": media, "languages": languages,
                                  "territory": territory}
        elif kind == ReasonKind.CONFLICT:
            block_keeps, same_language = extra
            licensee, contract = self.names.get(block_id, ("?", "?"))
            if block_keeps:
                message = _("Conflicts with exclusive grant #%(id)s to %(licensee)s "
                            "(%(contract)s) in %(territory)s")
            else:
                message = _("An exclusive grant would conflict with grant #%(id)s to "
                            "%(licensee)s (%(contract)s) in %(territory)s")
            if not same_language:
                message += _(" (exclusive per territory and medium, whatever the language)")
            message = message % {"id": block_id, "licensee": licensee, "contract": contract,
                                 "territory": territory}
        else:
            holdback_start, holdback_stop = extra
            block_id, description, language_rights = self.holdback_details.get(
                holdback_id, (None, "", []))
            if holdback_start == _FIRST_DAY and holdback_stop != _OPEN_DAY:
                message = _("Holdback #%(id)s (on block #%(block)s): not before %(day)s in "
                            "%(territory)s") % {"id": holdback_id, "block": block_id,
                                                "day": _date(holdback_stop).isoformat(),
                                                "territory": territory}
            else:
                message = _("Holdback #%(id)s (on block #%(block)s) in %(territory)s") % {
                    "id": holdback_id, "block": block_id, "territory": territory}
            if language_rights:
                message += _(" for %(languages)s") % {
                    "languages": describe_language_rights(language_rights)}
            if description:
                message += f": {description}"
        return message, block_id


def _evaluate(plan: _Plan, title_id: int, held: list[tuple], conflicts: list[tuple],
              holdbacks: list[tuple]) -> TitleAvailability:
    """The answer for one title, from blocks already compared with the query (``_Plan.*_item``):
    its status and per-country masks now, its reasons when they are read."""
    if not (held or conflicts or holdbacks):
        return TitleAvailability(title_id, Status.UNAVAILABLE, plan=plan,
                                 segments=[(plan.start, plan.stop, plan.everywhere)],
                                 blocks=None)
    segments = _sweep(plan, held, conflicts, holdbacks)
    free = 0
    for segment in segments:
        if not segment[2]:
            free += 1
    if free == len(segments):
        status = Status.AVAILABLE
    elif free:
        status = Status.PARTIAL
    else:
        status = Status.UNAVAILABLE
    return TitleAvailability(title_id, status, plan=plan, segments=segments,
                             blocks=(held, conflicts, holdbacks))


def _held_gaps(plan: _Plan, active: list[tuple]) -> list[tuple[str, int, int]]:
    """What the rights in ``active`` over a segment leave out: (kind, asked countries,
    cells) for each cell missing in some countries, and for an exclusive query each cell
    held there only non-exclusively."""
    everywhere = plan.everywhere
    if not active:
        return [(ReasonKind.NOT_HELD, everywhere, plan.all_cells)]
    if len(plan.cell_bits) == 1 and not plan.exclusive:
        # One medium in one language: the held countries are the union.
        have = 0
        for item in active:
            have |= item[2]
        missing = everywhere & ~have
        return [(ReasonKind.NOT_HELD, missing, plan.all_cells)] if missing else []
    groups: dict[tuple[str, int], int] = {}
    for bit in plan.cell_bits:
        have = have_exclusively = 0
        for item in active:
            if item[3] & bit:
                have |= item[2]
                if item[4]:
                    have_exclusively |= item[2]
        missing = everywhere & ~have
        if missing:
            key = (ReasonKind.NOT_HELD, missing)
            groups[key] = groups.get(key, 0) | bit
        if plan.exclusive:
            shared = have & ~have_exclusively
            if shared:
                key = (ReasonKind.NOT_EXCLUSIVE, shared)
                groups[key] = groups.get(key, 0) | bit
    return [(kind, mask, cells) for (kind, mask), cells in groups.items()]


def _frees_anything(plan: _Plan, held: list[tuple]) -> bool:
    """Whether the rights in could leave some asked country free at some time: every cell
    held somewhere by them (exclusively, for an exclusive query)."""
    cells = 0
    for item in held:
        if not plan.exclusive or item[4]:
            cells |= item[3]
    return cells == plan.all_cells


def _edges(plan: _Plan, *groups: list[tuple]) -> tuple[list[int], dict[int, int]]:
    """The window cut at every edge of an item inside it, and each edge's position."""
    start, stop = plan.start, plan.stop
    points = {start, stop}
    for items in groups:
        points.update([item[0] for item in items])
        points.update([item[1] for item in items])
    edges = sorted([point for point in points if start <= point <= stop])
    return edges, {edge: index for index, edge in enumerate(edges)}


def _mark(marks: list[int], items: list[tuple], plan: _Plan, position: dict[int, int],
          mask_of) -> None:
    """OR each item's mask into the segments it spans (an edge outside the window is the
    window's own; an item that misses the window marks nothing)."""
    start, stop, count = plan.start, plan.stop, len(marks)
    for number, item in enumerate(items):
        first = position.get(item[0] if item[0] > start else start, count)
        last = position.get(item[1] if item[1] < stop else stop, 0)
        mark = mask_of(number, item)
        for index in range(first, last):
            marks[index] |= mark


def _sweep(plan: _Plan, held: list[tuple], conflicts: list[tuple],
           holdbacks: list[tuple]) -> list[tuple[int, int, int]]:
    """The pure rule, for the answer. The window is cut at every edge of a block or
    holdback inside it; in each segment a cell is free only in the asked countries that
    active rights in hold (exclusively, for an exclusive query: a grant is never more
    exclusive than what it rests on), and a grant or holdback that overlaps the segment
    blocks the countries it shares with the query. Returns the segments as (start, stop,
    blocked countries), neighbours with the same countries blocked joined. ``_explain``
    says the same in reasons."""
    start, stop, everywhere = plan.start, plan.stop, plan.everywhere
    if not _frees_anything(plan, held):
        # The rights in leave every asked country out all the time: grants and holdbacks
        # change nothing but the reasons.
        return [(start, stop, everywhere)]
    edges, position = _edges(plan, held, conflicts, holdbacks)
    count = len(edges) - 1
    outside = [0] * count
    _mark(outside, conflicts, plan, position, lambda _number, item: item[2])
    _mark(outside, holdbacks, plan, position, lambda _number, item: item[2])
    usable = [item for item in held if item[4]] if plan.exclusive else held
    all_cells = plan.all_cells
    if all(item[3] == all_cells for item in usable):
        # Each block holds every asked cell (always so for one medium in one language):
        # the countries held are the union of the active blocks'.
        have = [0] * count
        _mark(have, usable, plan, position, lambda _number, item: item[2])
        blocked = [(everywhere & ~held_there) | out for held_there, out in zip(
            have, outside, strict=True)]
    else:
        blocked = outside[:]
        for bit in plan.cell_bits:
            have = [0] * count
            _mark(have, [item for item in usable if item[3] & bit], plan, position,
                  lambda _number, item: item[2])
            for index in range(count):
                blocked[index] |= everywhere & ~have[index]
    segments: list[tuple[int, int, int]] = []
    for index in range(count):
        if segments and segments[-1][2] == blocked[index]:
            segments[-1] = (segments[-1][0], edges[index + 1], blocked[index])
        else:
            segments.append((edges[index], edges[index + 1], blocked[index]))
    return segments


def _explain(plan: _Plan, held: list[tuple], conflicts: list[tuple],
             holdbacks: list[tuple]) -> list[list]:
    """The reasons of ``_sweep``'s answer: in each segment, each cell missing in some
    countries or (for an exclusive query) held there only non-exclusively, each grant and
    holdback that overlaps it; the same reason in neighbouring segments joined. Facts are
    [kind, start day, stop day, countries, cells, block, holdback, details]."""
    edges, position = _edges(plan, held, conflicts, holdbacks)
    count = len(edges) - 1
    active_sets = [0] * count  # which rights in are active, as bits over ``held``
    _mark(active_sets, held, plan, position, lambda number, _item: 1 << number)
    gaps: dict[int, list[tuple[str, int, int]]] = {}
    facts: list[list] = []
    latest: dict[tuple, list] = {}
    for index in range(count):
        key = active_sets[index]
        found = gaps.get(key)
        if found is None:
            found = gaps[key] = _held_gaps(plan, [item for number, item in enumerate(held)
                                                  if key >> number & 1])
        segment_start, segment_stop = edges[index], edges[index + 1]
        reasons = [(kind, mask, cells, None, None, None) for kind, mask, cells in found]
        for item in conflicts:
            if item[0] < segment_stop and segment_start < item[1]:
                reasons.append((ReasonKind.CONFLICT, item[2], 0, item[3], None,
                                (item[4], item[5])))
        for item in holdbacks:
            if item[0] < segment_stop and segment_start < item[1]:
                reasons.append((ReasonKind.HOLDBACK, item[2], 0, None, item[3],
                                (item[0], item[1])))
        for kind, mask, cells, block_id, holdback_id, extra in reasons:
            reason_key = (kind, mask, cells, block_id, holdback_id)
            fact = latest.get(reason_key)
            if fact is not None and fact[2] == segment_start:
                fact[2] = segment_stop
            else:
                fact = [kind, segment_start, segment_stop, mask, cells, block_id, holdback_id,
                        extra]
                latest[reason_key] = fact
                facts.append(fact)
    facts.sort(key=lambda fact: (fact[1], fact[0]))
    return facts


# --- title families ------------------------------------------------------------------------


def _family_links(rows: Iterable[tuple]) -> tuple[dict[int, tuple[int, ...]],
                                                  dict[int, list[int]]]:
    """From (id, parent, grandparent, ...) rows: each title's parents (nearest first) and
    each title's seasons and episodes."""
    parents: dict[int, tuple[int, ...]] = {}
    descendants: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        title_id = row[0]
        if title_id in parents:
            continue
        ancestors = tuple(ancestor for ancestor in row[1:3] if ancestor)
        parents[title_id] = ancestors
        for ancestor in ancestors:
            descendants[ancestor].append(title_id)
    return parents, descendants


def _gather(title_id: int, parents, descendants, held_by_title, granted_by_title,
            holdbacks_by_title) -> tuple:
    """The rights in of the title and its parents, and the grants and holdbacks of those
    and of its seasons and episodes (a grant on one episode conflicts with an exclusive
    request on the series, and back)."""
    empty = ()
    ancestors = parents.get(title_id, empty)
    below = descendants.get(title_id, empty)
    if not (ancestors or below):
        return (held_by_title.get(title_id, empty), granted_by_title.get(title_id, empty),
                holdbacks_by_title.get(title_id, empty))
    holders = (title_id, *ancestors)
    relatives = (*holders, *below)
    return ([item for holder in holders for item in held_by_title.get(holder, empty)],
            [item for relative in relatives for item in granted_by_title.get(relative, empty)],
            [item for relative in relatives for item in holdbacks_by_title.get(relative, empty)])


def _answer(plan: _Plan, asked: list[int], parents, descendants, held_by_title,
            granted_by_title, holdbacks_by_title) -> dict[int, TitleAvailability]:
    return {title_id: _evaluate(plan, title_id, *_gather(
        title_id, parents, descendants, held_by_title, granted_by_title, holdbacks_by_title))
        for title_id in asked}


def _by_families(plan: _Plan, asked: list[int], *, ignoring: Iterable[int] = (),
                 held_only: bool = False) -> dict[int, TitleAvailability]:
    """A few titles: their family trees and the blocks of their families, read by title
    with their scopes, in one statement."""
    query = plan.query
    rows = store.family_read(asked, countries=list(plan.countries), media=sorted(query.media),
                             covering_rights=plan.covering_rights, start=query.start,
                             stop=query.stop, exclusive=query.exclusive, held_only=held_only)
    tree = [(row[1], row[2], row[3], row[6]) for row in rows if row[0] == store.FAMILY_TREE]
    found = {row[0] for row in tree if row[3]}
    for title_id in asked:
        if title_id not in found:
            raise Title.DoesNotExist(f"title {title_id} does not exist")
    parents, descendants = _family_links(tree)
    ignored = set(ignoring)
    held_by_title: dict[int, list] = defaultdict(list)
    granted_by_title: dict[int, list] = defaultdict(list)
    holdbacks_by_title: dict[int, list] = defaultdict(list)
    for (kind, item_id, title_id, held, start, stop, exclusive, per_language, scope_id,
         scope_countries, scope_media, language_rights) in rows:
        if kind == store.FAMILY_TREE or item_id in ignored and kind == store.FAMILY_BLOCK:
            continue
        scope = plan.scope(scope_id, scope_countries, scope_media, language_rights)
        if kind == store.FAMILY_HOLDBACK:
            item = plan.holdback_item(scope, item_id, start, stop)
            if item is not None:
                holdbacks_by_title[title_id].append(item)
        elif held:
            item = plan.held_item(scope, start, stop, exclusive)
            if item is not None:
                held_by_title[title_id].append(item)
        else:
            item = plan.conflict_item(scope, item_id, start, stop, exclusive, per_language)
            if item is not None:
                granted_by_title[title_id].append(item)
    return _answer(plan, asked, parents, descendants, held_by_title, granted_by_title,
                   holdbacks_by_title)


def _by_catalog(plan: _Plan, asked: list[int], *,
                known_titles: bool = False) -> dict[int, TitleAvailability]:
    """Many titles: every scope compared with the query, then passes over the avails index
    that read only what decides the answers: the rights in, then the grants and holdbacks
    of the titles those rights could leave free somewhere. Each title's reasons are read
    again, by family, when someone reads them."""
    missing = [] if known_titles else store.missing_titles(asked)
    if missing:
        raise Title.DoesNotExist(f"title {missing[0]} does not exist")
    parents, descendants = _family_links(store.title_parts())
    query = plan.query
    held_scopes, granted_scopes, holdback_scopes = plan.relevant_scopes()
    scopes = plan._scopes
    window = {"start": query.start, "stop": query.stop, "exclusive": query.exclusive,
              "held_scopes": held_scopes, "granted_scopes": granted_scopes}
    only = _families_of(asked, parents, descendants)
    # For an exclusive query every grant conflicts, and there may be many: they are read
    # in a second pass, only for the titles whose rights in could leave something free.
    # Otherwise only exclusive grants count, and one pass reads them with the rights in.
    two_passes = query.exclusive
    rows = store.catalog_blocks(grants=not two_passes, title_ids=only, **window)
    held_by_title: dict[int, list] = defaultdict(list)
    held_cells = {scope_id: (scope.mask, scope.held_cells)
                  for scope_id, scope in scopes.items() if scope is not None}
    for title_id, scope_id, start, stop, held, exclusive, _per_language, _block in rows:
        if held:
            mask, cells = held_cells[scope_id]
            held_by_title[title_id].append((start, stop, mask, cells, exclusive))
    # Grants and holdbacks only block; they matter only where rights in leave something
    # free.
    empty = ()
    hopeful = []
    for title_id in asked:
        ancestors = parents.get(title_id)
        held = held_by_title.get(title_id, empty)
        if ancestors:
            held = [*held, *(item for ancestor in ancestors
                             for item in held_by_title.get(ancestor, empty))]
        if held and _frees_anything(plan, held):
            hopeful.append(title_id)
    granted_by_title: dict[int, list] = defaultdict(list)
    holdbacks_by_title: dict[int, list] = defaultdict(list)
    if hopeful:
        only = _families_of(hopeful, parents, descendants)
        if two_passes:
            rows = store.catalog_blocks(held_scopes=[], granted_scopes=granted_scopes,
                                        start=query.start, stop=query.stop, exclusive=True,
                                        title_ids=only)
        query_exclusive = plan.exclusive
        query_keeps_every_language = plan.query_keeps_every_language
        for title_id, scope_id, start, stop, held, exclusive, per_language, _block in rows:
            if held:
                continue
            # plan.conflict_item, unrolled: this runs once per grant found.
            scope = scopes[scope_id]
            same = scope.same_language
            block_keeps = exclusive and (same or not per_language)
            if block_keeps or (query_exclusive and (same or query_keeps_every_language)):
                granted_by_title[title_id].append(
                    (start, stop, scope.mask, None, block_keeps, same))
        for title_id, scope_id, start, stop, _holdback in store.catalog_holdbacks(
                scopes=holdback_scopes, title_ids=only, start=query.start, stop=query.stop):
            holdbacks_by_title[title_id].append((start, stop, scopes[scope_id].mask, None))
    answers = _answer(plan, asked, parents, descendants, held_by_title, granted_by_title,
                      holdbacks_by_title)
    for answer in answers.values():
        answer._blocks = _UNREAD
    return answers


def _read_by_catalog(plan: _Plan, answers: list[TitleAvailability]) -> None:
    """Every block of many answers (for their reasons: a CSV of the catalog), in one pass
    over the avails index rather than family by family."""
    asked = [answer.title_id for answer in answers]
    parents, descendants = _family_links(store.title_parts())
    held_scopes, granted_scopes, holdback_scopes = plan.relevant_scopes()
    query, scopes = plan.query, plan._scopes
    only = _families_of(asked, parents, descendants)
    held_by_title: dict[int, list] = defaultdict(list)
    granted_by_title: dict[int, list] = defaultdict(list)
    for (title_id, scope_id, start, stop, held, exclusive, per_language,
         block_id) in store.catalog_blocks(
            held_scopes=held_scopes, granted_scopes=granted_scopes, start=query.start,
            stop=query.stop, exclusive=query.exclusive, title_ids=only, complete=True):
        if held:
            item = plan.held_item(scopes[scope_id], start, stop, exclusive)
            if item is not None:
                held_by_title[title_id].append(item)
        else:
            item = plan.conflict_item(scopes[scope_id], block_id, start, stop, exclusive,
                                      per_language)
            if item is not None:
                granted_by_title[title_id].append(item)
    holdbacks_by_title: dict[int, list] = defaultdict(list)
    for title_id, scope_id, start, stop, holdback_id in store.catalog_holdbacks(
            scopes=holdback_scopes, start=query.start, stop=query.stop, title_ids=only):
        item = plan.holdback_item(scopes[scope_id], holdback_id, start, stop)
        if item is not None:
            holdbacks_by_title[title_id].append(item)
    for answer in answers:
        answer._blocks = _gather(answer.title_id, parents, descendants, held_by_title,
                                 granted_by_title, holdbacks_by_title)


def _families_of(titles: list[int], parents, descendants) -> list[int] | None:
    """The titles with their parents, seasons and episodes, or None (every title) when
    they are that many that reading every title's blocks is cheaper."""
    if len(titles) >= WHOLE_CATALOG_FROM:
        return None
    family = set(titles)
    for title_id in titles:
        family.update(parents.get(title_id, ()))
        family.update(descendants.get(title_id, ()))
    return sorted(family) if len(family) < WHOLE_CATALOG_FROM else None


# --- the API ---------------------------------------------------------------------------------


def availability(title_ids: Iterable[int], query: AvailsQuery, *,
                 strategy: str | None = None,
                 known_titles: bool = False) -> dict[int, TitleAvailability]:
    """Answer ``query`` for each title (films, series, seasons or episodes), in a few
    queries whatever the number of titles. ``strategy`` ("families" or "catalog") forces
    one way of reading the blocks; by default a few titles are read by family and many by
    one pass over the whole avails index. Both give the same answers. An unknown title is
    refused (``Title.DoesNotExist``) unless the caller read the ids from the catalog
    itself (``known_titles``)."""
    asked = list(dict.fromkeys(title_ids))
    plan = _Plan(query)
    if not asked:
        return {}
    if strategy is None:
        strategy = "families" if len(asked) <= FAMILY_SEARCH_LIMIT else "catalog"
    with no_cycle_collection():
        if strategy == "catalog":
            return _by_catalog(plan, asked, known_titles=known_titles)
        return _by_families(plan, asked)


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """A catalog-wide search makes hundreds of thousands of small tuples and no reference
    cycles; Python's cycle collector would walk them all, several times, for nothing
    (a third of the search's time on 10,000 titles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def describe(answers: Iterable[TitleAvailability]) -> None:
    """Read at once the names the reasons of these answers will need (a page of results),
    instead of title by title."""
    by_plan: dict[int, tuple[_Plan, list[TitleAvailability]]] = {}
    for answer in answers:
        by_plan.setdefault(id(answer._plan), (answer._plan, []))[1].append(answer)
    with no_cycle_collection():
        for plan, planned in by_plan.values():
            plan.read_blocks(planned)
            blocks, holdbacks = set(), set()
            for answer in planned:
                named_blocks, named_holdbacks = answer.named
                blocks |= named_blocks
                holdbacks |= named_holdbacks
            plan.load_names(blocks, holdbacks)


def holding_gaps(title_id: int, query: AvailsQuery, *,
                 ignoring: Iterable[int] = ()) -> list[Reason]:
    """What of ``query`` the venture would not hold on ``title_id`` (through its own and its
    parents' rights in) without the rights-in blocks ``ignoring``: the grants that rest on
    a block are the ones that would have gaps without it."""
    plan = _Plan(query)
    return _by_families(plan, [title_id], ignoring=ignoring, held_only=True)[title_id].reasons


def _end(day: dt.date) -> dt.date | None:
    return None if day == OPEN_END else day
