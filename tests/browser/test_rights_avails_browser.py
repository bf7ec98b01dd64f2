"""A rights manager asks what can be licensed in Southeast Asia, in real headless
Chromium: the catalog-wide answer, per country as a table, a map and a grid, and one
title's countries (the README's screenshots, with UPDATE_SCREENSHOTS=1)."""

import datetime as dt

import pytest

from coprod.accounts.roles import Role
from coprod.accounts.services import user_create
from coprod.catalog.models import Genre
from tests.browser.conftest import PAGE_TIMEOUT_MS, PASSWORD, log_in
from tests.coprod.rights_helpers import film, grant, hold, holdback, series

pytestmark = pytest.mark.django_db(transaction=True)

D = dt.date
QUERY = ("territory_expression=SOUTHEAST_ASIA&media=svod&languages=th%2C+vi%2C+id"
         "&language_kinds=sub&start=2026-01-01&last_day=2027-12-31&sort=status")


def _catalog():
    # A transactional test may follow one that emptied the tables the migrations seeded.
    drama = Genre.objects.get_or_create(code="drama", defaults={"name": "Drama",
                                                                "name_ko": "드라마"})[0]
    thriller = Genre.objects.get_or_create(code="thriller", defaults={"name": "Thriller",
                                                                      "name_ko": "스릴러"})[0]
    names = [("별빛 식당", 2023, drama), ("서울의 밤", 2021, thriller),
             ("바다의 노래", 2024, drama), ("겨울 기차", 2019, drama),
             ("마지막 편지", 2022, thriller), ("<첫사랑>", 2020, drama)]
    titles = []
    for name, year, genre in names:
        title = film(name, year)
        title.genres.add(genre)
        titles.append(title)
    languages = ("th", "vi", "id")
    hold(titles[0], territory="SOUTHEAST_ASIA", languages=languages, start=D(2025, 1, 1),
         end=None)
    hold(titles[1], territory="SOUTHEAST_ASIA", languages=languages, holdbacks=[
        holdback(territory="VN", media=("svod",), end=D(2026, 7, 1),
                 description="cinema release first")])
    grant(titles[1], territory="TH", languages=("th",), exclusive=True, end=D(2027, 1, 1),
          licensee="Siam Stream")
    hold(titles[2], territory="SOUTHEAST_ASIA -SG -MY", languages=languages)
    hold(titles[3], territory="TH VN", languages=("th", "vi"), start=D(2026, 6, 1))
    hold(titles[5], territory="SOUTHEAST_ASIA", languages=("all",), end=D(2026, 10, 1))
    top, _seasons, episodes = series("한강 이야기", 2025, seasons=1, episodes=2)
    top.genres.add(thriller)
    hold(top, territory="SOUTHEAST_ASIA", languages=languages)
    grant(episodes[1], territory="ID", languages=("id",), exclusive=True,
          licensee="Jakarta Play")
    return titles, top


def test_what_can_be_licensed_in_southeast_asia(browser, live_server, screenshots):
    titles, top = _catalog()
    manager = user_create(username="manager", password=PASSWORD, role=Role.RIGHTS_MANAGER)
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    log_in(page, live_server.url, manager)

    page.goto(f"{live_server.url}/catalog/avails/?{QUERY}")
    page.wait_for_selector("#avails-results")
    statuses = page.locator("#avails-results tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.status)")
    # Free everywhere; free everywhere part of the time; never free everywhere at once.
    assert statuses == ["available", "partial", "partial", "unavailable", "unavailable",
                        "unavailable", "unavailable"]
    assert page.locator("#country-summary-table tbody tr").count() == 11
    assert page.locator(".tile-map .tile").count() == 11
    thailand = page.locator("#country-summary-table tr[data-country=TH]").inner_text()
    # 겨울 기차 is held in Thai and Vietnamese only: Indonesian subtitles are not held in TH.
    assert thailand.split("\t")[1:] == ["3", "2", "2"]
    assert "<첫사랑> (2020)" in page.inner_text("#avails-results")  # text, escaped
    page.screenshot(path=screenshots / "avails-search.png", full_page=True)

    page.click("#grid-link")
    page.wait_for_selector("#avails-grid")
    assert page.locator("#avails-grid td.cell").count() == 7 * 11
    page.screenshot(path=screenshots / "avails-grid.png", full_page=True)

    page.goto(f"{live_server.url}/catalog/avails/titles/{titles[1].pk}/?{QUERY}")
    page.wait_for_selector("#avails-countries")
    assert page.locator("#avails-answer").get_attribute("data-status") == "partial"
    assert page.locator("#avails-countries tr[data-country=TH]").get_attribute(
        "data-status") == "partial"
    assert "cinema release first" in page.inner_text("#avails-countries tr[data-country=VN]")
    page.screenshot(path=screenshots / "avails-title.png", full_page=True)
    context.close()
