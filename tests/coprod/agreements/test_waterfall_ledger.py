"""Deficits, prior-period adjustments and the expense ledger tier of the revenue waterfall,
checked against figures worked out by hand in the comments."""

from decimal import Decimal

import pytest

from coprod.agreements.waterfall import (
    DistributionFeeTier,
    Expense,
    ExpenseLedgerTier,
    ExpenseTier,
    InvestorLine,
    InvestorPosition,
    InvestorRecoupmentTier,
    PartyLine,
    ProfitSplitTier,
    Receipt,
    TierKind,
    Waterfall,
    WaterfallState,
    compute_statement,
    statement_csv,
    statement_csv_for_party,
)

D = Decimal


def krw(title, territory, amount, adjusts_period=""):
    return Receipt(title=title, territory=territory, amount=D(amount), currency="KRW",
                   adjusts_period=adjusts_period)


def usd(title, territory, amount):
    return Receipt(title=title, territory=territory, amount=D(amount), currency="USD")


def line(statement, name):
    return next(each for each in statement.tiers if each.name == name)


def profit(*shares):
    return ProfitSplitTier("Profit split", shares or (("SFR", D(50)), ("Utopai", D(50))))


def total_paid(statement):
    return sum((amount for _party, amount in statement.payouts), D(0))


# --- three quarters of a KRW waterfall with an expense ledger ---------------------------

@pytest.fixture
def ledger_waterfall():
    return Waterfall(currency="KRW", periods_per_year=4, tiers=(
        DistributionFeeTier("Distribution fee", "Distributor", D(10)),
        ExpenseLedgerTier("Expenses", ("SFR", "Utopai"), overhead_percentage=D(10),
                          interest_percentage=D(8)),
        profit(),
    ))


def first_quarter(waterfall):
    return compute_statement(
        waterfall, period="2026-Q1", state=WaterfallState.empty(),
        receipts=[krw("Moonlit Harbor", "KR", 4_000_000)],
        expenses=[Expense("SFR", D(3_000_000), reference="PA-001", title="Moonlit Harbor"),
                  Expense("Utopai", D(1_234_567), reference="FEST-07")])


def second_quarter(waterfall, state):
    return compute_statement(
        waterfall, period="2026-Q2", state=state,
        receipts=[krw("Moonlit Harbor", "KR", 500_000), krw("Moonlit Harbor", "KR", -800_000)],
        expenses=[Expense("SFR", D(100_000), reference="PA-002")])


def third_quarter(waterfall, state):
    return compute_statement(
        waterfall, period="2026-Q3", state=state,
        receipts=[krw("Moonlit Harbor", "KR", 6_000_000),
                  krw("Salt Wind", "JP", 1_000_000, adjusts_period="2026-Q1"),
                  krw("Salt Wind", "JP", -200_000, adjusts_period="2026-Q1")],
        expenses=[Expense("Utopai", D(50_000), reference="FEST-08")])


def test_first_quarter_recoups_the_ledger_pari_passu(ledger_waterfall):
    statement = first_quarter(ledger_waterfall)
    # Gross = net = 4,000,000 (no deficit). Fee 10% = 400,000; left 3,600,000.
    assert (statement.gross, statement.deficit_brought_forward, statement.net,
            statement.deficit_carried_forward) == (D(4_000_000), D(0), D(4_000_000), D(0))
    assert line(statement, "Distribution fee").paid == D(400_000)

    # Owed with 10% overhead, nothing outstanding before so no interest:
    #   SFR    3,000,000 x 1.10 = 3,300,000
    #   Utopai 1,234,567 x 1.10 = 1,358,023.7 -> 1,358,023
    # 4,658,023 in all, more than the 3,600,000 left, so pro rata:
    #   SFR    3,600,000 x 3,300,000 / 4,658,023 = 2,550,438.244 -> 2,550,438
    #   Utopai 3,600,000 x 1,358,023 / 4,658,023 = 1,049,561.756 -> 1,049,561
    # Floors 3,599,999; the KRW left goes to Utopai (remainder .756 against .244).
    ledger = line(statement, "Expenses")
    assert ledger.kind == TierKind.EXPENSE_LEDGER == "expense_ledger"
    assert (ledger.available, ledger.paid) == (D(3_600_000), D(3_600_000))
    assert ledger.paid_to == (("SFR", D(2_550_438)), ("Utopai", D(1_049_562)))
    # 4,658,023 - 3,600,000 = 1,058,023 still to recoup.
    assert (ledger.recouped_to_date, ledger.remaining_to_recoup) == (D(3_600_000),
                                                                    D(1_058_023))
    assert ledger.investors == (
        # 3,300,000 - 2,550,438 = 749,562; 1,358,023 - 1,049,562 = 308,461.
        InvestorLine("SFR", D(3_300_000), D(2_550_438), D(2_550_438), D(749_562)),
        InvestorLine("Utopai", D(1_358_023), D(1_049_562), D(1_049_562), D(308_461)),
    )
    assert line(statement, "Profit split").paid == D(0)
    # 400,000 + 2,550,438 + 1,049,562 = 4,000,000
    assert statement.payouts == (("Distributor", D(400_000)), ("SFR", D(2_550_438)),
                                 ("Utopai", D(1_049_562)))
    assert statement.unrecouped == D(1_058_023)
    assert statement.expenses == [("SFR", "Moonlit Harbor", "PA-001", D(3_000_000)),
                                  ("Utopai", "", "FEST-07", D(1_234_567))]

    state = statement.carried_forward
    assert dict(state.ledger_owed) == {("Expenses", "SFR"): D(3_300_000),
                                       ("Expenses", "Utopai"): D(1_358_023)}
    assert dict(state.ledger_recouped) == {("Expenses", "SFR"): D(2_550_438),
                                           ("Expenses", "Utopai"): D(1_049_562)}
    assert state.tier_total("Expenses") == D(3_600_000) and state.deficit == D(0)


def test_a_net_negative_quarter_pays_nobody_but_expenses_and_interest_accrue(
        ledger_waterfall):
    statement = second_quarter(ledger_waterfall, first_quarter(ledger_waterfall).carried_forward)
    # 500,000 - 800,000 = -300,000: nobody is paid, 300,000 is carried forward.
    assert (statement.gross, statement.net, statement.deficit_carried_forward) == (
        D(-300_000), D(-300_000), D(300_000))
    assert statement.payouts == (("Distributor", D(0)), ("SFR", D(0)), ("Utopai", D(0)))
    assert all(each.available == 0 and each.paid == 0 for each in statement.tiers)

    # A quarter's interest is 8% / 4 = 2% of what was outstanding when it began:
    #   SFR    749,562 x 2% = 14,991.24 -> 14,991
    #   Utopai 308,461 x 2% =  6,169.22 ->  6,169
    # SFR's new expense: 100,000 x 1.10 = 110,000.
    #   SFR    owed 3,300,000 + 14,991 + 110,000 = 3,424,991, outstanding 874,553
    #   Utopai owed 1,358,023 +  6,169           = 1,364,192, outstanding 314,630
    ledger = line(statement, "Expenses")
    assert ledger.investors == (
        InvestorLine("SFR", D(3_424_991), D(0), D(2_550_438), D(874_553)),
        InvestorLine("Utopai", D(1_364_192), D(0), D(1_049_562), D(314_630)),
    )
    assert ledger.remaining_to_recoup == D(1_189_183)  # 874,553 + 314,630

    state = statement.carried_forward
    assert state.deficit == D(300_000)
    assert dict(state.ledger_owed) == {("Expenses", "SFR"): D(3_424_991),
                                       ("Expenses", "Utopai"): D(1_364_192)}
    # What was paid to date is unchanged.
    assert dict(state.ledger_recouped) == {("Expenses", "SFR"): D(2_550_438),
                                           ("Expenses", "Utopai"): D(1_049_562)}
    assert dict(state.tier_totals) == {"Distribution fee": D(400_000),
                                       "Expenses": D(3_600_000), "Profit split": D(0)}


def test_the_deficit_is_made_good_before_the_fee_and_late_receipts_show_as_adjustments(
        ledger_waterfall):
    first = first_quarter(ledger_waterfall)
    second = second_quarter(ledger_waterfall, first.carried_forward)
    statement = third_quarter(ledger_waterfall, second.carried_forward)
    # Gross 6,000,000 + 1,000,000 - 200,000 = 6,800,000, the Q1 adjustment included;
    # net 6,800,000 - 300,000 deficit = 6,500,000.
    assert (statement.gross, statement.deficit_brought_forward, statement.net,
            statement.deficit_carried_forward) == (D(6_800_000), D(300_000), D(6_500_000),
                                                   D(0))
    assert statement.receipts_by_title_territory == [("Moonlit Harbor", "KR", D(6_000_000))]
    assert statement.adjustments == [("2026-Q1", "Salt Wind", "JP", D(800_000))]

    # The fee is 10% of the net: 650,000 (not 680,000 of the gross); left 5,850,000.
    fee = line(statement, "Distribution fee")
    assert (fee.available, fee.paid, fee.recouped_to_date) == (D(6_500_000), D(650_000),
                                                               D(1_050_000))

    # Interest at 2% on the balances outstanding when Q3 began:
    #   SFR    874,553 x 2% = 17,491.06 -> 17,491; owed 3,424,991 + 17,491 = 3,442,482
    #   Utopai 314,630 x 2% =  6,292.6  ->  6,292; plus 50,000 x 1.10 = 55,000:
    #          owed 1,364,192 + 6,292 + 55,000 = 1,425,484
    # Outstanding: SFR 3,442,482 - 2,550,438 = 892,044; Utopai 1,425,484 - 1,049,562 =
    # 375,922; 1,267,966 in all, less than 5,850,000: both paid in full.
    ledger = line(statement, "Expenses")
    assert (ledger.available, ledger.paid) == (D(5_850_000), D(1_267_966))
    assert ledger.investors == (
        InvestorLine("SFR", D(3_442_482), D(892_044), D(3_442_482), D(0)),
        InvestorLine("Utopai", D(1_425_484), D(375_922), D(1_425_484), D(0)),
    )
    assert (ledger.recouped_to_date, ledger.remaining_to_recoup) == (D(4_867_966), D(0))

    # Profit 5,850,000 - 1,267,966 = 4,582,034: 2,291,017 each.
    assert line(statement, "Profit split").paid_to == (("SFR", D(2_291_017)),
                                                       ("Utopai", D(2_291_017)))
    # SFR 892,044 + 2,291,017 = 3,183,061; Utopai 375,922 + 2,291,017 = 2,666,939;
    # 650,000 + 3,183,061 + 2,666,939 = 6,500,000, the net.
    assert statement.payouts == (("Distributor", D(650_000)), ("SFR", D(3_183_061)),
                                 ("Utopai", D(2_666_939)))
    assert total_paid(statement) == statement.net
    assert statement.unrecouped == D(0)
    assert statement.carried_forward.deficit == D(0)

    # A payer sees its ledger balance like an investor's.
    assert statement.for_party("Utopai") == [
        PartyLine("Expenses", TierKind.EXPENSE_LEDGER, D(5_850_000), D(375_922),
                  D(1_425_484), D(0)),
        PartyLine("Profit split", TierKind.PROFIT_SPLIT, D(4_582_034), D(2_291_017),
                  None, None),
    ]

    # Once recouped, nothing is outstanding, so no more interest: a quarter with no
    # expenses leaves the ledger as it was and everything after the fee is profit.
    fourth = compute_statement(ledger_waterfall, period="2026-Q4",
                               state=statement.carried_forward,
                               receipts=[krw("Moonlit Harbor", "KR", 1_000_000)])
    assert line(fourth, "Expenses").paid == D(0)
    assert fourth.carried_forward.ledger_owed == statement.carried_forward.ledger_owed
    assert line(fourth, "Profit split").paid == D(900_000)


def test_a_deficit_can_last_several_periods():
    waterfall = Waterfall(currency="KRW", tiers=(
        DistributionFeeTier("Distribution fee", "Distributor", D(20)), profit()))
    state = WaterfallState.empty()
    # P1: 100 - 400 = -300. P2: 100 - 300 = -200. P3: 1,000 - 200 = 800, fee 20% = 160,
    # profit 640 -> 320 / 320.
    figures = []
    for period, receipts in (("P1", [100, -400]), ("P2", [100]), ("P3", [1_000])):
        statement = compute_statement(waterfall, period=period, state=state,
                                      receipts=[krw("Moonlit Harbor", "KR", amount)
                                                for amount in receipts])
        figures.append((statement.deficit_brought_forward, statement.net,
                        statement.deficit_carried_forward, total_paid(statement)))
        state = statement.carried_forward
    assert figures == [(D(0), D(-300), D(300), D(0)),
                       (D(300), D(-200), D(200), D(0)),
                       (D(200), D(800), D(0), D(800))]
    assert statement.payouts == (("Distributor", D(160)), ("SFR", D(320)),
                                 ("Utopai", D(320)))
    # A period with no receipts at all still carries the deficit on unchanged.
    quiet = compute_statement(waterfall, period="P4", receipts=[],
                              state=WaterfallState(deficit=D(50)))
    assert (quiet.net, quiet.carried_forward.deficit) == (D(-50), D(50))


def test_a_deficit_leaves_fixed_expense_and_investor_balances_untouched():
    waterfall = Waterfall(currency="KRW", tiers=(
        ExpenseTier("Prints and advertising", "SFR", D(1_000)),
        InvestorRecoupmentTier("Investors", (InvestorPosition("Utopai", D(2_000)),)),
        profit(),
    ))
    state = WaterfallState(tier_totals={"Prints and advertising": D(400)},
                           investor_totals={("Investors", "Utopai"): D(500)})
    statement = compute_statement(waterfall, period="P2", state=state,
                                  receipts=[krw("Moonlit Harbor", "KR", -10)])
    # Nothing paid; 1,000 - 400 = 600 and 2,000 - 500 = 1,500 still to recoup.
    assert [each.remaining_to_recoup for each in statement.tiers[:2]] == [D(600), D(1_500)]
    assert dict(statement.carried_forward.tier_totals) == {
        "Prints and advertising": D(400), "Investors": D(500), "Profit split": D(0)}
    assert dict(statement.carried_forward.investor_totals) == {("Investors", "Utopai"): D(500)}
    assert statement.carried_forward.deficit == D(10)


# --- the cap ----------------------------------------------------------------------------

def test_the_cap_limits_what_the_ledger_pays_across_periods():
    waterfall = Waterfall(currency="KRW", tiers=(
        ExpenseLedgerTier("Expenses", ("SFR", "Utopai"), cap=D(1_000_000)), profit()))
    first = compute_statement(waterfall, period="P1", state=WaterfallState.empty(),
                              receipts=[krw("Moonlit Harbor", "KR", 600_000)],
                              expenses=[Expense("SFR", D(800_000)),
                                        Expense("Utopai", D(400_000))])
    # Owed 800,000 + 400,000 = 1,200,000; the cap allows 1,000,000; 600,000 is there:
    # SFR 600,000 x 8/12 = 400,000, Utopai 600,000 x 4/12 = 200,000.
    ledger = line(first, "Expenses")
    assert ledger.paid_to == (("SFR", D(400_000)), ("Utopai", D(200_000)))
    # Each still has 400,000 / 200,000 to recoup, but the cap leaves only 400,000 for the
    # tier: SFR min(400,000, 400,000), Utopai min(200,000, 400,000); the tier 400,000.
    assert [each.remaining_to_recoup for each in ledger.investors] == [D(400_000),
                                                                        D(200_000)]
    assert ledger.remaining_to_recoup == D(400_000) == first.unrecouped

    second = compute_statement(waterfall, period="P2", state=first.carried_forward,
                               receipts=[krw("Moonlit Harbor", "KR", 1_000_000)])
    # Outstanding 400,000 + 200,000 = 600,000 but the cap allows 400,000 more, shared
    # pro rata: SFR 400,000 x 4/6 = 266,666.67 -> 266,666, Utopai 133,333.33 -> 133,333;
    # the KRW left to SFR (remainder .67). The tier has now paid its 1,000,000.
    ledger = line(second, "Expenses")
    assert (ledger.available, ledger.paid) == (D(1_000_000), D(400_000))
    assert ledger.paid_to == (("SFR", D(266_667)), ("Utopai", D(133_333)))
    assert ledger.recouped_to_date == D(1_000_000)
    # What is owed beyond the cap (SFR 133,333, Utopai 66,667) is not shown as still due.
    assert ledger.investors == (
        InvestorLine("SFR", D(800_000), D(266_667), D(666_667), D(0)),
        InvestorLine("Utopai", D(400_000), D(133_333), D(333_333), D(0)),
    )
    assert ledger.remaining_to_recoup == D(0) == second.unrecouped
    # 1,000,000 - 400,000 = 600,000 to the profit split, 300,000 each.
    assert second.payouts == (("SFR", D(566_667)), ("Utopai", D(433_333)))

    # A new expense is recorded as owed but the capped tier pays nothing more.
    third = compute_statement(waterfall, period="P3", state=second.carried_forward,
                              receipts=[krw("Moonlit Harbor", "KR", 100_000)],
                              expenses=[Expense("SFR", D(50_000))])
    ledger = line(third, "Expenses")
    assert ledger.paid == D(0) and ledger.remaining_to_recoup == D(0)
    assert third.carried_forward.ledger_owed_total("Expenses", "SFR") == D(850_000)
    assert line(third, "Profit split").paid == D(100_000)


def test_a_zero_cap_pays_nothing():
    waterfall = Waterfall(currency="KRW", tiers=(
        ExpenseLedgerTier("Expenses", ("SFR",), cap=D(0)), profit()))
    statement = compute_statement(waterfall, period="P1", state=WaterfallState.empty(),
                                  receipts=[krw("Moonlit Harbor", "KR", 1_000)],
                                  expenses=[Expense("SFR", D(500))])
    assert line(statement, "Expenses").paid == D(0)
    assert line(statement, "Expenses").investors[0].owed == D(500)
    assert statement.payouts == (("SFR", D(500)), ("Utopai", D(500)))


# --- USD, cents, monthly interest -------------------------------------------------------

def test_usd_ledger_with_cents_and_monthly_interest():
    waterfall = Waterfall(currency="USD", periods_per_year=12, tiers=(
        ExpenseLedgerTier("Marketing", ("Alpha",), overhead_percentage=D(15),
                          interest_percentage=D(8)),
        profit(("Alpha", D(50)), ("Beta", D(50))),
    ))
    first = compute_statement(waterfall, period="2026-01", state=WaterfallState.empty(),
                              receipts=[usd("Moonlit Harbor", "US", "1000.00")],
                              expenses=[Expense("Alpha", D("1234.56"), reference="INV-9")])
    # 123,456 cents x 1.15 = 141,974.4 -> 141,974 = 1,419.74 owed; 1,000.00 paid;
    # 419.74 outstanding.
    ledger = line(first, "Marketing")
    assert ledger.investors == (
        InvestorLine("Alpha", D("1419.74"), D("1000.00"), D("1000.00"), D("419.74")),)
    assert first.payouts == (("Alpha", D("1000.00")), ("Beta", D("0.00")))

    second = compute_statement(waterfall, period="2026-02", state=first.carried_forward,
                               receipts=[usd("Moonlit Harbor", "US", "500.01")])
    # A month's interest: 41,974 cents x 8% / 12 = 279.83 -> 279 cents; owed 1,422.53,
    # outstanding 422.53, paid in full from 500.01. 50,001 - 42,253 = 7,748 cents of
    # profit: 3,874 each. Alpha: 422.53 + 38.74 = 461.27; Beta 38.74.
    ledger = line(second, "Marketing")
    assert ledger.investors == (
        InvestorLine("Alpha", D("1422.53"), D("422.53"), D("1422.53"), D("0.00")),)
    assert second.payouts == (("Alpha", D("461.27")), ("Beta", D("38.74")))
    assert all(amount.as_tuple().exponent == -2 for _party, amount in second.payouts)
    assert total_paid(second) == D("500.01")


def test_overhead_is_rounded_down_per_expense():
    waterfall = Waterfall(currency="KRW", tiers=(
        ExpenseLedgerTier("Expenses", ("SFR",), overhead_percentage=D("12.5")), profit()))
    statement = compute_statement(
        waterfall, period="P1", state=WaterfallState.empty(), receipts=[],
        expenses=[Expense("SFR", D(333)), Expense("SFR", D(333))])
    # Each: 333 x 1.125 = 374.625 -> 374; together 748 (not 749, from 666 x 1.125).
    assert line(statement, "Expenses").investors[0].owed == D(748)


# --- state ------------------------------------------------------------------------------

def test_ledger_state_survives_a_round_trip(ledger_waterfall):
    state = second_quarter(ledger_waterfall,
                           first_quarter(ledger_waterfall).carried_forward).carried_forward
    data = state.as_dict()
    assert data["deficit"] == "300000"
    assert data["ledger_owed"] == {"Expenses": {"SFR": "3424991", "Utopai": "1364192"}}
    assert data["ledger_recouped"] == {"Expenses": {"SFR": "2550438", "Utopai": "1049562"}}
    assert WaterfallState.from_dict(data) == state
    # The round-tripped state computes the same next statement.
    assert third_quarter(ledger_waterfall, WaterfallState.from_dict(data)) \
        == third_quarter(ledger_waterfall, state)


def test_a_state_stored_before_deficits_and_ledgers_still_loads(ledger_waterfall):
    old = {"tiers": {"Distribution fee": "400000", "Profit split": "0"}, "investors": {}}
    state = WaterfallState.from_dict(old)
    assert state.deficit == D(0)
    assert dict(state.ledger_owed) == {} and dict(state.ledger_recouped) == {}
    assert state.ledger_owed_total("Expenses", "SFR") == D(0)
    statement = compute_statement(ledger_waterfall, period="2026-Q2", state=state,
                                  receipts=[krw("Moonlit Harbor", "KR", 1_000)])
    # 10% fee = 100; nothing owed in the ledger; 900 split 450 / 450.
    assert statement.payouts == (("Distributor", D(100)), ("SFR", D(450)), ("Utopai", D(450)))
    assert line(statement, "Distribution fee").recouped_to_date == D(400_100)


def test_ledger_entries_from_another_waterfall_are_refused(ledger_waterfall):
    def run_with(state):
        compute_statement(ledger_waterfall, period="P1", receipts=[], state=state)

    with pytest.raises(ValueError, match="payer CJ"):
        run_with(WaterfallState(ledger_owed={("Expenses", "CJ"): D(1)}))
    with pytest.raises(ValueError, match="payer SFR in an expense ledger tier Profit split"):
        run_with(WaterfallState(ledger_recouped={("Profit split", "SFR"): D(1)}))
    with pytest.raises(ValueError, match="more than it is owed"):
        run_with(WaterfallState(ledger_owed={("Expenses", "SFR"): D(1)},
                                ledger_recouped={("Expenses", "SFR"): D(2)}))
    with pytest.raises(ValueError, match="negative"):
        WaterfallState(deficit=D(-1))
    with pytest.raises(ValueError, match="negative"):
        WaterfallState(ledger_owed={("Expenses", "SFR"): D(-1)})
    with pytest.raises(TypeError, match="float"):
        WaterfallState(deficit=1.5)
    with pytest.raises(ValueError, match="decimal places"):
        run_with(WaterfallState(deficit=D("0.5")))


# --- CSV --------------------------------------------------------------------------------

def test_ledger_statement_as_csv(ledger_waterfall):
    first = first_quarter(ledger_waterfall)
    second = second_quarter(ledger_waterfall, first.carried_forward)
    statement = compute_statement(
        ledger_waterfall, period="2026-Q3", state=second.carried_forward,
        receipts=[krw("Moonlit Harbor", "KR", 6_000_000),
                  krw("Salt Wind", "JP", 1_000_000, adjusts_period="2026-Q1"),
                  krw("Salt Wind", "JP", -200_000, adjusts_period="2026-Q1")],
        expenses=[Expense("Utopai", D(50_000), reference="FEST-08", title="Salt Wind")])
    # The figures of test_the_deficit_is_made_good_before_the_fee...
    rows = statement_csv(statement).splitlines()
    assert rows[:6] == ["period,2026-Q3", "currency,KRW", "gross,6800000",
                        "deficit_brought_forward,300000", "net,6500000",
                        "deficit_carried_forward,0"]
    assert rows[7:] == [
        "",
        "title,territory,amount",
        "Moonlit Harbor,KR,6000000",
        "",
        "adjusts_period,title,territory,amount",
        "2026-Q1,Salt Wind,JP,800000",
        "",
        "payer,title,reference,amount",
        "Utopai,Salt Wind,FEST-08,50000",
        "",
        "tier,kind,available,paid,recouped_to_date,remaining_to_recoup",
        "Distribution fee,distribution_fee,6500000,650000,1050000,",
        "Expenses,expense_ledger,5850000,1267966,4867966,0",
        "Profit split,profit_split,4582034,4582034,4582034,",
        "",
        "party,payout",
        "Distributor,650000",
        "SFR,3183061",
        "Utopai,2666939",
    ]

    # SFR's own statement: the receipts and adjustments, none of Utopai's expenses.
    sfr_csv = statement_csv_for_party(statement, "SFR")
    assert sfr_csv.splitlines()[8:] == [
        "",
        "title,territory,amount",
        "Moonlit Harbor,KR,6000000",
        "",
        "adjusts_period,title,territory,amount",
        "2026-Q1,Salt Wind,JP,800000",
        "",
        "payer,title,reference,amount",
        "",
        "tier,kind,available,paid,recouped_to_date,remaining_to_recoup",
        "Expenses,expense_ledger,5850000,892044,3442482,0",
        "Profit split,profit_split,4582034,2291017,,",
        "",
        "party,payout",
        "SFR,3183061",
    ]
    assert "Utopai" not in sfr_csv and "FEST-08" not in sfr_csv
    utopai_csv = statement_csv_for_party(statement, "Utopai")
    assert "Utopai,Salt Wind,FEST-08,50000" in utopai_csv.splitlines()
    assert "SFR" not in utopai_csv


def test_a_net_negative_statement_as_csv(ledger_waterfall):
    statement = second_quarter(ledger_waterfall, first_quarter(ledger_waterfall).carried_forward)
    rows = statement_csv(statement).splitlines()
    # A negative amount stays a number, not a guarded formula.
    assert rows[2:6] == ["gross,-300000", "deficit_brought_forward,0", "net,-300000",
                         "deficit_carried_forward,300000"]
    # Every tier runs on nothing; the balances are those carried from Q1, the ledger's
    # remaining grown by the expense and interest (874,553 + 314,630 = 1,189,183).
    tiers_at = rows.index("tier,kind,available,paid,recouped_to_date,remaining_to_recoup")
    assert rows[tiers_at + 1:] == [
        "Distribution fee,distribution_fee,0,0,400000,",
        "Expenses,expense_ledger,0,0,3600000,1189183",
        "Profit split,profit_split,0,0,0,",
        "",
        "party,payout",
        "Distributor,0",
        "SFR,0",
        "Utopai,0",
    ]
    assert "SFR,,PA-002,100000" in rows


# --- validation -------------------------------------------------------------------------

def test_an_expense_of_a_payer_with_no_ledger_tier_is_refused(ledger_waterfall):
    with pytest.raises(ValueError, match="PA-9 of Distributor.*no expense ledger tier"):
        compute_statement(ledger_waterfall, period="P1", state=WaterfallState.empty(),
                          receipts=[], expenses=[Expense("Distributor", D(10),
                                                         reference="PA-9")])
    with pytest.raises(TypeError, match="Expense objects"):
        compute_statement(ledger_waterfall, period="P1", state=WaterfallState.empty(),
                          receipts=[], expenses=[("SFR", D(10))])


def test_bad_expenses_are_refused(ledger_waterfall):
    with pytest.raises(ValueError, match="positive"):
        Expense("SFR", D(-100))
    with pytest.raises(ValueError, match="positive"):
        Expense("SFR", D(0))
    with pytest.raises(TypeError, match="float"):
        Expense("SFR", 100.0)
    with pytest.raises(ValueError, match="must not be empty"):
        Expense(" ", D(100))
    with pytest.raises(TypeError, match="reference"):
        Expense("SFR", D(100), reference=7)
    # The precision is the waterfall's currency's: 100.5 KRW has a decimal too many.
    with pytest.raises(ValueError, match="PA-3 of SFR 100.5 has more decimal places"):
        compute_statement(ledger_waterfall, period="P1", state=WaterfallState.empty(),
                          receipts=[], expenses=[Expense("SFR", D("100.5"),
                                                         reference="PA-3")])
    usd_waterfall = Waterfall(currency="USD", tiers=(
        ExpenseLedgerTier("Expenses", ("SFR",)), profit()))
    with pytest.raises(ValueError, match="expense of SFR 0.001 has more decimal places"):
        compute_statement(usd_waterfall, period="P1", state=WaterfallState.empty(),
                          receipts=[], expenses=[Expense("SFR", D("0.001"))])


@pytest.mark.parametrize("periods", [0, 3, 52, "4", 4.0, True])
def test_bad_periods_per_year_are_refused(periods):
    with pytest.raises(ValueError, match="1, 2, 4 or 12 periods a year"):
        Waterfall(currency="KRW", tiers=(profit(),), periods_per_year=periods)


def test_bad_ledger_tiers_are_refused():
    with pytest.raises(ValueError, match="SFR is a payer in two expense ledger tiers"):
        Waterfall(currency="KRW", tiers=(ExpenseLedgerTier("Marketing", ("SFR", "CJ")),
                                         ExpenseLedgerTier("Festivals", ("Utopai", "SFR")),
                                         profit()))
    with pytest.raises(ValueError, match="no payers"):
        ExpenseLedgerTier("Expenses", ())
    with pytest.raises(TypeError, match="one string"):
        ExpenseLedgerTier("Expenses", "SFR")
    with pytest.raises(ValueError, match="twice"):
        ExpenseLedgerTier("Expenses", ("SFR", "SFR"))
    with pytest.raises(ValueError, match="cap of Expenses cannot be negative"):
        ExpenseLedgerTier("Expenses", ("SFR",), cap=D(-1))
    with pytest.raises(ValueError, match="overhead percentage of Expenses cannot be negative"):
        ExpenseLedgerTier("Expenses", ("SFR",), overhead_percentage=D(-1))
    with pytest.raises(ValueError, match="interest percentage of Expenses cannot be negative"):
        ExpenseLedgerTier("Expenses", ("SFR",), interest_percentage=D(-1))
    with pytest.raises(TypeError, match="float"):
        ExpenseLedgerTier("Expenses", ("SFR",), interest_percentage=8.0)
    with pytest.raises(ValueError, match="decimal places"):
        Waterfall(currency="KRW", tiers=(
            ExpenseLedgerTier("Expenses", ("SFR",), cap=D("10.5")), profit()))
    tier = ExpenseLedgerTier("Expenses", ["SFR", "Utopai"])
    assert tier.payers == tier.parties == ("SFR", "Utopai")
    assert (tier.cap, tier.overhead_percentage, tier.interest_percentage) == (None, D(0), D(0))


def test_a_receipt_cannot_adjust_the_period_being_computed(ledger_waterfall):
    with pytest.raises(ValueError, match="adjusts the period being computed"):
        compute_statement(ledger_waterfall, period="2026-Q2", state=WaterfallState.empty(),
                          receipts=[krw("Moonlit Harbor", "KR", 10, adjusts_period="2026-Q2")])
    with pytest.raises(TypeError, match="must be text"):
        Receipt("Moonlit Harbor", "KR", D(10), "KRW", adjusts_period=None)
