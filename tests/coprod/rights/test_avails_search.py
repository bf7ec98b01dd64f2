"""What can I license? The catalog-wide avails search through its selector: every title
(and on request each season and episode) with its answer, filtered by name, genre, kind
and year, sorted, by answer, in pages; the per-country summary; the CSV."""

import csv
import io

import pytest

from coprod.catalog.models import Genre
from coprod.rights.avails import AvailsQuery, Status
from coprod.rights.avails_csv import COLUMNS, COUNTRY_COLUMNS, avails_results_csv
from coprod.rights.selectors import avails_search
from coprod.rights.vocabulary import expand_territories, language_rights
from tests.coprod.rights_helpers import D, film, grant, hold, series

pytestmark = pytest.mark.django_db


def query(territory="JP", start=D(2026, 1, 1), end=D(2027, 1, 1), exclusive=False):
    return AvailsQuery(countries=expand_territories(territory), media=frozenset({"svod"}),
                       language_rights=language_rights(["ja"], ["sub"]), start=start,
                       end=end, exclusive=exclusive)


@pytest.fixture
def catalog():
    """Four films and a series; in Japan for 2026: Arirang wholly free, Bom free from July,
    Chuseok and the series not held, Dol licensed exclusively to someone else."""
    drama, thriller = Genre.objects.get(code="drama"), Genre.objects.get(code="thriller")
    arirang, bom = film("Arirang", 2001), film("Bom", 2010)
    chuseok, dol = film("Chuseok", 2020), film("Dol", 2015)
    top, seasons, episodes = series("Eoreum", 2018, seasons=1, episodes=2)
    arirang.genres.add(drama)
    chuseok.genres.add(drama)
    bom.genres.add(thriller)
    top.genres.add(thriller)
    hold(arirang, territory="JP TH")
    hold(bom, territory="JP", start=D(2026, 7, 1))
    hold(dol, territory="JP")
    grant(dol, exclusive=True, licensee="Tokyo Stream")
    hold(episodes[1], territory="JP")
    return {"Arirang": arirang, "Bom": bom, "Chuseok": chuseok, "Dol": dol, "Eoreum": top,
            "S1": seasons[0], "E1": episodes[0], "E2": episodes[1]}


def names(search, catalog) -> list[str]:
    by_id = {title.pk: name for name, title in catalog.items()}
    return [by_id[row.title_id] for row in search.shown]


def test_every_title_of_the_catalog_is_answered(catalog):
    search = avails_search(query=query())
    assert names(search, catalog) == ["Arirang", "Bom", "Chuseok", "Dol", "Eoreum"]
    assert [row.status for row in search.shown] == [
        Status.AVAILABLE, Status.PARTIAL, Status.UNAVAILABLE, Status.UNAVAILABLE,
        Status.UNAVAILABLE]
    assert search.totals == {Status.AVAILABLE: 1, Status.PARTIAL: 1, Status.UNAVAILABLE: 3}
    bom = search.shown[1]
    assert bom.answer.free_windows == [(D(2026, 7, 1), D(2027, 1, 1))]
    assert bom.label == "Bom (2010)" and bom.genres == ["Thriller"] and bom.depth == 0
    dol = search.shown[3]
    assert "Conflicts with exclusive grant" in dol.answer.reasons[0].message
    assert "Tokyo Stream" in dol.answer.reasons[0].message
    assert not search.per_country


def test_each_season_and_episode_on_request(catalog):
    search = avails_search(query=query(), include_parts=True, genre=Genre.objects.get(
        code="thriller"))
    assert names(search, catalog) == ["Bom", "Eoreum", "S1", "E1", "E2"]
    assert [row.depth for row in search.shown] == [0, 0, 1, 2, 2]
    assert [row.label for row in search.shown[2:]] == ["Eoreum S1", "Eoreum S1 E1",
                                                       "Eoreum S1 E2"]
    assert [row.status for row in search.shown[1:]] == [
        Status.UNAVAILABLE, Status.UNAVAILABLE, Status.UNAVAILABLE, Status.AVAILABLE]
    assert search.shown[4].genres == ["Thriller"]  # the series' genres


@pytest.mark.parametrize(("filters", "expected"), [
    ({"genre": "drama"}, ["Arirang", "Chuseok"]),
    ({"year_from": 2010, "year_to": 2018}, ["Bom", "Dol", "Eoreum"]),
    ({"kind": "series"}, ["Eoreum"]),
    ({"kind": "film", "year_to": 2010}, ["Arirang", "Bom"]),
    ({"text": "ch"}, ["Chuseok"]),
    ({"status": Status.UNAVAILABLE}, ["Chuseok", "Dol", "Eoreum"]),
    ({"status": Status.AVAILABLE, "genre": "thriller"}, []),
])
def test_filters(catalog, filters, expected):
    if "genre" in filters:
        filters["genre"] = Genre.objects.get(code=filters["genre"])
    assert names(avails_search(query=query(), **filters), catalog) == expected


@pytest.mark.parametrize(("sort", "expected"), [
    ("title", ["Arirang", "Bom", "Chuseok", "Dol", "Eoreum"]),
    ("year", ["Chuseok", "Eoreum", "Dol", "Bom", "Arirang"]),
    ("status", ["Arirang", "Bom", "Chuseok", "Dol", "Eoreum"]),
    ("free", ["Arirang", "Bom", "Chuseok", "Dol", "Eoreum"]),
])
def test_sorting(catalog, sort, expected):
    assert names(avails_search(query=query(), sort=sort), catalog) == expected


def test_sorting_by_answer_and_by_free_time(catalog):
    catalog["Aebi"] = film("Aebi", 2005)  # first by title, never held
    hold(catalog["Chuseok"], territory="JP", end=D(2026, 3, 1), contract="CT-IN-9")
    assert names(avails_search(query=query()), catalog)[:2] == ["Aebi", "Arirang"]
    assert names(avails_search(query=query(), sort="status"), catalog) == [
        "Arirang", "Bom", "Chuseok", "Aebi", "Dol", "Eoreum"]
    # 365, 184 and 59 free days, then none (by title).
    assert names(avails_search(query=query(), sort="free"), catalog) == [
        "Arirang", "Bom", "Chuseok", "Aebi", "Dol", "Eoreum"]
    assert names(avails_search(query=query(start=D(2026, 7, 1)), sort="free"), catalog)[:3] == [
        "Arirang", "Bom", "Aebi"]  # 184 days each for the first two, by title


def test_pages(catalog):
    first = avails_search(query=query(), page_size=2)
    assert names(first, catalog) == ["Arirang", "Bom", "Chuseok", "Dol", "Eoreum"]
    assert [row.label for row in first.page.object_list] == ["Arirang (2001)", "Bom (2010)"]
    third = avails_search(query=query(), page_size=2, page=3)
    assert [row.label for row in third.page.object_list] == ["Eoreum (2018)"]
    beyond = avails_search(query=query(), page_size=2, page=99)
    assert beyond.page.number == 3


def test_chosen_titles_only(catalog):
    search = avails_search(query=query(), title_ids=[catalog["Dol"].pk, catalog["E2"].pk])
    assert names(search, catalog) == ["Dol", "E2"]
    assert [row.status for row in search.shown] == [Status.UNAVAILABLE, Status.AVAILABLE]


def test_per_country_summary(catalog):
    search = avails_search(query=query(territory="JP TH"))
    assert search.per_country and search.countries == ("JP", "TH")
    summary = {item.code: (item.available, item.partial, item.unavailable)
               for item in search.country_summary()}
    # JP as above; in TH only Arirang is held.
    assert summary == {"JP": (1, 1, 3), "TH": (1, 0, 4)}
    assert [row.answer.countries_by_status[Status.AVAILABLE] for row in search.shown[:2]] == [
        ["JP", "TH"], []]
    thailand = search.country_summary()[1]
    assert (thailand.name, thailand.share_available, thailand.shade) == ("Thailand", 20, "share-1")


def test_csv_has_every_row_with_last_days_and_safe_cells(catalog):
    hostile = film("=HYPERLINK(\"http://x\")", 2023)
    hold(hostile, territory="JP TH", end=D(2026, 4, 1))
    search = avails_search(query=query(territory="JP TH"), page_size=2)
    rows = list(csv.DictReader(io.StringIO(avails_results_csv(search))))
    assert list(rows[0]) == COLUMNS + COUNTRY_COLUMNS
    assert len(rows) == 6  # every page
    by_alias = {row["TitleInternalAlias"]: row for row in rows}
    assert by_alias["Arirang"]["Status"] == "available"
    assert by_alias["Arirang"]["FreeWindows"] == "2026-01-01 – 2026-12-31"
    assert by_alias["Arirang"]["AvailableIn"] == "JP TH"
    # Never free in both countries at once, but in Japan from July.
    assert by_alias["Bom"]["Status"] == "unavailable" and by_alias["Bom"]["FreeWindows"] == ""
    assert by_alias["Bom"]["PartlyAvailableIn"] == "JP"
    assert by_alias["Bom"]["NotAvailableIn"] == "TH"
    assert by_alias["Bom"]["Reasons"] == (
        "Not held: SVOD, ja (subtitled) in JP, TH (2026-01-01 – 2026-06-30); "
        "Not held: SVOD, ja (subtitled) in TH (2026-07-01 – 2026-12-31)")
    assert by_alias["Dol"]["Reasons"].startswith("Conflicts with exclusive grant #")
    hostile_row = by_alias['=HYPERLINK("http://x")'.replace("=", "'=", 1)]
    assert hostile_row["TitleDisplayUnlimited"].startswith("'=HYPERLINK")
    assert hostile_row["FreeWindows"] == "2026-01-01 – 2026-03-31"
