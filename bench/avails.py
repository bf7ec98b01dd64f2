"""Avails latency on a large catalog: 10,000 titles and 1,000,000 rights blocks.

    .venv/bin/python bench/avails.py [--titles 10000] [--blocks 1000000] [--runs 200]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_avails] [--keep]

Creates (or reuses, with --keep) the database, fills it with generated rights in
PostgreSQL itself, then prints p50 and p95 latency of single-title and 100-title avails
queries through the real engine (coprod.avails.availability). Figures only.
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


def generate(titles: int, blocks: int) -> None:
    from django.db import connection

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
            "SELECT 'film', '작품 ' || n, 'Jakpum ' || n, '', '', 'ko', 1990 + n %% 35, "
            "now(), now() "
            "FROM generate_series(1, %s) AS n", [titles])
        cursor.execute("SELECT min(id), max(id) FROM coprod_title")
        low, high = cursor.fetchone()
        cursor.execute("SELECT id FROM coprod_company ORDER BY id")
        licensor, platform = (row[0] for row in cursor.fetchall())
        # Arrays of arrays cannot be ragged in PostgreSQL, so pick with CASE on an index.
        def case(column_values, variable):
            branches = " ".join(f"WHEN {index} THEN %s::varchar[]"
                                for index in range(len(column_values)))
            return f"CASE {variable} {branches} END", list(column_values)

        territory_sql, territory_params = case(territories, "t")
        media_sql, media_params = case(media, "m")
        language_sql, language_params = case(languages, "l")
        expression_sql = "(ARRAY[" + ",".join(["%s"] * len(expressions)) + "])[t + 1]"
        # Only generated CASE branches and counts are formatted in; values are parameters.
        cursor.execute(
            f"""
            INSERT INTO coprod_rightsblock (direction, title_id, counterparty_id,
                contract_reference, territory_expression, countries, media, language_rights,
                "window", exclusive, notes, created_at)
            SELECT CASE WHEN n %% 2 = 0 THEN 'in' ELSE 'out' END,
                   %s + (n %% (%s - %s + 1)),
                   CASE WHEN n %% 2 = 0 THEN %s ELSE %s END,
                   'BENCH-' || n, {expression_sql},
                   {territory_sql}, {media_sql}, {language_sql},
                   daterange(s, CASE WHEN n %% 10 = 0 THEN NULL ELSE s + 180 + (n %% 1500) END),
                   n %% 2 = 1 AND n %% 3 = 0, '', now()
            FROM (
                SELECT n,
                       (hashint4(n) & 2147483647) %% {len(territories)} AS t,
                       (hashint4(n + 1) & 2147483647) %% {len(media)} AS m,
                       (hashint4(n + 2) & 2147483647) %% {len(languages)} AS l,
                       DATE '2020-01-01' + ((hashint4(n + 3) & 2147483647) %% 3650) AS s
                FROM generate_series(1, %s) AS n
            ) AS generated
            """,
            [low, high, low, licensor, platform, *expressions, *territory_params,
             *media_params, *language_params, blocks],
        )
        cursor.execute("ANALYZE")
    print(f"generated {titles:,} titles and {blocks:,} rights blocks in "
          f"{time.perf_counter() - started:.1f} s")


def measure(runs: int) -> None:
    import datetime as dt

    from coprod.catalog.models import Title
    from coprod.rights.avails import AvailsQuery, availability
    from coprod.rights.vocabulary import expand_territories, language_rights

    ids = list(Title.objects.values_list("id", flat=True))
    generator = random.Random(7)

    def query() -> AvailsQuery:
        start = dt.date(2021, 1, 1) + dt.timedelta(days=generator.randrange(0, 3000))
        return AvailsQuery(
            countries=expand_territories(generator.choice(["JP", "TH", "JP TH", "GREATER_CHINA"])),
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
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"avails for {size:>3} title(s): p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
              f"({count} queries)")


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

    if not reuse:
        call_command("migrate", verbosity=0)
        generate(arguments.titles, arguments.blocks)
    measure(arguments.runs)


if __name__ == "__main__":
    main()
