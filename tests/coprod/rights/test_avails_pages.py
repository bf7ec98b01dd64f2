"""The avails pages: the catalog-wide search (list, per-country summary, map and grid,
CSV), one title per country, the rights form's holdbacks; who may open them; and bad
input, which is a form error and never a server error."""

import csv
import io
import re

import pytest
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.rights.models import Holdback, RightsBlock
from tests.coprod.rights_helpers import D, company, film, grant, hold, series

pytestmark = pytest.mark.django_db

ASK = {"territory_expression": "JP", "media": ["svod"], "languages": "ja",
       "language_kinds": ["sub"], "start": "2026-01-01", "last_day": "2026-12-31"}


@pytest.fixture
def manager(client_for):
    return client_for(Role.RIGHTS_MANAGER)[0]


def statuses(page: str) -> dict[str, str]:
    rows = re.findall(r'data-status="(\w+)">\s*<td><a [^>]+>([^<]+)</a>', page)
    return {name: status for status, name in rows}


def test_the_whole_catalog_is_searched_when_no_title_is_chosen(manager):
    free, taken, bare = film("가", 2001), film("나", 2002), film("다", 2003)
    hold(free)
    hold(taken)
    grant(taken, exclusive=True, licensee="Tokyo Stream")
    response = manager.get(reverse("catalog:avails"), ASK)
    assert response.status_code == 200
    page = response.content.decode()
    assert statuses(page) == {"가 (2001)": "available", "나 (2002)": "unavailable",
                              "다 (2003)": "unavailable"}
    assert 'data-total="available">Available 1<' in page
    assert "Conflicts with exclusive grant" in page and "Tokyo Stream" in page
    assert "2026-01-01 – 2026-12-31" in page  # the free window, to its last day
    assert f'href="{reverse("catalog:rights-add", args=[free.pk, "out"])}?' in page
    assert f'href="{reverse("catalog:rights-add", args=[bare.pk, "out"])}?' not in page
    assert 'id="avails-csv"' in page and "format=csv" in page


def test_filters_sort_and_pages_through_the_page(manager, monkeypatch):
    from coprod.rights import selectors

    monkeypatch.setattr(selectors, "AVAILS_PAGE_SIZE", 2)
    for number, name in enumerate(["가", "나", "다", "라", "마"]):
        hold(film(name, 2001 + number))
    page = manager.get(reverse("catalog:avails"), ASK | {"year_from": 2002, "sort": "year"}
                       ).content.decode()
    assert list(statuses(page)) == ["마 (2005)", "라 (2004)"]
    assert "Page 1 of 2" in page and 'rel="next"' in page
    second = manager.get(reverse("catalog:avails"), ASK | {"year_from": 2002, "sort": "year",
                                                           "page": 2}).content.decode()
    assert list(statuses(second)) == ["다 (2003)", "나 (2002)"]
    assert list(statuses(manager.get(reverse("catalog:avails"), ASK | {
        "q": "라"}).content.decode())) == ["라 (2004)"]


def test_seasons_and_episodes_are_listed_under_their_series_on_request(manager):
    top, _seasons, episodes = series("시리즈", 2020, seasons=1, episodes=2)
    hold(episodes[0])
    page = manager.get(reverse("catalog:avails"), ASK | {"include_parts": "on"}
                       ).content.decode()
    assert statuses(page) == {"시리즈 (2020)": "unavailable", "시리즈 S1": "unavailable",
                              "시리즈 S1 E1": "available", "시리즈 S1 E2": "unavailable"}
    assert page.count('class="depth-2"') == 2
    without = manager.get(reverse("catalog:avails"), ASK).content.decode()
    assert list(statuses(without)) == ["시리즈 (2020)"]


def test_a_group_shows_the_countries_as_a_table_a_map_and_a_grid(manager):
    title = film("여름", 2020)
    hold(title, territory="SOUTHEAST_ASIA")
    grant(title, territory="TH", exclusive=True, end=D(2026, 7, 1), licensee="Thai Stream")
    page = manager.get(reverse("catalog:avails"), ASK | {"territory_expression":
                                                        "SOUTHEAST_ASIA"}).content.decode()
    assert statuses(page) == {"여름 (2020)": "partial"}
    assert re.search(r'<tr data-country="TH"><td>TH · Thailand</td><td>0</td><td>1</td>'
                     r'<td>0</td></tr>', page)
    assert re.search(r'<tr data-country="VN"><td>VN · Viet Nam</td><td>1</td>', page)
    assert re.search(r'class="tile share-1"[^>]*title="Thailand: 0 of 1 titles available, '
                     r'1 partly" data-country="TH"', page)
    assert "Available in BN ID KH LA MM MY PH SG TL VN" in page and "Partly in TH" in page
    grid = manager.get(reverse("catalog:avails"), ASK | {
        "territory_expression": "SOUTHEAST_ASIA", "view": "countries"}).content.decode()
    assert 'id="avails-grid"' in grid
    assert re.search(r'<td class="cell partial" data-country="TH" title="Thailand: Partly '
                     r'available">', grid)
    assert grid.count('<td class="cell available"') == 10


def test_one_title_per_country_a_season_or_an_episode_on_its_own(manager):
    _top, (season,), episodes = series("겨울", 2021, seasons=1, episodes=2)
    hold(season, territory="JP TH")
    grant(episodes[1], territory="TH", exclusive=True, licensee="Thai Stream")
    url = reverse("catalog:avails-title", args=[episodes[1].pk])
    page = manager.get(url, ASK | {"territory_expression": "JP TH"}).content.decode()
    assert 'id="avails-answer" data-status="unavailable"' in page
    assert re.search(r'<tr data-country="JP" data-status="available">', page)
    assert re.search(r'<tr data-country="TH" data-status="unavailable">', page)
    assert re.search(r'class="tile unavailable"[^>]*title="Thailand: Not available" '
                     r'data-country="TH"', page)
    assert "Thai Stream" in page
    first = manager.get(reverse("catalog:avails-title", args=[episodes[0].pk]),
                        ASK).content.decode()
    assert 'data-status="available"' in first
    assert manager.get(reverse("catalog:avails-title", args=[99999999]), ASK).status_code == 404


def test_csv_export_of_the_whole_search(manager):
    hold(film('=cmd|"/c calc"!A1', 2020))
    hold(film("봄", 2019), end=D(2026, 7, 1))
    response = manager.get(reverse("catalog:avails"), ASK | {"format": "csv"})
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith('attachment; filename="avails-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["TitleDisplayUnlimited"], row["Status"], row["FreeWindows"]) for row in rows] == [
        ("'=cmd|\"/c calc\"!A1 (2020)", "available", "2026-01-01 – 2026-12-31"),
        ("봄 (2019)", "partial", "2026-01-01 – 2026-06-30")]


@pytest.mark.parametrize("role", [Role.TRANSLATOR, Role.REVIEWER, Role.PARTNER_STUDIO])
def test_only_rights_managers_and_administrators_ask(client_for, role):
    title = film()
    client, _user = client_for(role)
    for url in (reverse("catalog:avails"), reverse("catalog:avails-title", args=[title.pk])):
        for extra in ({}, {"format": "csv"}):
            response = client.get(url, ASK | extra)
            assert response.status_code == 403, (url, extra)
            assert "text/csv" not in response.get("Content-Type", "")


def test_administrators_ask_too(client_for):
    hold(film())
    client, _user = client_for(Role.ADMINISTRATOR)
    assert client.get(reverse("catalog:avails"), ASK).status_code == 200


def test_what_users_write_is_escaped(manager):
    hold(film("<script>alert(1)</script>", 2020))
    page = manager.get(reverse("catalog:avails"), ASK | {"q": "<script>"}).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (2020)" in page
    assert 'value="&lt;script&gt;"' in page


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"languages": "klingon"}, "languages", "“klingon” is not a language code"),
    ({"languages": "qqq"}, "languages", "Unknown language “qqq”: not an ISO 639 code"),
    ({"languages": "ja, xx"}, "languages", "Unknown language “xx”"),
    ({"languages": ""}, "languages", "Give at least one language"),
    ({"languages": " ".join(["ja"] * 61)}, "languages", "at most 60 languages"),
    ({"territory_expression": "NARNIA"}, "territory_expression", "Unknown territory"),
    ({"last_day": "2025-01-01"}, "last_day", "must end after it starts"),
    ({"start": "2026-02-30"}, "start", "Enter a valid date"),
    ({"year_from": "2020", "year_to": "2010"}, "year_to", "comes before"),
    ({"year_from": "9" * 30}, "year_from", "less than or equal"),
    ({"media": ["bogus"]}, "media", "Select a valid choice"),
    ({"status": "bogus"}, "status", "Select a valid choice"),
    ({"sort": "bogus"}, "sort", "Select a valid choice"),
    ({"titles": ["abc"]}, "titles", "“abc” is not a valid value"),
    ({"titles": [str(2**70)]}, "titles", "Select a valid choice"),
    ({"genre": "99999999"}, "genre", "Select a valid choice"),
])
def test_bad_query_input_is_a_form_error(manager, change, field, message):
    film()
    response = manager.get(reverse("catalog:avails"), ASK | change)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert response.context["search"] is None
    title_page = manager.get(reverse("catalog:avails-title", args=[film("둘", 2001).pk]),
                             ASK | change)
    assert title_page.status_code == 200


@pytest.mark.parametrize("page_number", ["abc", "-1", "0", "9" * 30, "²", "1e3"])
def test_any_page_number_shows_a_page(manager, page_number):
    hold(film())
    response = manager.get(reverse("catalog:avails"), ASK | {"page": page_number})
    assert response.status_code == 200
    assert response.context["search"].page.number == 1


def test_languages_come_as_one_box_or_as_repeated_parameters(manager):
    title = film()
    hold(title, languages=("ja", "th"))
    for languages in ("ja, th", "ja th", ["ja", "th"], ["jpn", "tha"]):
        page = manager.get(reverse("catalog:avails"), ASK | {"languages": languages}
                           ).content.decode()
        assert statuses(page) == {"필름 (2024)": "available"}, languages
    assert 'name="languages" value="ja, th"' in manager.get(
        reverse("catalog:avails"), ASK | {"languages": ["ja", "th"]}).content.decode()
    page = manager.get(reverse("catalog:avails"), ASK | {"languages": "all"}).content.decode()
    assert statuses(page) == {"필름 (2024)": "unavailable"}
    assert "Not held: SVOD, all languages (subtitled) in JP" in page


def test_the_rights_form_takes_any_language_and_holdbacks_not_before_a_day(manager):
    title = film()
    licensor = company("Licensor Co")
    response = manager.post(reverse("catalog:rights-add", args=[title.pk, "in"]), {
        "counterparty": licensor.pk, "contract_reference": "CT-1",
        "territory_expression": "TH VN", "media": ["svod"], "languages": "yue, tha, all",
        "language_kinds": ["sub"], "start": "2026-01-01", "last_day": "",
        "holdback_territory": "VN", "holdback_media": ["svod"],
        "holdback_languages": "vie", "holdback_not_before": "2027-01-01",
        "holdback_description": "<b>cinema first</b>"})
    assert response.status_code == 302, response.context["form"].errors
    block = RightsBlock.objects.get(title=title)
    assert block.language_rights == ["*:sub"]
    stored = Holdback.objects.get(rights_block=block)
    assert stored.window.lower is None and stored.window.upper == D(2027, 1, 1)
    assert stored.language_rights == ["vi:dub", "vi:original", "vi:sub"]
    rights_tab = manager.get(title.get_absolute_url() + "?tab=rights").content.decode()
    assert "not before 2027-01-01" in rights_tab
    assert "&lt;b&gt;cinema first&lt;/b&gt;" in rights_tab


@pytest.mark.parametrize(("holdback", "field"), [
    ({"holdback_not_before": "2027-01-01", "holdback_start": "2026-01-01"},
     "holdback_not_before"),
    ({"holdback_languages": "klingon", "holdback_start": "2026-01-01"}, "holdback_languages"),
    ({"holdback_language_kinds": ["dub"], "holdback_start": "2026-01-01"},
     "holdback_languages"),
    ({}, "holdback_territory"),
])
def test_a_bad_holdback_is_a_form_error(manager, holdback, field):
    title = film()
    response = manager.post(reverse("catalog:rights-add", args=[title.pk, "in"]), {
        "counterparty": company("Licensor Co").pk, "contract_reference": "CT-1",
        "territory_expression": "TH", "media": ["svod"], "languages": "th",
        "language_kinds": ["sub"], "start": "2026-01-01", "holdback_territory": "TH",
        "holdback_media": ["svod"], **holdback})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not RightsBlock.objects.filter(title=title).exists()
