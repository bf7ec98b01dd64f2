import datetime as dt
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from coprod.accounts.roles import Role
from coprod.templatetags.formatting import money

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"


CATALOGS = ["ko", "ja", "zh_Hans", "th"]


@pytest.mark.parametrize("catalog", CATALOGS)
def test_each_catalog_is_complete_current_and_compiled(catalog):
    po = polib.pofile(str(LOCALE_DIR / f"{catalog}/LC_MESSAGES/django.po"))
    assert len(po) > 50
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    # Every catalog holds the same strings as the Korean one (which makemessages keeps
    # current with the code): a string added to the code and missing here fails.
    korean = polib.pofile(str(LOCALE_DIR / "ko/LC_MESSAGES/django.po"))
    assert ({(e.msgctxt, e.msgid) for e in po if not e.obsolete}
            == {(e.msgctxt, e.msgid) for e in korean if not e.obsolete})
    mo = polib.mofile(str(LOCALE_DIR / f"{catalog}/LC_MESSAGES/django.mo"))
    compiled = {entry.msgid: entry.msgstr for entry in mo}
    for entry in po.translated_entries():
        if not entry.msgid_plural:
            assert compiled.get(entry.msgid) == entry.msgstr, (
                f"django.mo is older than django.po for {entry.msgid!r}: run compilemessages"
            )


def test_the_korean_catalog_is_current_with_the_code(tmp_path, settings):
    """makemessages over the code (into a copy) finds no string the catalog lacks."""
    import shutil

    from django.core.management import call_command

    copy = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR / "ko", copy / "ko")
    settings.LOCALE_PATHS = [copy]
    call_command("makemessages", locale=["ko"], ignore_patterns=[".venv/*", "var/*", "tests/*"],
                 no_location=True, verbosity=0)
    refreshed = polib.pofile(str(copy / "ko/LC_MESSAGES/django.po"))
    assert [entry.msgid for entry in refreshed.untranslated_entries()] == []
    current = {entry.msgid for entry in refreshed if not entry.obsolete}
    kept = {entry.msgid for entry in polib.pofile(str(LOCALE_DIR / "ko/LC_MESSAGES/django.po"))
            if not entry.obsolete}
    assert current == kept, "run makemessages: the catalog keeps strings the code dropped"


def test_pages_speak_korean_when_chosen(client_for):
    client, _ = client_for(Role.RIGHTS_MANAGER)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    page = client.get(reverse("catalog:title-list")).content.decode()
    assert '<html lang="ko">' in page
    assert "카탈로그" in page
    assert "로그아웃" in page
    assert "Log out" not in page


def test_denial_reason_is_translated(client_for):
    client, _ = client_for(Role.TRANSLATOR)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    page = client.get(reverse("system-status")).content.decode()
    with translation.override("ko"):
        assert str(Role.ADMINISTRATOR.label) in page
        assert str(Role.TRANSLATOR.label) in page
    assert "This page is for" not in page


def test_language_switcher_sets_the_language(client):
    response = client.post(reverse("set_language"), {"language": "ko", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    page = client.get(reverse("login")).content.decode()
    assert "로그인" in page


def test_times_are_shown_in_the_users_time_zone(client_for):
    client, user = client_for(Role.TRANSLATOR)
    user.last_login = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
    user.save()
    page = client.get(reverse("home")).content.decode()
    assert user.time_zone == "Asia/Seoul"
    assert "Jan. 1, 2026, 9 a.m." in page
    user.time_zone = "America/New_York"
    user.save()
    page = client.get(reverse("home")).content.decode()
    assert "Dec. 31, 2025, 7 p.m." in page


def test_dates_follow_the_locale(client_for):
    client, user = client_for(Role.TRANSLATOR)
    user.last_login = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
    user.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    page = client.get(reverse("home")).content.decode()
    assert "2026년 1월 1일" in page


@pytest.mark.parametrize("language,expected", [("ja", "2026年1月1日"), ("zh-hans", "2026年1月1日"),
                                               ("th", "1 มกราคม 2026")])
def test_dates_follow_each_locale(client_for, language, expected):
    client, user = client_for(Role.TRANSLATOR)
    user.last_login = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
    user.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert expected in client.get(reverse("home")).content.decode()


def test_preferences_change_time_zone_and_language(client_for):
    client, user = client_for(Role.REVIEWER)
    response = client.post(reverse("preferences"), {
        "first_name": "Somchai", "last_name": "Wong", "email": "s@example.com",
        "time_zone": "Asia/Bangkok", "language": "ko",
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "Asia/Bangkok"
    assert user.language == "ko"  # kept for the emails sent to them
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"


def last_login_shown(page: str) -> str:
    import re

    return re.search(r'data-testid="last-login">([^<]*)<', page).group(1)


@pytest.mark.parametrize(("language", "buddhist_era", "expected"), [
    ("th", True, "1 มกราคม 2569"),
    ("th", False, "1 มกราคม 2026"),
    ("ja", True, "2026年1月1日"),  # the Buddhist era is a Thai preference
])
def test_thai_readers_may_choose_buddhist_era_years(client_for, language, buddhist_era,
                                                    expected):
    client, user = client_for(Role.TRANSLATOR)
    user.last_login = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
    user.buddhist_era = buddhist_era
    user.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    shown = last_login_shown(client.get(reverse("home")).content.decode())
    assert shown.startswith(expected), shown


def test_the_buddhist_era_changes_only_what_is_shown():
    from django.utils import dateformat

    from coprod.accounts.eras import buddhist_era

    day = dt.date(2026, 1, 1)
    with translation.override("th"), buddhist_era(True):
        assert dateformat.format(day, "Y y o") == "2569 69 2569"
        # Machine stamps and form input stay Gregorian.
        assert dateformat.format(day, "c").startswith("2026-01-01")
        assert day.strftime("%Y-%m-%d") == "2026-01-01"
    with translation.override("th"):
        assert dateformat.format(day, "Y") == "2026"  # not chosen
    with translation.override("en"), buddhist_era(True):
        assert dateformat.format(day, "Y") == "2026"  # not Thai


def test_the_buddhist_era_is_a_saved_preference(client_for):
    client, user = client_for(Role.REVIEWER)
    response = client.post(reverse("preferences"), {
        "first_name": "Somchai", "last_name": "Wong", "email": "s@example.com",
        "time_zone": "Asia/Bangkok", "language": "th", "buddhist_era": "on",
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.buddhist_era is True
    page = client.get(reverse("preferences")).content.decode()
    import re

    [checkbox] = re.findall(r'<input[^>]*name="buddhist_era"[^>]*>', page)
    assert "checked" in checkbox


def test_preferences_refuse_an_unknown_time_zone(client_for):
    client, user = client_for(Role.REVIEWER)
    response = client.post(reverse("preferences"), {
        "first_name": "", "last_name": "", "email": "", "time_zone": "Mars/Olympus",
        "language": "en",
    })
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.time_zone == "Asia/Seoul"


@pytest.mark.parametrize(("language", "amount", "currency", "expected"), [
    ("en", Decimal("1500000"), "KRW", "₩1,500,000"),
    ("en", Decimal("1234.5"), "USD", "$1,234.50"),
    ("ko", Decimal("1234.5"), "USD", "US$1,234.50"),
    ("ko", Decimal("98000"), "JPY", "JP¥98,000"),
    ("en", Decimal("250000.75"), "THB", "THB250,000.75"),
    ("ja", Decimal("98000"), "JPY", "￥98,000"),
    ("ja", Decimal("1234.5"), "USD", "$1,234.50"),
    ("zh-hans", Decimal("98000"), "JPY", "JP¥98,000"),
    ("th", Decimal("1234.5"), "USD", "US$1,234.50"),
    ("th", Decimal("250000.75"), "THB", "฿250,000.75"),
])
def test_money_is_formatted_for_the_active_language(language, amount, currency, expected):
    with translation.override(language):
        assert money(amount, currency).replace("\xa0", " ") == expected


class _VisibleText(__import__("html.parser").parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "datalist", "option"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "datalist", "option") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def untranslated_on(page: str, catalog: str) -> list[str]:
    """English strings of the catalog (whose translation differs) shown as they are."""
    po = polib.pofile(str(LOCALE_DIR / f"{catalog}/LC_MESSAGES/django.po"))
    english = {entry.msgid for entry in po
               if not entry.msgid_plural and "%" not in entry.msgid and "<" not in entry.msgid
               and len(entry.msgid.split()) >= 2 and entry.msgstr != entry.msgid}
    parser = _VisibleText()
    parser.feed(page)
    return sorted(text for text in parser.parts if text in english)


PAGES = ["home", "catalog:title-list", "agreements:list", "localization:overview",
         "compute:dashboard", "registry:registry", "notifications:list", "preferences",
         "system-status"]


@pytest.mark.parametrize("language,catalog", [("ja", "ja"), ("zh-hans", "zh_Hans"),
                                              ("th", "th")])
def test_the_pages_show_no_untranslated_text(client_for, language, catalog):
    from tests.factories import TitleFactory

    TitleFactory(original_title="별빛")
    # The check finds English left in a page.
    assert untranslated_on("<p>Compute prices and carbon intensity</p>", catalog) == [
        "Compute prices and carbon intensity"]
    client, _user = client_for(Role.ADMINISTRATOR)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        page = response.content.decode()
        assert f'<html lang="{language}">' in page
        assert untranslated_on(page, catalog) == [], name


def test_a_partner_portal_opens_in_the_companys_language(client_for):
    from coprod.accounts.models import Company

    company = Company.objects.create(name="Bangkok Studio", kind=Company.Kind.PARTNER_STUDIO,
                                     country="TH", language="th")
    client, user = client_for(Role.PARTNER_STUDIO, company=company)
    page = client.get(reverse("partner_portal:index")).content.decode()
    assert '<html lang="th"' in page
    # The person's own choice wins over the company's, and the switcher's over both.
    user.language = "ja"
    user.save()
    assert '<html lang="ja">' in client.get(reverse("home")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    assert '<html lang="ko">' in client.get(reverse("home")).content.decode()
