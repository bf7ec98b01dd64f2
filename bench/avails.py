"""Avails latency on a large catalog: 10,000 titles and 1,000,000 rights blocks.

    .venv/bin/python bench/avails.py [--titles 10000] [--blocks 1000000] [--runs 200]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_avails] [--keep]

Creates (or reuses, with --keep) the database and fills it in PostgreSQL itself: films
and series (one title in ten is a series of two seasons of six episodes), rights blocks
in and out on them (a few on seasons and episodes; two rights in in three and one grant
in three exclusive), holdbacks on one rights-in block in twenty (some "not before" a day,
some for one language), and the avails index. Then
prints p50 and p95 latency through the real engine (``coprod.rights.avails``) of avails
for one title, for 100 titles, for the whole catalog, and of the catalog-wide search
page (``coprod.rights.selectors.avails_search``: listing, sorting, the first page with
its reasons). Figures only.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TERRITORY_PATTERNS = ["JP", "TH", "CN", "KR", "JP TH", "GREATER_CHINA", "WORLD -KR",
                      "SOUTHEAST_ASIA", "ASIA -KR", "EAST_ASIA", "TW HK", "VN ID"]
MEDIA_PATTERNS = [["svod"], ["avod"], ["svod", "avod"], ["tvod_est"], ["free_tv", "pay_tv"],
                  ["theatrical"], ["airline", "home_video"], ["all"]]
LANGUAGE_PATTERNS = [(["ja"], ["sub"]), (["ja"], ["sub", "dub"]), (["zh-Hans"], ["sub"]),
                     (["th"], ["sub", "dub"]), (["ja", "zh-Hans", "th"], ["sub"]),
                     (["ko"], ["original"])]
HOLDBACK_TERRITORIES = ["JP", "TH", "KR", "CN", "TW", "VN"]
HOLDBACK_MEDIA = [["theatrical"], ["svod"], ["svod", "avod"], ["free_tv"]]
HOLDBACK_LANGUAGES = [[], [], ["ja:dub", "ja:sub"], ["th:sub"]]
# Catalog-wide queries include the groups a manager asks about.
CATALOG_TERRITORIES = ["JP", "TH", "JP TH", "GREATER_CHINA", "SOUTHEAST_ASIA", "ASIA"]


def database_url(arguments) -> str:
    if arguments.database_url:
        return arguments.database_url
    return "postgres://postgres@127.0.0.1:5432/bench_avails"


def prepare_database(url: str, keep: bool) -> bool:
    """Create the database; return True when it already holds generated data."""
    import psycopg

    from config.environment import parse_database_url

    config = parse_database_url(url)
    maintenance = {"host": config["HOST"] or None, "port": config["PORT"] or None,
                   "user": config["USER"] or None, "password": config["PASSWORD"] or None,
                   "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**maintenance) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    [config["NAME"]]).fetchone()
        if exists and keep:
            return True
        if exists:
            connection.execute(f'DROP DATABASE "{config["NAME"]}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{config["NAME"]}"')
    return False


def _case(values: list, variable: str) -> tuple[str, list]:
    """Arrays of arrays cannot be ragged in PostgreSQL, so pick with CASE on an index."""
    branches = " ".join(f"WHEN {index} THEN %s::varchar[]" for index in range(len(values)))
    return f"CASE {variable} {branches} END", list(values)


def generate(titles: int, blocks: int) -> None:
    from django.db import connection

    from coprod.rights import avails_store
    from coprod.rights.vocabulary import expand_media, expand_territories, language_rights

    territories = [sorted(expand_territories(pattern)) for pattern in TERRITORY_PATTERNS]
    media = [sorted(expand_media(pattern)) for pattern in MEDIA_PATTERNS]
    languages = [sorted(language_rights(langs, kinds)) for langs, kinds in LANGUAGE_PATTERNS]
    expressions = TERRITORY_PATTERNS
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO coprod_company (name, kind, country) VALUES "
                       "('Bench Licensor', 'licensor', 'KR'), ('Bench Platform', 'platform', 'JP')")
        cursor.execute(
            "INSERT INTO coprod_title (kind, original_title, romanized_title, english_title, "
            "synopsis, original_language, year, created_at, updated_at) "
            "SELECT CASE WHEN n %% 10 = 0 THEN 'series' ELSE 'film' END, '작품 ' || n, "
            "'Jakpum ' || n, '', '', 'ko', 1990 + n %% 35, now(), now() "
            "FROM generate_series(1, %s) AS n ORDER BY n", [titles])
        cursor.execute("SELECT min(id), max(id) FROM coprod_title")
        low, high = cursor.fetchone()
        cursor.execute(
            "INSERT INTO coprod_title (kind, parent_id, number, original_title, romanized_title, "
            "english_title, synopsis, original_language, year, created_at, updated_at) "
            "SELECT 'season', series.id, season, '시즌 ' || season, 'Season ' || season, '', '', "
            "'ko', series.year, now(), now() FROM coprod_title AS series, "
            "generate_series(1, 2) AS season WHERE series.kind = 'series' ORDER BY 2, 3")
        cursor.execute(
            "INSERT INTO coprod_title (kind, parent_id, number, original_title, romanized_title, "
            "english_title, synopsis, original_language, year, created_at, updated_at) "
            "SELECT 'episode', season.id, episode, episode || '화', 'Episode ' || episode, '', "
            "'', 'ko', season.year, now(), now() FROM coprod_title AS season, "
            "generate_series(1, 6) AS episode WHERE season.kind = 'season' ORDER BY 2, 3")
        cursor.execute("SELECT min(id), max(id) FROM coprod_title WHERE parent_id IS NOT NULL")
        part_low, part_high = cursor.fetchone()
        cursor.execute("SELECT id FROM coprod_company ORDER BY id")
        licensor, platform = (row[0] for row in cursor.fetchall())
        territory_sql, territory_params = _case(territories, "t")
        media_sql, media_params = _case(media, "m")
        language_sql, language_params = _case(languages, "l")
        expression_sql = "(ARRAY[" + ",".join(["%s"] * len(expressions)) + "])[t + 1]"
        # Only generated CASE branches and counts are formatted in; values are parameters.
        # One block in 33 is on a season or an episode.
        cursor.execute(
            f"""
            INSERT INTO coprod_rightsblock (direction, title_id, counterparty_id,
                contract_reference, territory_expression, countries, media, language_rights,
                "window", exclusive, exclusivity_scope, notes, created_at)
            SELECT CASE WHEN n %% 2 = 0 THEN 'in' ELSE 'out' END,
                   CASE WHEN n %% 33 = 0 AND %s IS NOT NULL
                        THEN %s + ((hashint4(n + 4) & 2147483647) %% (%s - %s + 1))
                        ELSE %s + (n %% (%s - %s + 1)) END,
                   CASE WHEN n %% 2 = 0 THEN %s ELSE %s END,
                   'BENCH-' || n, {expression_sql},
                   {territory_sql}, {media_sql}, {language_sql},
                   daterange(s, CASE WHEN n %% 10 = 0 THEN NULL ELSE s + 180 + (n %% 1500) END),
                   CASE WHEN n %% 2 = 0 THEN n %% 3 <> 0 ELSE n %% 3 = 0 END,
                   CASE WHEN n %% 7 = 0 THEN 'language_version' ELSE 'territory_medium' END,
                   '', now()
            FROM (
                SELECT n,
                       (hashint4(n) & 2147483647) %% {len(territories)} AS t,
                       (hashint4(n + 1) & 2147483647) %% {len(media)} AS m,
                       (hashint4(n + 2) & 2147483647) %% {len(languages)} AS l,
                       DATE '2020-01-01' + ((hashint4(n + 3) & 2147483647) %% 3650) AS s
                FROM generate_series(1, %s) AS n
            ) AS generated
            """,
            [part_low, part_low, part_high or 0, part_low or 0, low, high, low, licensor,
             platform, *expressions, *territory_params, *media_params, *language_params,
             blocks],
        )
        holdback_territories = [sorted(expand_territories(code)) for code in
                                HOLDBACK_TERRITORIES]
        territory_sql, territory_params = _case(holdback_territories, "t")
        media_sql, media_params = _case(HOLDBACK_MEDIA, "m")
        language_sql, language_params = _case(HOLDBACK_LANGUAGES, "l")
        expression_sql = "(ARRAY[" + ",".join(["%s"] * len(HOLDBACK_TERRITORIES)) + "])[t + 1]"
        # Holdbacks on one rights-in block in twenty: a third "not before" 90 days into the
        # block, the others its first 120 days.
        cursor.execute(
            f"""
            INSERT INTO coprod_holdback (rights_block_id, territory_expression, countries, media,
                                         language_rights, "window", description)
            SELECT id, {expression_sql}, {territory_sql}, {media_sql}, {language_sql},
                   CASE WHEN id %% 3 = 0 THEN daterange(NULL, lower("window") + 90)
                        ELSE daterange(lower("window"), lower("window") + 120) END,
                   'bench holdback'
            FROM (SELECT id, "window", id %% {len(HOLDBACK_TERRITORIES)} AS t,
                         (id / 7) %% {len(HOLDBACK_MEDIA)} AS m,
                         (id / 11) %% {len(HOLDBACK_LANGUAGES)} AS l
                  FROM coprod_rightsblock WHERE direction = 'in' AND id %% 20 = 0) AS chosen
            """,
            [*HOLDBACK_TERRITORIES, *territory_params, *media_params, *language_params],
        )
        cursor.execute("SELECT count(*) FROM coprod_holdback")
        holdbacks = cursor.fetchone()[0]
        indexed = avails_store.index_rebuild()
        cursor.execute("VACUUM ANALYZE")
    print(f"generated {titles:,} titles (and their seasons and episodes), {blocks:,} rights "
          f"blocks ({indexed:,} indexed) and {holdbacks:,} holdbacks in "
          f"{time.perf_counter() - started:.1f} s")


def _figures(label: str, timings: list[float]) -> None:
    timings = sorted(timings)
    p50 = statistics.median(timings)
    p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
    print(f"{label:<44} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   ({len(timings)} queries)")


def measure(runs: int) -> None:
    import datetime as dt

    from coprod.catalog.models import Title
    from coprod.rights.avails import AvailsQuery, availability
    from coprod.rights.selectors import avails_search
    from coprod.rights.vocabulary import expand_territories, language_rights

    ids = list(Title.objects.filter(parent__isnull=True).values_list("id", flat=True))
    generator = random.Random(7)

    def query(territories=("JP", "TH", "JP TH", "GREATER_CHINA")) -> AvailsQuery:
        start = dt.date(2021, 1, 1) + dt.timedelta(days=generator.randrange(0, 3000))
        return AvailsQuery(
            countries=expand_territories(generator.choice(territories)),
            media=frozenset(generator.choice([["svod"], ["svod", "avod"], ["tvod_est"]])),
            language_rights=language_rights(["ja"], ["sub"]), start=start,
            end=start + dt.timedelta(days=generator.choice([365, 730])),
            exclusive=generator.random() < 0.5)

    availability([ids[0]], query())  # warm-up
    for size, count in ((1, runs), (100, max(runs // 4, 10))):
        timings = []
        for _ in range(count):
            chosen = generator.sample(ids, size)
            started = time.perf_counter()
            availability(chosen, query())
            timings.append((time.perf_counter() - started) * 1000)
        _figures(f"avails for {size:>3} title(s)", timings)
    count = max(runs // 10, 10)
    timings = []
    for _ in range(count):
        asked = query(CATALOG_TERRITORIES)
        started = time.perf_counter()
        availability(ids, asked)
        timings.append((time.perf_counter() - started) * 1000)
    _figures(f"avails for the catalog ({len(ids):,} titles)", timings)
    timings = []
    for _ in range(count):
        asked = query(CATALOG_TERRITORIES)
        started = time.perf_counter()
        search = avails_search(query=asked, sort=generator.choice(["title", "status", "free"]))
        for row in search.page.object_list:
            row.answer.reasons  # noqa: B018 (the page shows them)
        timings.append((time.perf_counter() - started) * 1000)
    _figures("catalog-wide search, first page of 50", timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--titles", type=int, default=10_000)
    parser.add_argument("--blocks", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--keep", action="store_true",
                        help="reuse the generated database from an earlier run")
    arguments = parser.parse_args()
    url = database_url(arguments)
    reuse = prepare_database(url, arguments.keep)
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command

    from coprod.rights import avails_store

    call_command("migrate", verbosity=0)
    if reuse:
        avails_store.index_rebuild()  # blocks from before the avails index
    else:
        generate(arguments.titles, arguments.blocks)
    measure(arguments.runs)


if __name__ == "__main__":
    main()
