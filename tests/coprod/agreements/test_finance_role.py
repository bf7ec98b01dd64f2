"""The finance team: every agreement to read, the money to record (receipts, expenses),
statements to issue and download, the AI compute costs; never the terms, the catalog or
the rights, and never a decision on a compute hold."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.agreements import services
from coprod.agreements.models import IssuedStatement
from coprod.agreements.statements import statement_issue
from tests.coprod.agreement_helpers import execute, fifty_fifty

pytestmark = pytest.mark.django_db


@pytest.fixture
def executed():
    agreement, sfr, utopai = fifty_fifty()
    services.waterfall_tier_add(actor=None, agreement=agreement, position=1,
                                kind="profit_split", name="Profit")
    return execute(agreement, sfr, utopai)


def test_finance_records_revenue_and_issues_the_statement(client_for, executed):
    client, finance = client_for(Role.FINANCE)
    listing = client.get(reverse("agreements:list")).content.decode()
    assert "JV-2026-001" in listing and "Draft an agreement" not in listing
    terms = client.get(reverse("agreements:detail", args=[executed.pk])).content.decode()
    assert "Joint venture slate" in terms
    # The terms are shown, not offered for editing.
    assert "Edit terms" not in terms and "Add a party" not in terms
    assert 'name="share_percentage"' not in terms and "Change the status" not in terms

    recorded = client.post(reverse("agreements:add", args=[executed.pk, "receipt"]), {
        "title": executed.titles.first().pk, "territory": "JP", "period": "2026-Q1",
        "amount": "2000000", "currency": "KRW", "exchange_rate": "1",
        "received_on": "2026-03-31"}, follow=True)
    assert recorded.status_code == 200
    [receipt] = executed.receipts.all()
    assert receipt.amount == Decimal("2000000")
    assert executed.events.filter(actor=finance).exists()  # the change is an event

    issued = client.post(reverse("agreements:statement-issue",
                                 args=[executed.pk, "2026-Q1"]), follow=True)
    assert "Statement 1 for 2026-Q1 is issued." in issued.content.decode()
    assert IssuedStatement.objects.get(agreement=executed, period="2026-Q1").issued_by == finance
    # Every party's lines, as a rights manager sees them.
    csv_text = client.get(reverse("agreements:statement-csv",
                                  args=[executed.pk, "2026-Q1"])).content.decode()
    assert "SFR" in csv_text and "Utopai Studios" in csv_text


@pytest.mark.parametrize("item", ["party", "contribution", "budget", "tier", "document"])
def test_finance_cannot_change_the_terms(client_for, executed, item):
    client, _finance = client_for(Role.FINANCE)
    version = executed.version
    response = client.post(reverse("agreements:add", args=[executed.pk, item]), {})
    assert response.status_code == 403
    executed.refresh_from_db()
    assert executed.version == version


def test_finance_cannot_edit_move_or_reshare_an_agreement(client_for, executed):
    client, _finance = client_for(Role.FINANCE)
    party = executed.parties.first()
    tier = executed.waterfall_tiers.first()
    refused = [
        client.get(reverse("agreements:edit", args=[executed.pk])),
        client.get(reverse("agreements:create")),
        client.post(reverse("agreements:transition", args=[executed.pk]), {"to": "amended"}),
        client.post(reverse("agreements:party-share", args=[executed.pk, party.pk]),
                    {"share_percentage": "60"}),
        client.post(reverse("agreements:remove", args=[executed.pk, "tier", tier.pk])),
    ]
    assert [response.status_code for response in refused] == [403] * len(refused)
    executed.refresh_from_db()
    party.refresh_from_db()
    assert executed.status == "executed" and party.share_percentage == Decimal("50")
    assert executed.waterfall_tiers.filter(pk=tier.pk).exists()


def test_finance_sees_no_catalog_or_rights(client_for):
    client, _finance = client_for(Role.FINANCE)
    for name in ("catalog:title-list", "localization:overview", "system-status"):
        assert client.get(reverse(name)).status_code == 403, name


def test_finance_sees_compute_holds_but_a_rights_manager_decides(client_for, executed):
    from coprod.compute.models import ComputeHold
    from tests.coprod.compute.test_pages import held

    hold = held(executed.titles.get(), executed)
    client, _finance = client_for(Role.FINANCE)
    for page in (reverse("compute:dashboard"),
                 reverse("agreements:detail", args=[executed.pk]) + "?tab=compute"):
        shown = client.get(page).content.decode()
        assert f'data-hold="{hold.pk}"' in shown, page
        assert "for a rights manager to decide" in shown
        assert reverse("compute:hold-decide", args=[hold.pk]) not in shown
    refused = client.post(reverse("compute:hold-decide", args=[hold.pk]),
                          {"decision": "release"})
    assert refused.status_code == 403
    assert ComputeHold.objects.get(pk=hold.pk).state == hold.state


def test_finance_reads_agreements_and_statements_through_the_api(executed):
    from tests.api.conftest import client_with, token_for
    from tests.factories import UserFactory

    services.receipt_add(actor=None, agreement=executed, title=executed.titles.first(),
                         territory="JP", period="2026-Q1", amount=Decimal("1000000"),
                         currency="KRW", received_on=dt.date(2026, 3, 31))
    statement_issue(actor=None, agreement=executed, period="2026-Q1")
    api = client_with(token_for(UserFactory(role=Role.FINANCE), "read"))
    listed = api.get("/api/v1/agreements/")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    statement = api.get(f"/api/v1/agreements/{executed.pk}/statements/2026-Q1/")
    assert statement.status_code == 200
    assert api.get("/api/v1/titles/").status_code == 403


def test_finance_is_given_no_titles_even_with_a_company(executed):
    from coprod.catalog.permissions import titles_visible_to
    from tests.factories import UserFactory

    sfr = executed.parties.first().company
    finance = UserFactory(role=Role.FINANCE, company=sfr)
    assert not titles_visible_to(finance).exists()


def test_a_hold_decision_never_sends_the_browser_to_another_site(client_for, executed):
    from tests.coprod.compute.test_pages import held

    client, _manager = client_for(Role.RIGHTS_MANAGER)
    for target in ("/\\evil.example", "//evil.example", "https://evil.example/"):
        hold = held(executed.titles.get(), executed)
        answer = client.post(reverse("compute:hold-decide", args=[hold.pk]),
                             {"decision": "refuse", "next": target})
        assert answer["Location"] == reverse("compute:dashboard"), target
