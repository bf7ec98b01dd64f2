"""What the avails engine reads, in a few SQL statements (rows, not model instances: a
catalog-wide search reads tens of thousands of blocks) and how the avails index is kept.

The avails index is three tables beside the rights blocks: ``RightsScope``, each distinct
set of countries, media and language rights stored once, ``AvailsEntry``, one narrow row
per block (title, scope, window, flags), and ``HoldbackEntry``, one per holdback. A
catalog-wide search compares the few thousand scopes with the query in Python, then scans
the narrow entries for the relevant scopes and the window in one pass; a search on a few
titles joins the entries of their families with their scopes. Dates travel as day numbers
(``date.toordinal()``): the engine compares integers.

Only this module's own constants and column names are formatted into the SQL below (hence
its ``noqa: S608``); every value travels as a parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection

from coprod.rights.models import (
    OPEN_STOP,
    AvailsEntry,
    Holdback,
    HoldbackEntry,
    RightsBlock,
    RightsScope,
)
from coprod.rights.vocabulary import ExclusivityScope

# Day numbers as Python's date.toordinal() counts them (0001-01-01 is day 1); a holdback
# without a start begins on day 1, an open end is 9999-12-31.
_ORDINAL = "(({column}) - DATE '0001-01-01' + 1)"
FIRST_DAY = dt.date.min.toordinal()
OPEN_DAY = OPEN_STOP.toordinal()


def _ordinal(column: str) -> str:
    return _ORDINAL.format(column=column)


def title_parts() -> list[tuple[int, int, int | None]]:
    """(id, parent, grandparent) of every season and episode of the catalog."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT title.id, title.parent_id, parent.parent_id
            FROM coprod_title AS title
            JOIN coprod_title AS parent ON parent.id = title.parent_id""")
        return cursor.fetchall()


def missing_titles(title_ids: list[int]) -> list[int]:
    """Those of ``title_ids`` that are not in the catalog."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT asked.id FROM unnest(%(ids)s::bigint[]) AS asked(id)
            WHERE NOT EXISTS (SELECT 1 FROM coprod_title AS title WHERE title.id = asked.id)""",
                       {"ids": title_ids})
        return [row[0] for row in cursor.fetchall()]


FAMILY_TREE = "tree"
FAMILY_BLOCK = "block"
FAMILY_HOLDBACK = "holdback"

_TREE = """
    SELECT title.id, title.parent_id, parent.parent_id AS grandparent_id, TRUE AS asked
    FROM coprod_title AS title
    LEFT JOIN coprod_title AS parent ON parent.id = title.parent_id
    WHERE title.id = ANY(%(ids)s::bigint[])
    UNION ALL
    SELECT child.id, child.parent_id, parent.parent_id, FALSE
    FROM coprod_title AS child
    JOIN coprod_title AS parent ON parent.id = child.parent_id
    WHERE child.parent_id = ANY(%(ids)s::bigint[])
    UNION ALL
    SELECT grandchild.id, grandchild.parent_id, child.parent_id, FALSE
    FROM coprod_title AS grandchild
    JOIN coprod_title AS child ON child.id = grandchild.parent_id
    WHERE child.parent_id = ANY(%(ids)s::bigint[])"""


def family_read(title_ids: list[int], *, countries: list[str], media: list[str],
                covering_rights: list[str], start: dt.date, stop: dt.date, exclusive: bool,
                held_only: bool = False) -> list[tuple]:
    """In one statement, for a few titles: their family tree, (``FAMILY_TREE``, id,
    parent, grandparent, asked); the blocks of the family that may matter to the query,
    (``FAMILY_BLOCK``, block, title, held, start day, stop day, exclusive, per language,
    scope, countries, media, language rights); and, unless ``held_only``, the holdbacks
    sharing a country, a medium and a day with it, (``FAMILY_HOLDBACK``, holdback, title,
    None, start day, stop day, None, None, scope, countries, media, language rights).

    Rights in count only when a language they hold covers one asked (``covering_rights``);
    grants only when they are exclusive or the query is."""
    holdbacks = "" if held_only else f"""
        UNION ALL
        SELECT '{FAMILY_HOLDBACK}', entry.holdback_id, entry.title_id, NULL,
               {_ordinal("entry.start")}, {_ordinal("entry.stop")}, NULL, NULL, scope.id,
               scope.countries, scope.media, scope.language_rights
        FROM coprod_holdbackentry AS entry
        JOIN coprod_rightsscope AS scope ON scope.id = entry.scope_id
        WHERE entry.title_id = ANY(ARRAY(SELECT id FROM family))
          AND entry.start < %(stop)s AND entry.stop > %(start)s
          AND scope.countries && %(countries)s::varchar[]
          AND scope.media && %(media)s::varchar[]"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH tree AS MATERIALIZED ({_TREE}),
            family AS (SELECT id FROM tree
                       UNION SELECT parent_id FROM tree WHERE parent_id IS NOT NULL
                       UNION SELECT grandparent_id FROM tree WHERE grandparent_id IS NOT NULL)
            SELECT '{FAMILY_TREE}', id, parent_id, grandparent_id, NULL::integer,
                   NULL::integer, asked, NULL::boolean, NULL::bigint, NULL::varchar[],
                   NULL::varchar[], NULL::varchar[]
            FROM tree
            UNION ALL
            SELECT '{FAMILY_BLOCK}', entry.block_id, entry.title_id, entry.held::integer,
                   {_ordinal("entry.start")}, {_ordinal("entry.stop")}, entry.exclusive,
                   entry.per_language, scope.id, scope.countries, scope.media,
                   scope.language_rights
            FROM coprod_availsentry AS entry
            JOIN coprod_rightsscope AS scope ON scope.id = entry.scope_id
            WHERE entry.title_id = ANY(ARRAY(SELECT id FROM family))
              AND entry.start < %(stop)s AND entry.stop > %(start)s
              AND scope.countries && %(countries)s::varchar[]
              AND scope.media && %(media)s::varchar[]
              AND CASE WHEN entry.held THEN scope.language_rights && %(covering)s::varchar[]
                       ELSE NOT %(held_only)s AND (entry.exclusive OR %(exclusive)s) END
            {holdbacks}""",  # noqa: S608
                       {"ids": title_ids, "start": start, "stop": stop,
                        "countries": countries, "media": media, "covering": covering_rights,
                        "exclusive": exclusive, "held_only": held_only})
        return cursor.fetchall()


def relevant_scopes(*, countries: list[str], media: list[str]) -> list[tuple]:
    """(scope, countries, media, language rights) of every scope that shares a country and
    a medium with the query."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT id, countries, media, language_rights FROM coprod_rightsscope
            WHERE countries && %(countries)s::varchar[] AND media && %(media)s::varchar[]""",
                       {"countries": countries, "media": media})
        return cursor.fetchall()


def catalog_blocks(*, held_scopes: list[int], granted_scopes: list[int], start: dt.date,
                   stop: dt.date, exclusive: bool, grants: bool = True,
                   title_ids: list[int] | None = None, complete: bool = False) -> list[tuple]:
    """One pass over the avails index: (title, scope, start day, stop day, held, exclusive,
    per language, block) of every block in the window whose scope matters: rights in on
    ``held_scopes`` (only the exclusive ones for an exclusive query, unless ``complete``:
    the others cannot make anything grantable, they only word the reasons) and, with
    ``grants``, grants on ``granted_scopes`` (only the exclusive ones unless the query is
    exclusive). Each part reads the index ``avails_entry_window``; the id lists are
    constants, which PostgreSQL hashes."""
    parts, parameters = [], {"start": start, "stop": stop, "titles": title_ids}
    titles = "AND entry.title_id = ANY(%(titles)s::bigint[])" if title_ids is not None else ""
    wanted = [(True, held_scopes, [True] if exclusive and not complete else [True, False])]
    if grants:
        wanted.append((False, granted_scopes, [True, False] if exclusive else [True]))
    for held, scopes, exclusivity in wanted:
        if not scopes:
            continue
        name = "held" if held else "granted"
        parameters[name], parameters[f"{name}_exclusive"] = scopes, exclusivity
        parts.append(f"""
            SELECT entry.title_id, entry.scope_id, {_ordinal("entry.start")},
                   {_ordinal("entry.stop")}, entry.held, entry.exclusive, entry.per_language,
                   {"entry.block_id" if complete else "NULL"}
            FROM coprod_availsentry AS entry
            WHERE entry.held = {"TRUE" if held else "FALSE"}
              AND entry.exclusive = ANY(%({name}_exclusive)s::boolean[])
              AND entry.start < %(stop)s AND entry.stop > %(start)s {titles}
              AND entry.scope_id = ANY(%({name})s::bigint[])""")  # noqa: S608
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), parameters)
        return cursor.fetchall()


def catalog_holdbacks(*, scopes: list[int], start: dt.date, stop: dt.date,
                      title_ids: list[int] | None = None) -> list[tuple]:
    """(title, scope, start day, stop day, holdback) of every holdback in the window on
    ``scopes``."""
    if not scopes:
        return []
    titles = "AND entry.title_id = ANY(%(titles)s::bigint[])" if title_ids is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT entry.title_id, entry.scope_id, {_ordinal("entry.start")},
                   {_ordinal("entry.stop")}, entry.holdback_id
            FROM coprod_holdbackentry AS entry
            WHERE entry.start < %(stop)s AND entry.stop > %(start)s {titles}
              AND entry.scope_id = ANY(%(scopes)s::bigint[])""",  # noqa: S608
                       {"start": start, "stop": stop, "scopes": scopes, "titles": title_ids})
        return cursor.fetchall()


def holdback_details(holdback_ids: Iterable[int]) -> dict[int, tuple[int, str, list[str]]]:
    """Block, description and language rights of each holdback, for the reasons' text."""
    ids = sorted(set(holdback_ids))
    if not ids:
        return {}
    rows = (Holdback.objects.filter(pk__in=ids)
            .values_list("pk", "rights_block_id", "description", "language_rights"))
    return {holdback_id: (block_id, description, language_rights)
            for holdback_id, block_id, description, language_rights in rows}


def block_names(block_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Counterparty name and contract reference of each block, for the reasons' text."""
    ids = sorted(set(block_ids))
    if not ids:
        return {}
    rows = (RightsBlock.objects.filter(pk__in=ids)
            .values_list("pk", "counterparty__name", "contract_reference"))
    return {block_id: (counterparty, contract) for block_id, counterparty, contract in rows}


# --- keeping the index ---------------------------------------------------------------------


def index_block(block: RightsBlock) -> AvailsEntry:
    """Index a block just written (the caller holds its transaction)."""
    scope = RightsScope.objects.for_terms(countries=block.countries, media=block.media,
                                          language_rights=block.language_rights)
    return AvailsEntry.objects.create(
        block=block, title_id=block.title_id, scope=scope, start=block.window.lower,
        stop=block.window.upper or OPEN_STOP,
        held=block.direction == RightsBlock.Direction.IN, exclusive=block.exclusive,
        per_language=block.exclusivity_scope == ExclusivityScope.LANGUAGE_VERSION)


def index_holdback(holdback: Holdback, *, title_id: int) -> HoldbackEntry:
    """Index a holdback just written on a block of ``title_id``."""
    scope = RightsScope.objects.for_terms(countries=holdback.countries, media=holdback.media,
                                          language_rights=holdback.language_rights)
    return HoldbackEntry.objects.create(
        holdback=holdback, title_id=title_id, scope=scope,
        start=holdback.window.lower or dt.date.min, stop=holdback.window.upper or OPEN_STOP)


def _sorted_array(column: str) -> str:
    return f'ARRAY(SELECT value FROM unnest({column}) AS value ORDER BY value COLLATE "C")'  # noqa: S608


def _fingerprint_sql(table: str) -> str:
    """``scope_fingerprint`` in SQL (Python sorts by code point, as collation "C" does)."""
    joined = " || '|' || ".join(f"array_to_string({_sorted_array(f'{table}.{column}')}, ',')"
                                for column in ("countries", "media", "language_rights"))
    return f"encode(sha256(convert_to({joined}, 'UTF8')), 'hex')"


def _scopes_sql(table: str, entries: str, key: str) -> str:
    return f"""
        INSERT INTO coprod_rightsscope (fingerprint, countries, media, language_rights)
        SELECT DISTINCT ON (fingerprint) {_fingerprint_sql("item")} AS fingerprint,
               {_sorted_array("item.countries")}, {_sorted_array("item.media")},
               {_sorted_array("item.language_rights")}
        FROM {table} AS item
        WHERE NOT EXISTS (SELECT 1 FROM {entries} AS entry WHERE entry.{key} = item.id)
        ORDER BY fingerprint
        ON CONFLICT (fingerprint) DO NOTHING"""  # noqa: S608


def index_rebuild() -> int:
    """Index every block and holdback that has no entry yet (those written in SQL, such as
    the benchmark's); returns how many blocks were indexed."""
    with connection.cursor() as cursor:
        cursor.execute(_scopes_sql("coprod_rightsblock", "coprod_availsentry", "block_id"))
        cursor.execute(_scopes_sql("coprod_holdback", "coprod_holdbackentry", "holdback_id"))
        cursor.execute(f"""
            INSERT INTO coprod_availsentry (block_id, title_id, scope_id, start, stop, held,
                                            exclusive, per_language)
            SELECT item.id, item.title_id, scope.id, lower(item."window"),
                   coalesce(upper(item."window"), %(open)s), item.direction = 'in',
                   item.exclusive, item.exclusivity_scope = %(per_language)s
            FROM coprod_rightsblock AS item
            JOIN coprod_rightsscope AS scope ON scope.fingerprint = {_fingerprint_sql("item")}
            WHERE NOT EXISTS (SELECT 1 FROM coprod_availsentry AS entry
                              WHERE entry.block_id = item.id)""",  # noqa: S608
                       {"open": OPEN_STOP, "per_language": ExclusivityScope.LANGUAGE_VERSION})
        indexed = cursor.rowcount
        cursor.execute(f"""
            INSERT INTO coprod_holdbackentry (holdback_id, title_id, scope_id, start, stop)
            SELECT item.id, block.title_id, scope.id,
                   coalesce(lower(item."window"), %(first)s),
                   coalesce(upper(item."window"), %(open)s)
            FROM coprod_holdback AS item
            JOIN coprod_rightsblock AS block ON block.id = item.rights_block_id
            JOIN coprod_rightsscope AS scope ON scope.fingerprint = {_fingerprint_sql("item")}
            WHERE NOT EXISTS (SELECT 1 FROM coprod_holdbackentry AS entry
                              WHERE entry.holdback_id = item.id)""",  # noqa: S608
                       {"first": dt.date.min, "open": OPEN_STOP})
        return indexed
