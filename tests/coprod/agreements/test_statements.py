"""Statements a finance team can trust: issued statements never change, late receipts are
prior-period adjustments, amendments take effect from a date, deficits carry forward,
third-party fees and an expense ledger, exact amounts at entry. Figures are worked by hand
in the comments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from coprod.accounts.roles import Role
from coprod.accounts.services import user_create
from coprod.agreements import services
from coprod.agreements.models import IssuedStatement, RevenueReceipt
from coprod.agreements.periods import (
    PeriodError,
    period_bounds,
    period_check,
    period_next,
    period_of,
)
from coprod.agreements.statements import (
    agreement_statements,
    statement_book,
    statement_dump,
    statement_issue,
    statement_load,
)
from coprod.audit.models import Event
from tests.coprod.agreement_helpers import execute, fifty_fifty

pytestmark = pytest.mark.django_db
D = Decimal


def _fee_agreement(percentage=20, **create):
    """SFR and Utopai 50/50: a fee to SFR, then the profit split; executed."""
    agreement, sfr, utopai = fifty_fifty()
    if create:
        services.agreement_update(actor=None, agreement=agreement, data=create)
    sfr_party = agreement.parties.get(company=sfr.company)
    services.waterfall_tier_add(actor=None, agreement=agreement, position=1,
                                kind="distribution_fee", name="Fee", party=sfr_party,
                                percentage=D(percentage))
    services.waterfall_tier_add(actor=None, agreement=agreement, position=2,
                                kind="profit_split", name="Profit")
    agreement = execute(agreement, sfr, utopai)
    return agreement, sfr, utopai


def _receipt(agreement, period, amount, currency="KRW", **extra):
    return services.receipt_add(actor=None, agreement=agreement,
                                title=agreement.titles.first(), territory="JP",
                                period=period, amount=D(amount), currency=currency,
                                received_on=extra.pop("received_on", dt.date(2026, 6, 30)),
                                **extra)


def _payouts(entry):
    return dict(entry.statement.payouts)


# --- periods ----------------------------------------------------------------------------

def test_periods_of_every_length():
    assert period_of("month", dt.date(2026, 3, 31)) == "2026-03"
    assert period_of("quarter", dt.date(2026, 4, 1)) == "2026-Q2"
    assert period_of("half_year", dt.date(2026, 6, 30)) == "2026-H1"
    assert period_of("year", dt.date(2026, 7, 1)) == "2026"
    assert period_bounds("2026-Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert period_bounds("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert period_bounds("2026-H2") == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    assert period_next("2026-Q4") == "2027-Q1"
    assert period_next("2026-12") == "2027-01"
    assert period_check("month", " 2026-03 ") == "2026-03"
    with pytest.raises(PeriodError, match="2026-03"):
        period_check("month", "2026-Q1")
    with pytest.raises(PeriodError, match="2026-Q1"):
        period_check("quarter", "2026-13")


def test_receipts_follow_the_agreements_period_length():
    agreement, _sfr, _utopai = _fee_agreement(statement_period="month")
    assert _receipt(agreement, "2026-03", 1000).period == "2026-03"
    with pytest.raises(ValidationError, match="by month: write the period as 2026-03"):
        _receipt(agreement, "2026-Q1", 1000)
    with pytest.raises(ValidationError, match="has not begun"):
        _receipt(agreement, "2099-01", 1000)
    # Once money is recorded by month, the length can no longer change.
    services.agreement_transition(actor=None, agreement=agreement, to="amended")
    with pytest.raises(ValidationError, match="can no longer change"):
        services.agreement_update(actor=None, agreement=agreement,
                                  data={"statement_period": "quarter"})


# --- issuing ----------------------------------------------------------------------------

def test_an_issued_statement_keeps_its_figures_and_a_late_receipt_is_an_adjustment():
    agreement, _sfr, _utopai = _fee_agreement()
    _receipt(agreement, "2026-Q1", 1_000_000)
    record = statement_issue(actor=None, agreement=agreement, period="2026-Q1")
    assert (record.number, record.terms_version, record.currency) == (1, 1, "KRW")
    assert list(record.receipts.values_list("amount", flat=True)) == [D(1_000_000)]
    assert Event.objects.filter(action=Event.Action.STATEMENT_ISSUED,
                                agreement=agreement).count() == 1
    # Q1: fee 20% of 1,000,000 = 200,000 to SFR; profit 800,000, 400,000 each.
    issued = agreement_statements(agreement)[0]
    assert issued.issued == record
    assert _payouts(issued) == {"SFR": D(600_000), "Utopai Studios": D(400_000)}

    # A receipt for Q1 reported after Q1 was issued goes into Q2, shown as an adjustment.
    late = _receipt(agreement, "2026-Q1", 100_000)
    assert late.is_late
    _receipt(agreement, "2026-Q2", 500_000)
    first, second = agreement_statements(agreement)
    assert _payouts(first) == {"SFR": D(600_000), "Utopai Studios": D(400_000)}
    assert first.statement.gross == D(1_000_000)
    # Q2: 500,000 + 100,000 adjustment = 600,000; fee 120,000; profit 480,000 split 240,000.
    assert second.is_draft and second.period == "2026-Q2"
    assert second.statement.gross == D(600_000)
    assert second.statement.adjustments == [("2026-Q1", str(agreement.titles.first()), "JP",
                                             D(100_000))]
    assert _payouts(second) == {"SFR": D(360_000), "Utopai Studios": D(240_000)}
    record = statement_issue(actor=None, agreement=agreement, period="2026-Q2")
    assert set(record.receipts.values_list("period", flat=True)) == {"2026-Q1", "2026-Q2"}


def test_stored_figures_load_back_exactly():
    agreement, _sfr, _utopai = _fee_agreement()
    _receipt(agreement, "2026-Q1", 1_234_567)
    draft = statement_book(agreement).entries[0].statement
    assert statement_load(statement_dump(draft)) == draft
    record = statement_issue(actor=None, agreement=agreement, period="2026-Q1")
    assert statement_load(IssuedStatement.objects.get(pk=record.pk).figures) == draft


def test_the_database_refuses_to_change_an_issued_statement_or_its_receipts():
    agreement, _sfr, _utopai = _fee_agreement()
    receipt = _receipt(agreement, "2026-Q1", 1_000_000)
    record = statement_issue(actor=None, agreement=agreement, period="2026-Q1")
    for attempt in (
        lambda: IssuedStatement.objects.filter(pk=record.pk).update(period="2026-Q2"),
        lambda: IssuedStatement.objects.filter(pk=record.pk).delete(),
        lambda: RevenueReceipt.objects.filter(pk=receipt.pk).update(amount=D(1)),
        lambda: RevenueReceipt.objects.filter(pk=receipt.pk).delete(),
    ):
        with pytest.raises(IntegrityError, match="never changes|protected"), \
                transaction.atomic():
            attempt()
    with pytest.raises(ValidationError):
        record.save()
    receipt.refresh_from_db()
    assert receipt.amount == D(1_000_000) and receipt.statement_id == record.pk


def test_statements_are_issued_in_order_once_their_period_has_ended():
    agreement, _sfr, _utopai = _fee_agreement()
    _receipt(agreement, "2026-Q1", 1_000)
    _receipt(agreement, "2026-Q2", 2_000)
    with pytest.raises(ValidationError, match="the next one to issue is 2026-Q1"):
        statement_issue(actor=None, agreement=agreement, period="2026-Q2")
    with pytest.raises(ValidationError, match="ends on 2026-03-31"):
        statement_issue(actor=None, agreement=agreement, period="2026-Q1",
                        today=dt.date(2026, 3, 31))
    assert not statement_book(agreement, today=dt.date(2026, 3, 31)).entries[0].can_issue
    statement_issue(actor=None, agreement=agreement, period="2026-Q1",
                    today=dt.date(2026, 4, 1))
    with pytest.raises(ValidationError, match="the next one to issue is 2026-Q2"):
        statement_issue(actor=None, agreement=agreement, period="2026-Q1")
    assert IssuedStatement.objects.filter(agreement=agreement).count() == 1


def test_a_period_without_revenue_is_issued_as_a_nil_statement_to_keep_the_sequence():
    agreement, _sfr, _utopai = _fee_agreement()
    _receipt(agreement, "2026-Q1", 1_000)
    _receipt(agreement, "2026-Q3", 3_000)
    periods = [entry.period for entry in agreement_statements(agreement)]
    assert periods == ["2026-Q1", "2026-Q2", "2026-Q3"]
    statement_issue(actor=None, agreement=agreement, period="2026-Q1")
    nil = statement_issue(actor=None, agreement=agreement, period="2026-Q2")
    assert statement_load(nil.figures).gross == 0 and not nil.receipts.exists()


# --- amendments -------------------------------------------------------------------------

def _amend_fee(agreement, percentage, effective_from):
    services.agreement_transition(actor=None, agreement=agreement, to="amended")
    agreement.refresh_from_db()
    fee = agreement.waterfall_tiers.get(kind="distribution_fee")
    services.agreement_item_remove(actor=None, item=fee)
    services.waterfall_tier_add(actor=None, agreement=agreement, position=1,
                                kind="distribution_fee", name="Fee", party=fee.party,
                                percentage=D(percentage))
    if effective_from is not None:
        services.agreement_update(actor=None, agreement=agreement,
                                  data={"effective_from": effective_from})
    agreement.refresh_from_db()
    return agreement


def test_an_amendment_takes_effect_from_its_date_and_never_rewrites_issued_statements():
    agreement, sfr, utopai = _fee_agreement()
    _receipt(agreement, "2026-Q1", 1_000_000)
    _receipt(agreement, "2026-Q2", 600_000)
    statement_issue(actor=None, agreement=agreement, period="2026-Q1")

    agreement = _amend_fee(agreement, 50, None)
    with pytest.raises(ValidationError, match="give the date the amended terms take effect"):
        services.agreement_transition(actor=None, agreement=agreement,
                                      to="awaiting_approvals")
    services.agreement_update(actor=None, agreement=agreement,
                              data={"effective_from": dt.date(2026, 3, 15)})
    with pytest.raises(ValidationError, match="from 2026-04-01 at the earliest"):
        services.agreement_transition(actor=None, agreement=agreement,
                                      to="awaiting_approvals")
    services.agreement_update(actor=None, agreement=agreement,
                              data={"effective_from": dt.date(2026, 4, 1)})
    services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    agreement.refresh_from_db()
    for user in (sfr, utopai):
        services.agreement_approve(actor=user, agreement=agreement, version=agreement.version)
    agreement.refresh_from_db()
    assert agreement.status == "executed"

    first, second = agreement_statements(agreement)
    # Q1 stays as issued on version 1: fee 200,000; profit 400,000 each.
    assert (first.terms_version, _payouts(first)) == (
        1, {"SFR": D(600_000), "Utopai Studios": D(400_000)})
    # Q2 follows the amendment: fee 50% of 600,000 = 300,000; profit 150,000 each.
    assert second.terms_version == agreement.version
    assert _payouts(second) == {"SFR": D(450_000), "Utopai Studios": D(150_000)}


def test_an_amendment_effective_later_leaves_earlier_open_periods_on_the_old_terms():
    agreement, sfr, utopai = _fee_agreement()
    _receipt(agreement, "2026-Q1", 1_000_000)
    _receipt(agreement, "2026-Q2", 1_000_000)
    agreement = _amend_fee(agreement, 50, dt.date(2026, 5, 20))
    execute_amendment(agreement, sfr, utopai)
    first, second = agreement_statements(agreement)
    assert (first.terms_version, _payouts(first)["SFR"]) == (1, D(600_000))
    # The period containing 2026-05-20 is Q2: fee 500,000 + profit 250,000 = 750,000.
    assert (second.terms_version, _payouts(second)["SFR"]) == (2, D(750_000))


def test_a_period_issued_while_an_amendment_awaits_approval_blocks_an_earlier_date():
    agreement, sfr, utopai = _fee_agreement()
    _receipt(agreement, "2026-Q1", 1_000_000)
    _receipt(agreement, "2026-Q2", 1_000_000)
    agreement = _amend_fee(agreement, 50, dt.date(2026, 4, 1))
    services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    agreement.refresh_from_db()
    services.agreement_approve(actor=sfr, agreement=agreement, version=agreement.version)
    # Q1 and Q2 are issued on version 1 meanwhile: Q2 can no longer follow the amendment.
    statement_issue(actor=None, agreement=agreement, period="2026-Q1")
    statement_issue(actor=None, agreement=agreement, period="2026-Q2")
    with pytest.raises(ValidationError, match="from 2026-07-01 at the earliest"):
        services.agreement_approve(actor=utopai, agreement=agreement,
                                   version=agreement.version)
    agreement.refresh_from_db()
    assert agreement.status == "awaiting_approvals"


def execute_amendment(agreement, *signatories):
    services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    agreement.refresh_from_db()
    for user in signatories:
        services.agreement_approve(actor=user, agreement=agreement, version=agreement.version)


# --- returns ----------------------------------------------------------------------------

def test_a_net_negative_period_carries_its_deficit_forward():
    agreement, _sfr, _utopai = _fee_agreement(percentage=10)
    _receipt(agreement, "2026-Q1", 1_000_000)
    _receipt(agreement, "2026-Q2", 200_000)
    _receipt(agreement, "2026-Q2", -500_000, note="Returned discs")
    _receipt(agreement, "2026-Q3", 1_000_000)
    q1, q2, q3 = agreement_statements(agreement)
    # Q1: fee 100,000; profit 900,000 → SFR 550,000, Utopai 450,000.
    assert _payouts(q1) == {"SFR": D(550_000), "Utopai Studios": D(450_000)}
    # Q2: 200,000 - 500,000 = -300,000: nobody is paid, 300,000 carried forward.
    assert q2.statement.net == D(-300_000)
    assert _payouts(q2) == {"SFR": D(0), "Utopai Studios": D(0)}
    assert q2.statement.deficit_carried_forward == D(300_000)
    # Q3: 1,000,000 - 300,000 = 700,000: fee 70,000; profit 630,000 → 315,000 each.
    assert (q3.statement.deficit_brought_forward, q3.statement.net) == (D(300_000),
                                                                        D(700_000))
    assert _payouts(q3) == {"SFR": D(385_000), "Utopai Studios": D(315_000)}
    for period in ("2026-Q1", "2026-Q2", "2026-Q3"):
        statement_issue(actor=None, agreement=agreement, period=period)
    assert _payouts(agreement_statements(agreement)[2])["SFR"] == D(385_000)


# --- third parties, contributions and the expense ledger ---------------------------------

def _slate_agreement():
    """SFR (investor, 60%) and Utopai (40%); a 10% sales agent fee to a third party, the
    expense ledger capped at 500,000 with 10% overhead, SFR's investment, the profit."""
    agreement, sfr, utopai = fifty_fifty()
    sfr_party = agreement.parties.get(company=sfr.company)
    utopai_party = agreement.parties.get(company=utopai.company)
    services.party_update(actor=None, party=sfr_party, share_percentage=D(60),
                          role="investor")
    services.party_update(actor=None, party=utopai_party, share_percentage=D(40))
    # 500,000 won, and 500 dollars at 1,000 won: 1,000,000 won to recoup.
    services.contribution_add(actor=None, party=sfr_party, kind="capital",
                              amount=D(500_000), currency="KRW")
    services.contribution_add(actor=None, party=sfr_party, kind="capital", amount=D(500),
                              currency="USD", exchange_rate=D(1000))
    services.contribution_add(actor=None, party=utopai_party, kind="ip", amount=D(300_000),
                              currency="KRW", recoupable=False)
    services.waterfall_tier_add(actor=None, agreement=agreement, position=1,
                                kind="distribution_fee", name="Sales agent",
                                payee="Kanto Sales", percentage=D(10))
    services.waterfall_tier_add(actor=None, agreement=agreement, position=2, kind="expenses",
                                name="Expenses", amount=D(500_000),
                                overhead_percentage=D(10))
    services.waterfall_tier_add(actor=None, agreement=agreement, position=3, kind="investor",
                                name="Investment", party=sfr_party)
    services.waterfall_tier_add(actor=None, agreement=agreement, position=4,
                                kind="profit_split", name="Profit")
    agreement = execute(agreement, sfr, utopai)
    return agreement, sfr_party, utopai_party


def test_third_party_fee_ledger_expenses_and_recoupment_from_contributions():
    agreement, sfr_party, utopai_party = _slate_agreement()
    investor_terms = agreement.versions.get(number=1).terms["waterfall"][2]
    assert investor_terms["amount"] == "1000000"  # from the contributions, not typed
    title = agreement.titles.first()
    services.expense_add(actor=None, agreement=agreement, payer=sfr_party, title=title,
                         incurred_on=dt.date(2026, 2, 1), description="Posters",
                         invoice_reference="INV-1", amount=D(200_000), currency="KRW")
    services.expense_add(actor=None, agreement=agreement, payer=utopai_party,
                         incurred_on=dt.date(2026, 2, 10), description="Trailer",
                         amount=D(400_000), currency="KRW")
    _receipt(agreement, "2026-Q1", 2_000_000)
    (entry,) = agreement_statements(agreement)
    statement = entry.statement
    # Fee 10% of 2,000,000 = 200,000 to Kanto Sales; 1,800,000 left.
    # Ledger: SFR owed 220,000, Utopai 440,000 (with 10% overhead) = 660,000, capped at
    # 500,000, pari passu: SFR 500,000 x 1/3 = 166,666.67, Utopai 333,333.33 → the spare
    # won to the larger remainder: 166,667 and 333,333. 1,300,000 left.
    # Investment: SFR recoups its 1,000,000. Profit 300,000: 180,000 / 120,000.
    assert dict(statement.payouts) == {
        "Kanto Sales": D(200_000), "SFR": D(166_667 + 1_000_000 + 180_000),
        "Utopai Studios": D(333_333 + 120_000)}
    ledger = next(line for line in statement.tiers if line.name == "2. Expenses")
    assert ledger.paid == D(500_000) and ledger.remaining_to_recoup == D(0)
    assert {(payer, amount) for payer, _title, _ref, amount in statement.expenses} == {
        ("SFR", D(200_000)), ("Utopai Studios", D(400_000))}
    record = statement_issue(actor=None, agreement=agreement, period="2026-Q1")
    assert record.expenses.count() == 2
    # A partner's view never shows the third party or the other party.
    lines = statement.for_party("Utopai Studios")
    assert [line.tier for line in lines] == ["2. Expenses", "4. Profit"]


def test_payee_and_party_rules_for_tiers():
    agreement, sfr, _utopai = fifty_fifty()
    sfr_party = agreement.parties.get(company=sfr.company)
    with pytest.raises(ValidationError, match="either to a party or to a third-party payee"):
        services.waterfall_tier_add(actor=None, agreement=agreement, position=1,
                                    kind="distribution_fee", name="Fee", party=sfr_party,
                                    payee="Agent", percentage=D(5))
    with pytest.raises(ValidationError, match="record them under Contributions"):
        services.waterfall_tier_add(actor=None, agreement=agreement, position=2,
                                    kind="investor", name="Investment", party=sfr_party,
                                    amount=D(100))
    with pytest.raises(ValidationError, match="KRW has no minor unit"):
        services.waterfall_tier_add(actor=None, agreement=agreement, position=2,
                                    kind="expenses", name="Expenses", amount=D("10.5"))


# --- approval refuses what computation refuses -------------------------------------------

def test_approval_refuses_terms_the_statements_could_not_compute():
    agreement, sfr, utopai = fifty_fifty()
    sfr_party = agreement.parties.get(company=sfr.company)
    for position in (1, 2):
        services.waterfall_tier_add(actor=None, agreement=agreement, position=position,
                                    kind="profit_split", name=f"Profit {position}")
    services.agreement_transition(actor=None, agreement=agreement, to="negotiation")
    with pytest.raises(ValidationError, match="exactly one profit split"):
        services.agreement_transition(actor=None, agreement=agreement,
                                      to="awaiting_approvals")
    services.agreement_item_remove(actor=None, item=agreement.waterfall_tiers.first())
    services.waterfall_tier_add(actor=None, agreement=agreement, position=0, kind="investor",
                                name="Investment", party=sfr_party)
    with pytest.raises(ValidationError, match="has no recoupable contribution recorded"):
        services.agreement_transition(actor=None, agreement=agreement,
                                      to="awaiting_approvals")
    services.contribution_add(actor=None, party=sfr_party, kind="capital",
                              amount=D(1_000), currency="KRW")
    services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    agreement.refresh_from_db()
    for user in (sfr, utopai):
        services.agreement_approve(actor=user, agreement=agreement, version=agreement.version)
    _receipt(agreement, "2026-Q1", 5_000)
    assert not isinstance(agreement_statements(agreement), str)


# --- precision at entry -----------------------------------------------------------------

def test_amounts_are_refused_when_finer_than_the_currency_allows():
    agreement, sfr, _utopai = _fee_agreement()
    party = agreement.parties.get(company=sfr.company)
    with pytest.raises(ValidationError, match="KRW has no minor unit"):
        _receipt(agreement, "2026-Q1", "1000.5")
    with pytest.raises(ValidationError, match="USD allows 2 decimal places"):
        _receipt(agreement, "2026-Q1", "10.005", currency="USD", exchange_rate=D(1380))
    assert _receipt(agreement, "2026-Q1", "10.05", currency="USD",
                    exchange_rate=D(1380)).amount == D("10.05")
    with pytest.raises(ValidationError, match="JPY has no minor unit"):
        services.expense_add(actor=None, agreement=agreement, payer=party,
                             incurred_on=dt.date(2026, 1, 5), description="Hotel",
                             amount=D("100.50"), currency="JPY", exchange_rate=D("9.1"))
    with pytest.raises(ValidationError, match="exchange rate"):
        services.expense_add(actor=None, agreement=agreement, payer=party,
                             incurred_on=dt.date(2026, 1, 5), description="Hotel",
                             amount=D("100"), currency="JPY")
    services.agreement_transition(actor=None, agreement=agreement, to="amended")
    with pytest.raises(ValidationError, match="KRW has no minor unit"):
        services.contribution_add(actor=None, party=party, kind="capital",
                                  amount=D("0.5"), currency="KRW")
    assert RevenueReceipt.objects.filter(agreement=agreement).count() == 1


# --- the pages --------------------------------------------------------------------------

@pytest.fixture
def manager(client):
    user = user_create(username="finance", password="pw-long-enough",
                       role=Role.RIGHTS_MANAGER)
    client.force_login(user)
    return user


def test_issuing_and_recording_through_the_pages(client, manager):
    agreement, sfr_party, _utopai_party = _slate_agreement()
    add = reverse("agreements:add", args=[agreement.pk, "expense"])
    response = client.post(add, {
        "payer": sfr_party.pk, "incurred_on": "2026-02-01", "description": "Posters <b>",
        "invoice_reference": "INV-9", "amount": "200000", "currency": "KRW",
        "exchange_rate": "1",
        "document": SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 invoice")}, follow=True)
    assert "The expense is recorded." in response.content.decode()
    expense = agreement.expenses.get()
    assert expense.document.read() == b"%PDF-1.4 invoice"
    revenue = client.get(reverse("agreements:detail", args=[agreement.pk]),
                         {"tab": "revenue"}).content.decode()
    assert "Posters &lt;b&gt;" in revenue and "INV-9" in revenue
    assert client.get(reverse("agreements:expense-document",
                              args=[agreement.pk, expense.pk])).status_code == 200
    refused = client.post(add, {"payer": sfr_party.pk, "incurred_on": "2026-02-01",
                                "description": "Too fine", "amount": "1.5",
                                "currency": "KRW", "exchange_rate": "1"}, follow=True)
    assert "KRW has no minor unit" in refused.content.decode()
    assert agreement.expenses.count() == 1

    client.post(reverse("agreements:add", args=[agreement.pk, "receipt"]), {
        "title": agreement.titles.first().pk, "territory": "JP", "period": "2026-Q1",
        "amount": "2000000", "currency": "KRW", "exchange_rate": "1",
        "received_on": "2026-03-31"})
    page = client.get(reverse("agreements:detail", args=[agreement.pk]),
                      {"tab": "statements"}).content.decode()
    assert "Close and issue 2026-Q1" in page and "draft" in page
    response = client.post(reverse("agreements:statement-issue",
                                   args=[agreement.pk, "2026-Q1"]), follow=True)
    assert "Statement 1 for 2026-Q1 is issued." in response.content.decode()
    assert IssuedStatement.objects.filter(agreement=agreement, period="2026-Q1").exists()
    again = client.post(reverse("agreements:statement-issue",
                                args=[agreement.pk, "2026-Q1"]), follow=True)
    assert again.status_code == 200
    assert "no open period" in again.content.decode()

    late = client.post(reverse("agreements:add", args=[agreement.pk, "receipt"]), {
        "title": agreement.titles.first().pk, "territory": "TH", "period": "2026-Q1",
        "amount": "100000", "currency": "KRW", "exchange_rate": "1",
        "received_on": "2026-05-01"}, follow=True)
    assert "prior-period adjustment" in late.content.decode()
    csv_text = client.get(reverse("agreements:statement-csv",
                                  args=[agreement.pk, "2026-Q1"])).content.decode()
    assert "issued" in csv_text and "statement_number,1" in csv_text
    assert "Kanto Sales" in csv_text


def test_partners_see_issued_statements_only(client):
    from tests.coprod.portal.test_portal_and_statements import partner_agreement

    agreement, partner, _title = partner_agreement("Studio D", "studio-d", "AGR-D",
                                                   issue=False)
    statement_issue(actor=None, agreement=agreement, period="2026-Q1")
    client.force_login(partner)
    page = client.get(reverse("partner_portal:coprod_agreement_change",
                              args=[agreement.pk])).content.decode()
    assert "2026-Q1" in page and "2026-Q2" not in page
    draft = client.get(reverse("partner_portal:coprod_agreement_statement",
                               args=[agreement.pk, "2026-Q2"]))
    assert draft.status_code == 404
    issued = client.get(reverse("partner_portal:coprod_agreement_statement",
                                args=[agreement.pk, "2026-Q1"]))
    assert issued.status_code == 200
