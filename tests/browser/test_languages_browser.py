"""The interface switched to Japanese and Thai in real headless Chromium: the switcher
changes the language, and the pages visited show no text left in English."""

import pytest
from django.contrib.auth.models import Group

from coprod.accounts.roles import Role
from tests.browser.conftest import PAGE_TIMEOUT_MS, log_in
from tests.coprod.accounts.test_i18n_and_formatting import untranslated_on
from tests.factories import TitleFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language,catalog,word", [("ja", "ja", "ログアウト"),
                                                   ("th", "th", "ออกจากระบบ")])
def test_the_switcher_speaks_the_language_on_every_page(browser, live_server, language,
                                                        catalog, word):
    for role in Role.values:  # transactional tests flush the groups a migration made
        Group.objects.get_or_create(name=role)
    TitleFactory(original_title="별빛 식당")
    user = UserFactory(role=Role.RIGHTS_MANAGER)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        log_in(page, live_server.url, user)
        page.goto(f"{live_server.url}/")
        page.select_option("#language-select", language)
        page.click(".language-switcher button[type=submit]")
        page.wait_for_selector(f"html[lang='{language}']")
        for path in ("/", "/catalog/", "/agreements/", "/localization/", "/compute/",
                     "/registry/", "/notifications/", "/accounts/preferences/"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_selector(f"html[lang='{language}']")
            assert word in page.text_content("header"), path
            assert untranslated_on(page.content(), catalog) == [], path
    finally:
        context.close()
