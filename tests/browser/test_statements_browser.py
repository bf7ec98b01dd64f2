"""A finance user closes a period and issues its statement in real headless Chromium; the
issued statement shows its number, its adjustments and where the money went."""

import datetime as dt
from decimal import Decimal

import pytest

from coprod.accounts.roles import Role
from coprod.accounts.services import user_create
from coprod.agreements import services
from coprod.agreements.models import IssuedStatement
from tests.browser.conftest import PAGE_TIMEOUT_MS, PASSWORD, log_in
from tests.coprod.agreement_helpers import execute, fifty_fifty

pytestmark = pytest.mark.django_db(transaction=True)


def _agreement():
    agreement, sfr, utopai = fifty_fifty()
    sfr_party = agreement.parties.get(company=sfr.company)
    services.waterfall_tier_add(actor=None, agreement=agreement, position=1,
                                kind="distribution_fee", name="Sales agent",
                                payee="Kanto Sales <Tokyo>", percentage=Decimal(10))
    services.waterfall_tier_add(actor=None, agreement=agreement, position=2,
                                kind="distribution_fee", name="Distribution", party=sfr_party,
                                percentage=Decimal(20))
    services.waterfall_tier_add(actor=None, agreement=agreement, position=3,
                                kind="profit_split", name="Profit")
    agreement = execute(agreement, sfr, utopai)
    title = agreement.titles.first()
    services.receipt_add(actor=None, agreement=agreement, title=title, territory="JP",
                         period="2026-Q1", amount=Decimal(10_000_000), currency="KRW",
                         received_on=dt.date(2026, 3, 31))
    return agreement, title


def test_finance_closes_a_period_and_the_issued_statement_shows_where_the_money_went(
        browser, live_server, screenshots):
    agreement, title = _agreement()
    manager = user_create(username="finance", password=PASSWORD, role=Role.RIGHTS_MANAGER)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    log_in(page, live_server.url, manager)

    page.goto(f"{live_server.url}{agreement.get_absolute_url()}?tab=statements")
    page.get_by_role("button", name="Close and issue 2026-Q1").click()
    page.wait_for_selector("text=Statement 1 for 2026-Q1 is issued.")
    assert IssuedStatement.objects.filter(agreement=agreement, period="2026-Q1").count() == 1
    assert page.locator("tr[data-period='2026-Q1']").inner_text().count("issued, no. 1") == 1

    # Revenue reported late for Q1 goes into Q2 as a prior-period adjustment.
    page.goto(f"{live_server.url}{agreement.get_absolute_url()}?tab=revenue")
    page.select_option("select[name=title]", str(title.pk))
    page.fill("input[name=territory]", "TH")
    page.fill("input[name=period]", "2026-Q1")
    page.fill("input[name=amount]", "2000000")
    page.fill("input[name=received_on]", "2026-05-04")
    page.get_by_role("button", name="Record", exact=True).first.click()
    page.wait_for_selector("text=goes into the next statement as a prior-period adjustment")

    page.goto(f"{live_server.url}/agreements/{agreement.pk}/statements/2026-Q1/")
    page.wait_for_selector("#waterfall-chart svg[role=img]")
    body = page.inner_text("body")
    # 10,000,000: 10% to the agent, 20% to SFR, 7,000,000 split 3,500,000 each.
    assert "₩1,000,000" in body and "₩3,500,000" in body
    assert "Kanto Sales <Tokyo>" in body  # shown as text, escaped in the markup
    assert page.locator("#waterfall-legend tbody tr").count() == 4
    page.screenshot(path=screenshots / "statement-issued.png", full_page=True)

    page.goto(f"{live_server.url}/agreements/{agreement.pk}/statements/2026-Q2/")
    page.wait_for_selector("text=Prior-period adjustment")
    assert "2026-Q1" in page.inner_text("body")
    context.close()
