"""From the browser: an approved track's dub plays in the editor, and the partner downloads
the delivery package from the portal (Debian's Chromium through Playwright)."""

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from coprod.accounts.models import Company
from coprod.accounts.roles import Role
from localization.delivery import services as delivery
from localization.dubbing import services as dubbing
from tests.browser.conftest import PAGE_TIMEOUT_MS
from tests.browser.conftest import log_in as log_in_page
from tests.coprod.rights_helpers import company, grant, hold
from tests.factories import TitleFactory, UserFactory
from tests.localization.dubbing_helpers import approve_models_for, approved_track

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    log_in_page(page, live_server.url, user)
    return context, page


def test_dub_plays_in_the_editor_and_the_partner_downloads_the_package(browser, live_server):
    studio = company("Siam Studio", kind=Company.Kind.PARTNER_STUDIO, country="TH")
    partner = UserFactory(role=Role.PARTNER_STUDIO, company=studio)
    reviewer = UserFactory(role=Role.REVIEWER)
    title = TitleFactory(romanized_title="Haebaragi")
    approve_models_for(title, "espeak-ng th")
    track = approved_track(title, "th", [(0, 2500, "สวัสดีครับ", ""),
                                         (3000, 5000, "ลาก่อนครับ", "")], user=reviewer)
    dub = dubbing.dub_create(track=track)  # committed: the eager task runs on commit
    dub.refresh_from_db()
    assert dub.state == "done", dub.error
    hold(title, territory="TH", languages=("th",), kinds=("sub", "dub"),
         start=dt.date(2026, 1, 1), end=dt.date(2030, 1, 1), contract="CT-IN-9")
    grant(title, licensee="Siam Studio", territory="TH", languages=("th",),
          kinds=("sub", "dub"), start=dt.date(2026, 1, 1), end=dt.date(2028, 1, 1),
          contract="CT-OUT-9")
    package = delivery.package_create(title=title, language="th", licensee=studio,
                                      territory="TH", media=["svod"],
                                      start=dt.date(2026, 6, 1), end=dt.date(2027, 6, 1))
    package.refresh_from_db()
    assert package.state == "done", package.error

    context, page = log_in(browser, live_server, reviewer)
    page.goto(f"{live_server.url}{reverse('localization:editor', args=[track.pk])}")
    page.wait_for_selector("#dub-player")
    status = page.evaluate("async (url) => (await fetch(url, {headers: {Range: 'bytes=0-11'}}))"
                           ".status", page.get_attribute("#dub-player", "src"))
    assert status == 206
    page.wait_for_function("document.getElementById('dub-player').duration > 4")
    context.close()

    context, page = log_in(browser, live_server, partner)
    page.goto(f"{live_server.url}"
              f"{reverse('partner_portal:localization_deliverypackage_changelist')}")
    link = reverse("partner_portal:localization_deliverypackage_download", args=[package.pk])
    with page.expect_download() as download_info:
        page.click(f"a[href='{link}']")
    data = Path(download_info.value.path()).read_bytes()
    context.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert {entry["path"] for entry in manifest["files"]} <= set(archive.namelist())
