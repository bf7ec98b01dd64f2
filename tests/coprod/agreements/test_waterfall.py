"""The revenue waterfall, checked against figures worked out by hand in the comments."""

import csv
import io
import random
from decimal import Decimal
from fractions import Fraction

import pytest

from coprod.agreements.waterfall import (
    MINOR_UNITS,
    ROUNDING_RULE,
    DistributionFeeTier,
    Expense,
    ExpenseLedgerTier,
    ExpenseTier,
    InvestorPosition,
    InvestorRecoupmentTier,
    PartyLine,
    ProfitSplitTier,
    Receipt,
    TierKind,
    Waterfall,
    WaterfallState,
    compute_statement,
    format_amount,
    largest_remainder,
    statement_csv,
    statement_csv_for_party,
)

D = Decimal


def krw(title, territory, amount):
    return Receipt(title=title, territory=territory, amount=D(amount), currency="KRW")


def usd(title, territory, amount):
    return Receipt(title=title, territory=territory, amount=D(amount), currency="USD")


def run(waterfall, receipts, state=None, period="2026-Q1"):
    return compute_statement(waterfall, period=period, receipts=receipts,
                             state=state or WaterfallState.empty())


def line(statement, name):
    return next(each for each in statement.tiers if each.name == name)


# --- the venture's film: two periods, recoupment finished in the second ---------------

@pytest.fixture
def venture_waterfall():
    return Waterfall(currency="KRW", tiers=(
        DistributionFeeTier("Distribution fee", "Distributor", D(30)),
        ExpenseTier("Expenses", "SFR", D(50_000_000)),
        InvestorRecoupmentTier("Investor recoupment", (
            InvestorPosition("SFR", D(300_000_000), premium_percentage=D(20)),
            InvestorPosition("Utopai", D(200_000_000)),
        )),
        ProfitSplitTier("Profit split", (("SFR", D(50)), ("Utopai", D(50)))),
    ))


def test_first_period_recoups_investors_pro_rata(venture_waterfall):
    statement = run(venture_waterfall, period="2026-Q1", receipts=[
        krw("Moonlit Harbor", "KR", 250_000_000),
        krw("Moonlit Harbor", "JP", 150_000_000),
        krw("Salt Wind", "KR", 90_000_000),
        krw("Salt Wind", "TH", 15_000_000),
        krw("Salt Wind", "KR", -5_000_000),  # returned copies
    ])
    # 250,000,000 + 150,000,000 + (90,000,000 - 5,000,000) + 15,000,000 = 500,000,000
    assert statement.gross == D(500_000_000)
    assert statement.currency == "KRW" and statement.period == "2026-Q1"
    assert statement.receipts_by_title_territory == [
        ("Moonlit Harbor", "JP", D(150_000_000)),
        ("Moonlit Harbor", "KR", D(250_000_000)),
        ("Salt Wind", "KR", D(85_000_000)),
        ("Salt Wind", "TH", D(15_000_000)),
    ]

    # Fee: 30% of 500,000,000 = 150,000,000; left 350,000,000.
    fee = line(statement, "Distribution fee")
    assert fee.kind == TierKind.DISTRIBUTION_FEE
    assert (fee.available, fee.paid) == (D(500_000_000), D(150_000_000))
    assert fee.paid_to == (("Distributor", D(150_000_000)),)
    assert fee.recouped_to_date == D(150_000_000) and fee.remaining_to_recoup is None

    # Expenses: 50,000,000 of 350,000,000; left 300,000,000.
    expenses = line(statement, "Expenses")
    assert (expenses.available, expenses.paid) == (D(350_000_000), D(50_000_000))
    assert expenses.paid_to == (("SFR", D(50_000_000)),)
    assert (expenses.recouped_to_date, expenses.remaining_to_recoup) == (D(50_000_000), D(0))

    # Investors are owed SFR 300,000,000 x 1.20 = 360,000,000 and Utopai 200,000,000,
    # 560,000,000 in all; 300,000,000 is there, split pro rata to what each is owed:
    #   SFR    300,000,000 x 360/560 = 192,857,142.857... -> 192,857,142, remainder .857
    #   Utopai 300,000,000 x 200/560 = 107,142,857.142... -> 107,142,857, remainder .142
    # The floors sum to 299,999,999; the one KRW left goes to the larger remainder, SFR.
    investors = line(statement, "Investor recoupment")
    assert investors.kind == TierKind.INVESTOR_RECOUPMENT
    assert (investors.available, investors.paid) == (D(300_000_000), D(300_000_000))
    assert investors.paid_to == (("SFR", D(192_857_143)), ("Utopai", D(107_142_857)))
    # 560,000,000 - 300,000,000 = 260,000,000 still owed.
    assert investors.recouped_to_date == D(300_000_000)
    assert investors.remaining_to_recoup == D(260_000_000)
    sfr, utopai = investors.investors
    assert (sfr.owed, sfr.recouped_to_date, sfr.remaining_to_recoup) == (
        D(360_000_000), D(192_857_143), D(167_142_857))  # 360,000,000 - 192,857,143
    assert (utopai.owed, utopai.recouped_to_date, utopai.remaining_to_recoup) == (
        D(200_000_000), D(107_142_857), D(92_857_143))  # 200,000,000 - 107,142,857

    profit = line(statement, "Profit split")
    assert (profit.available, profit.paid) == (D(0), D(0))
    assert profit.paid_to == (("SFR", D(0)), ("Utopai", D(0)))

    # SFR: 50,000,000 expenses + 192,857,143 recoupment = 242,857,143.
    # 150,000,000 + 242,857,143 + 107,142,857 = 500,000,000.
    assert statement.payouts == (
        ("Distributor", D(150_000_000)), ("SFR", D(242_857_143)), ("Utopai", D(107_142_857)))
    assert statement.unrecouped == D(260_000_000)
    assert statement.rounding_rule == ROUNDING_RULE

    state = statement.carried_forward
    assert dict(state.tier_totals) == {
        "Distribution fee": D(150_000_000), "Expenses": D(50_000_000),
        "Investor recoupment": D(300_000_000), "Profit split": D(0)}
    assert dict(state.investor_totals) == {
        ("Investor recoupment", "SFR"): D(192_857_143),
        ("Investor recoupment", "Utopai"): D(107_142_857)}


def test_second_period_finishes_recoupment_from_the_carried_balance(venture_waterfall):
    first = run(venture_waterfall, [krw("Moonlit Harbor", "KR", 500_000_000)])
    second = run(venture_waterfall, period="2026-Q2", state=first.carried_forward, receipts=[
        krw("Moonlit Harbor", "KR", 400_000_000),
        krw("Winter Ferry", "JP", 200_000_000),
    ])
    # Gross 600,000,000. Fee 30% = 180,000,000; left 420,000,000.
    assert second.gross == D(600_000_000)
    assert line(second, "Distribution fee").paid == D(180_000_000)
    assert line(second, "Distribution fee").recouped_to_date == D(330_000_000)  # 150M + 180M

    # Expenses were recouped in full in period 1: nothing more, 420,000,000 flows on.
    expenses = line(second, "Expenses")
    assert (expenses.available, expenses.paid) == (D(420_000_000), D(0))
    assert (expenses.recouped_to_date, expenses.remaining_to_recoup) == (D(50_000_000), D(0))

    # Carried forward: SFR owed 167,142,857 and Utopai 92,857,143, 260,000,000 in all,
    # less than the 420,000,000 there: both paid in full, 160,000,000 flows on.
    # (Without the carried state they would have taken all 420,000,000.)
    investors = line(second, "Investor recoupment")
    assert (investors.available, investors.paid) == (D(420_000_000), D(260_000_000))
    assert investors.paid_to == (("SFR", D(167_142_857)), ("Utopai", D(92_857_143)))
    assert investors.recouped_to_date == D(560_000_000)
    assert investors.remaining_to_recoup == D(0)
    assert [(each.recouped_to_date, each.remaining_to_recoup) for each in investors.investors] \
        == [(D(360_000_000), D(0)), (D(200_000_000), D(0))]

    # Profit 160,000,000 at 50/50: 80,000,000 each.
    profit = line(second, "Profit split")
    assert (profit.available, profit.paid) == (D(160_000_000), D(160_000_000))
    assert profit.paid_to == (("SFR", D(80_000_000)), ("Utopai", D(80_000_000)))

    # SFR 167,142,857 + 80,000,000 = 247,142,857; Utopai 92,857,143 + 80,000,000 =
    # 172,857,143; with the fee, 180,000,000 + 247,142,857 + 172,857,143 = 600,000,000.
    assert second.payouts == (
        ("Distributor", D(180_000_000)), ("SFR", D(247_142_857)), ("Utopai", D(172_857_143)))
    assert second.unrecouped == D(0)
    assert dict(second.carried_forward.tier_totals) == {
        "Distribution fee": D(330_000_000), "Expenses": D(50_000_000),
        "Investor recoupment": D(560_000_000), "Profit split": D(160_000_000)}
    assert dict(second.carried_forward.investor_totals) == {
        ("Investor recoupment", "SFR"): D(360_000_000),
        ("Investor recoupment", "Utopai"): D(200_000_000)}

    # The same receipts from an empty state: fee 180,000,000, expenses 50,000,000, and the
    # investors, owed 560,000,000, would take all of the 370,000,000 left; no profit.
    fresh = run(venture_waterfall, [krw("Moonlit Harbor", "KR", 600_000_000)])
    assert line(fresh, "Investor recoupment").paid == D(370_000_000)
    assert line(fresh, "Profit split").paid == D(0)


def test_a_party_sees_its_own_lines(venture_waterfall):
    statement = run(venture_waterfall, [krw("Moonlit Harbor", "KR", 500_000_000)])
    assert statement.for_party("SFR") == [
        PartyLine("Expenses", TierKind.EXPENSE, D(350_000_000), D(50_000_000),
                  D(50_000_000), D(0)),
        PartyLine("Investor recoupment", TierKind.INVESTOR_RECOUPMENT, D(300_000_000),
                  D(192_857_143), D(192_857_143), D(167_142_857)),
        PartyLine("Profit split", TierKind.PROFIT_SPLIT, D(0), D(0), None, None),
    ]
    assert [each.tier for each in statement.for_party("Distributor")] == ["Distribution fee"]
    assert statement.payout("Utopai") == D(107_142_857)
    with pytest.raises(ValueError, match="Nobody"):
        statement.for_party("Nobody")


def test_state_survives_a_round_trip_through_json_ready_data(venture_waterfall):
    first = run(venture_waterfall, [krw("Moonlit Harbor", "KR", 500_000_000)])
    data = first.carried_forward.as_dict()
    assert data["investors"]["Investor recoupment"] == {"SFR": "192857143",
                                                        "Utopai": "107142857"}
    assert WaterfallState.from_dict(data) == first.carried_forward


# --- rounding ---------------------------------------------------------------------------

def test_three_way_usd_split_gives_the_left_over_cents_by_largest_remainder():
    waterfall = Waterfall(currency="USD", tiers=(
        DistributionFeeTier("Distribution fee", "Distributor", D(10)),
        ProfitSplitTier("Profit split", (("Alpha", D("33.33")), ("Beta", D("33.33")),
                                         ("Gamma", D("33.34")))),
    ))
    statement = run(waterfall, [usd("Moonlit Harbor", "US", "1000.00"),
                                usd("Moonlit Harbor", "CA", "234.57")])
    # Gross 1,234.57 = 123,457 cents. Fee 10% = 12,345.7 cents -> 12,345 (rounded down).
    # Left 123,457 - 12,345 = 111,112 cents:
    #   Alpha 111,112 x 0.3333 = 37,033.6296 -> 37,033, remainder .6296
    #   Beta  111,112 x 0.3333 = 37,033.6296 -> 37,033, remainder .6296
    #   Gamma 111,112 x 0.3334 = 37,044.7408 -> 37,044, remainder .7408
    # Floors: 111,110; 2 cents left: Gamma (largest remainder), then Alpha (ties with
    # Beta, listed first).
    assert statement.gross == D("1234.57")
    assert line(statement, "Distribution fee").paid == D("123.45")
    assert statement.payouts == (("Distributor", D("123.45")), ("Alpha", D("370.34")),
                                 ("Beta", D("370.33")), ("Gamma", D("370.45")))
    # 123.45 + 370.34 + 370.33 + 370.45 = 1,234.57
    assert sum(amount for _party, amount in statement.payouts) == D("1234.57")
    assert all(amount.as_tuple().exponent == -2 for _party, amount in statement.payouts)

    # The tie goes by the order the parties are given in: list Beta first and Beta gets it.
    reordered = Waterfall(currency="USD", tiers=(
        waterfall.tiers[0],
        ProfitSplitTier("Profit split", (("Beta", D("33.33")), ("Alpha", D("33.33")),
                                         ("Gamma", D("33.34")))),
    ))
    statement = run(reordered, [usd("Moonlit Harbor", "US", "1234.57")])
    assert dict(statement.payouts) == {"Distributor": D("123.45"), "Beta": D("370.34"),
                                       "Alpha": D("370.33"), "Gamma": D("370.45")}


def test_largest_remainder_ties_and_totals():
    # 2 units at 33.33/33.33/33.34: quotas .6666, .6666, .6668 -> Gamma, then Alpha.
    assert largest_remainder(2, [D("33.33"), D("33.33"), D("33.34")]) == [1, 0, 1]
    # 10 units in thirds: 3.333 each -> 3, 3, 3 and the one left to the first listed.
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert largest_remainder(0, [0, 0]) == [0, 0]
    # A zero weight never gets a left-over unit.
    assert largest_remainder(5, [D(1), D(0), D(1)]) == [3, 0, 2]


def test_fee_is_rounded_down_to_the_won():
    waterfall = Waterfall(currency="KRW", tiers=(
        DistributionFeeTier("Distribution fee", "Distributor", D("12.5")),
        ProfitSplitTier("Profit split", (("SFR", D(50)), ("Utopai", D(50)))),
    ))
    statement = run(waterfall, [krw("Moonlit Harbor", "KR", 1_000_001)])
    # 12.5% of 1,000,001 = 125,000.125 -> 125,000. Left 875,001; halves of 437,500.5
    # -> 437,500 each and the one KRW left to SFR (equal remainders, SFR listed first).
    assert line(statement, "Distribution fee").paid == D(125_000)
    assert statement.payouts == (("Distributor", D(125_000)), ("SFR", D(437_501)),
                                 ("Utopai", D(437_500)))
    # 125,000 + 437,501 + 437,500 = 1,000,001
    assert line(statement, "Distribution fee").paid.as_tuple().exponent == 0


def test_fee_is_a_share_of_gross_capped_by_what_is_left():
    waterfall = Waterfall(currency="KRW", tiers=(
        ExpenseTier("Prints and advertising", "SFR", D(900_000)),
        DistributionFeeTier("Distribution fee", "Distributor", D(20)),
        ProfitSplitTier("Profit split", (("SFR", D(50)), ("Utopai", D(50)))),
    ))
    statement = run(waterfall, [krw("Moonlit Harbor", "KR", 1_000_000)])
    # Expenses take 900,000; the fee is 20% of the gross 1,000,000 = 200,000, but only
    # 100,000 is left, so it takes 100,000 and nothing reaches the profit split.
    fee = line(statement, "Distribution fee")
    assert (fee.available, fee.paid) == (D(100_000), D(100_000))
    assert line(statement, "Profit split").paid == D(0)

    # Once expenses are recouped the fee is its full 20% of gross: 20% of 500,000 = 100,000.
    later = run(waterfall, [krw("Moonlit Harbor", "KR", 500_000)],
                state=statement.carried_forward)
    fee = line(later, "Distribution fee")
    assert (fee.available, fee.paid, fee.recouped_to_date) == (D(500_000), D(100_000),
                                                               D(200_000))
    assert later.payouts == (("SFR", D(200_000)), ("Distributor", D(100_000)),
                             ("Utopai", D(200_000)))


# --- investors --------------------------------------------------------------------------

def nearly_recouped_waterfall():
    return Waterfall(currency="KRW", tiers=(
        InvestorRecoupmentTier("Investors", (
            InvestorPosition("SFR", D(1_000_000)),
            InvestorPosition("Utopai", D(500_000), premium_percentage=D(10)),
        )),
        ProfitSplitTier("Profit split", (("SFR", D(50)), ("Utopai", D(50)))),
    ))


def test_nearly_recouped_investors_are_paid_exactly_what_they_are_owed():
    waterfall = nearly_recouped_waterfall()
    state = WaterfallState(
        tier_totals={"Investors": D(1_548_500)},
        investor_totals={("Investors", "SFR"): D(999_000), ("Investors", "Utopai"): D(549_500)})
    statement = run(waterfall, [krw("Moonlit Harbor", "KR", 10_000)], state=state)
    # SFR is owed 1,000,000 - 999,000 = 1,000; Utopai 500,000 x 1.10 = 550,000, less
    # 549,500 = 500. 10,000 covers the 1,500: both paid in full, 8,500 flows down in the
    # same period and splits 4,250 / 4,250.
    investors = line(statement, "Investors")
    assert investors.paid_to == (("SFR", D(1_000)), ("Utopai", D(500)))
    assert (investors.recouped_to_date, investors.remaining_to_recoup) == (D(1_550_000), D(0))
    assert line(statement, "Profit split").paid_to == (("SFR", D(4_250)), ("Utopai", D(4_250)))
    # SFR 1,000 + 4,250 = 5,250; Utopai 500 + 4,250 = 4,750; together 10,000.
    assert statement.payouts == (("SFR", D(5_250)), ("Utopai", D(4_750)))
    assert dict(statement.carried_forward.investor_totals) == {
        ("Investors", "SFR"): D(1_000_000), ("Investors", "Utopai"): D(550_000)}

    # Next period nothing is owed any more: everything goes to the profit split.
    later = run(waterfall, [krw("Moonlit Harbor", "KR", 3)], state=statement.carried_forward)
    assert line(later, "Investors").paid == D(0)
    assert later.payouts == (("SFR", D(2)), ("Utopai", D(1)))  # 1.5 / 1.5, tie to SFR


def test_a_nearly_recouped_investor_gets_only_its_pro_rata_part_when_money_is_short():
    waterfall = Waterfall(currency="KRW", tiers=(
        InvestorRecoupmentTier("Investors", (
            InvestorPosition("SFR", D(1_000_000)),
            InvestorPosition("Utopai", D(1_000_000), premium_percentage=D(10)),
        )),
        ProfitSplitTier("Profit split", (("SFR", D(50)), ("Utopai", D(50)))),
    ))
    state = WaterfallState(investor_totals={("Investors", "SFR"): D(999_000)})
    statement = run(waterfall, [krw("Moonlit Harbor", "KR", 500_000)], state=state)
    # Outstanding: SFR 1,000; Utopai 1,100,000; 1,101,000 in all, more than 500,000:
    #   SFR    500,000 x 1,000 / 1,101,000     =     454.1326... -> 454
    #   Utopai 500,000 x 1,100,000 / 1,101,000 = 499,545.8673... -> 499,545
    # Floors 499,999; the KRW left goes to Utopai (remainder .867 against .133).
    investors = line(statement, "Investors")
    assert investors.paid_to == (("SFR", D(454)), ("Utopai", D(499_546)))
    assert [each.remaining_to_recoup for each in investors.investors] == [D(546), D(600_454)]
    assert line(statement, "Profit split").paid == D(0)


def test_premium_is_rounded_down_to_the_smallest_unit():
    # 333 x 1.125 = 374.625 -> 374 KRW; 1,000.01 x 1.075 = 1,075.01075 -> 1,075.01 USD.
    assert InvestorPosition("SFR", D(333), D("12.5")).amount_owed("KRW") == D(374)
    assert InvestorPosition("SFR", D("1000.01"), D("7.5")).amount_owed("USD") == D("1075.01")


# --- validation -------------------------------------------------------------------------

def profit(*shares):
    return ProfitSplitTier("Profit split", shares or (("SFR", D(50)), ("Utopai", D(50))))


def test_profit_shares_must_total_exactly_100():
    with pytest.raises(ValueError, match="99.99"):
        ProfitSplitTier("Profit split", (("SFR", D(50)), ("Utopai", D("49.99"))))
    with pytest.raises(ValueError, match="twice"):
        ProfitSplitTier("Profit split", (("SFR", D(50)), ("SFR", D(50))))


def test_floats_are_refused():
    with pytest.raises(TypeError, match="float"):
        DistributionFeeTier("Distribution fee", "Distributor", 30.0)
    with pytest.raises(TypeError, match="float"):
        Receipt("Moonlit Harbor", "KR", 1000.0, "KRW")
    with pytest.raises(TypeError, match="float"):
        ProfitSplitTier("Profit split", (("SFR", 50.0), ("Utopai", D(50))))
    with pytest.raises(TypeError, match="float"):
        InvestorPosition("SFR", D(1_000), premium_percentage=0.5)
    with pytest.raises(TypeError, match="str"):
        ExpenseTier("Expenses", "SFR", "1000")


def test_receipts_in_another_currency_are_refused_by_name():
    waterfall = Waterfall(currency="KRW", tiers=(profit(),))
    with pytest.raises(ValueError, match="Moonlit Harbor / JP.*not in KRW"):
        run(waterfall, [krw("Moonlit Harbor", "KR", 100),
                        Receipt("Moonlit Harbor", "JP", D(100), "JPY")])


def test_amounts_finer_than_the_currency_allows_are_refused():
    with pytest.raises(ValueError, match="decimal places"):
        Receipt("Moonlit Harbor", "KR", D("100.5"), "KRW")
    with pytest.raises(ValueError, match="decimal places"):
        Receipt("Moonlit Harbor", "US", D("100.005"), "USD")
    with pytest.raises(ValueError, match="decimal places"):
        Waterfall(currency="USD", tiers=(ExpenseTier("Expenses", "SFR", D("0.001")),
                                         profit()))
    # Trailing zeros are not extra precision.
    assert Receipt("Moonlit Harbor", "KR", D("100.00"), "KRW").amount == D(100)


def test_tier_names_must_be_unique():
    with pytest.raises(ValueError, match="Two tiers are named Expenses"):
        Waterfall(currency="KRW", tiers=(ExpenseTier("Expenses", "SFR", D(1)),
                                         ExpenseTier("Expenses", "Utopai", D(1)), profit()))


@pytest.mark.parametrize("tiers", [
    (),
    (ExpenseTier("Expenses", "SFR", D(1)),),
    (profit(), ExpenseTier("Expenses", "SFR", D(1))),
    (profit(), ProfitSplitTier("Second split", (("SFR", D(100)),))),
], ids=["empty", "no profit tier", "profit tier not last", "two profit tiers"])
def test_a_waterfall_ends_with_exactly_one_profit_split(tiers):
    with pytest.raises(ValueError, match="exactly one profit split"):
        Waterfall(currency="KRW", tiers=tiers)


def test_returns_beyond_revenue_carry_a_deficit_forward_instead_of_failing():
    waterfall = Waterfall(currency="KRW", tiers=(profit(),))
    # 100 - 101 = -1: nobody is paid, and the 1 KRW is made good from the next period.
    short = run(waterfall, [krw("Moonlit Harbor", "KR", 100), krw("Moonlit Harbor", "KR", -101)])
    assert (short.gross, short.net, short.deficit_carried_forward) == (D(-1), D(-1), D(1))
    assert short.payouts == (("SFR", D(0)), ("Utopai", D(0)))
    # A refund no larger than the period's revenue leaves no deficit.
    even = run(waterfall, [krw("Moonlit Harbor", "KR", 100), krw("Moonlit Harbor", "KR", -100)])
    assert even.gross == D(0) and even.payouts == (("SFR", D(0)), ("Utopai", D(0)))
    assert even.deficit_carried_forward == D(0) and even.carried_forward.deficit == D(0)


@pytest.mark.parametrize("currency", ["EUR", "krw", "", None])
def test_unknown_currencies_are_refused(currency):
    with pytest.raises(ValueError, match="Unknown currency"):
        Waterfall(currency=currency, tiers=(profit(),))
    with pytest.raises(ValueError, match="Unknown currency"):
        Receipt("Moonlit Harbor", "KR", D(100), currency)


def test_other_bad_tiers_are_refused():
    with pytest.raises(ValueError, match="between 0 and 100"):
        DistributionFeeTier("Distribution fee", "Distributor", D(101))
    with pytest.raises(ValueError, match="negative"):
        ExpenseTier("Expenses", "SFR", D(-1))
    with pytest.raises(ValueError, match="positive"):
        InvestorPosition("SFR", D(0))
    with pytest.raises(ValueError, match="twice"):
        InvestorRecoupmentTier("Investors", (InvestorPosition("SFR", D(1)),
                                             InvestorPosition("SFR", D(2))))
    with pytest.raises(ValueError, match="no investors"):
        InvestorRecoupmentTier("Investors", ())
    with pytest.raises(TypeError, match="not a waterfall tier"):
        Waterfall(currency="KRW", tiers=("Expenses", profit()))


def test_a_state_from_another_waterfall_is_refused():
    waterfall = nearly_recouped_waterfall()
    with pytest.raises(ValueError, match="tier Expenses"):
        run(waterfall, [], state=WaterfallState(tier_totals={"Expenses": D(1)}))
    with pytest.raises(ValueError, match="investor CJ"):
        run(waterfall, [], state=WaterfallState(investor_totals={("Investors", "CJ"): D(1)}))


# --- invariants over random waterfalls --------------------------------------------------

PARTIES = ["SFR", "Utopai", "CJ", "Toho", "Bona", "GDH"]


def random_amount(rng, currency, largest_units):
    return D(rng.randint(0, largest_units)).scaleb(-MINOR_UNITS[currency])


def random_percentage(rng, top):
    return D(rng.randint(0, top * 100)).scaleb(-2)


def random_waterfall(rng):
    currency = rng.choice(sorted(MINOR_UNITS))
    tiers = []
    for index in range(rng.randint(0, 2)):
        tiers.append(DistributionFeeTier(f"Fee {index}", rng.choice(PARTIES),
                                         random_percentage(rng, 40)))
    for index in range(rng.randint(0, 2)):
        tiers.append(ExpenseTier(f"Expenses {index}", rng.choice(PARTIES),
                                 random_amount(rng, currency, 2_000_000)))
    for index in range(rng.randint(0, 2)):
        investors = tuple(
            InvestorPosition(party, random_amount(rng, currency, 5_000_000) or D(1),
                             premium_percentage=D(rng.randint(0, 300)).scaleb(-1))
            for party in rng.sample(PARTIES, rng.randint(1, 4)))
        tiers.append(InvestorRecoupmentTier(f"Investors {index}", investors))
    # Expense ledgers: no payer in two of them.
    payers = rng.sample(PARTIES, rng.randint(0, 4))
    ledger_count = rng.randint(0, min(2, len(payers)))
    for index in range(ledger_count):
        own = payers[index::ledger_count]
        cap = random_amount(rng, currency, 4_000_000) if rng.random() < 0.5 else None
        tiers.append(ExpenseLedgerTier(f"Ledger {index}", tuple(own), cap=cap,
                                       overhead_percentage=random_percentage(rng, 20),
                                       interest_percentage=random_percentage(rng, 15)))
    rng.shuffle(tiers)
    shareholders = rng.sample(PARTIES, rng.randint(1, 4))
    # Shares in hundredths of a percent that total exactly 100.
    cuts = sorted(rng.randint(0, 10_000) for _ in range(len(shareholders) - 1))
    basis_points = [high - low for low, high in zip([0, *cuts], [*cuts, 10_000], strict=True)]
    tiers.append(ProfitSplitTier("Profit split", tuple(
        (party, D(points).scaleb(-2)) for party, points in zip(shareholders, basis_points,
                                                                strict=True))))
    return Waterfall(currency=currency, tiers=tuple(tiers),
                     periods_per_year=rng.choice([1, 2, 4, 12]))


def random_receipts(rng, currency):
    receipts = [Receipt(rng.choice(["Moonlit Harbor", "Salt Wind"]), rng.choice(["KR", "JP"]),
                        random_amount(rng, currency, 3_000_000), currency,
                        adjusts_period=rng.choice(["", "", "", "P0"]))
                for _ in range(rng.randint(0, 5))]
    if rng.random() < 0.4:
        # A return, sometimes larger than the period's revenue.
        receipts.append(Receipt("Moonlit Harbor", "KR", -random_amount(rng, currency, 4_000_000),
                                currency))
    return receipts


def random_expenses(rng, waterfall):
    payers = [payer for tier in waterfall.tiers if isinstance(tier, ExpenseLedgerTier)
              for payer in tier.payers]
    if not payers:
        return []
    return [Expense(rng.choice(payers), random_amount(rng, waterfall.currency, 1_500_000)
                    or D(1), reference=f"E-{index}")
            for index in range(rng.randint(0, 4))]


def floor_units(amount, percentage, divisor, currency):
    """amount x percentage / 100 / divisor, rounded down to the smallest unit."""
    units = int(amount.scaleb(MINOR_UNITS[currency]))
    exact = Fraction(units) * Fraction(percentage) / (100 * divisor)
    return D(exact.numerator // exact.denominator).scaleb(-MINOR_UNITS[currency])


def test_nothing_is_lost_or_created_and_nobody_is_overpaid():
    rng = random.Random(1234)
    negative_periods = 0
    for _case in range(300):
        waterfall = random_waterfall(rng)
        currency = waterfall.currency
        unit = D(1).scaleb(-MINOR_UNITS[currency])
        state = WaterfallState.empty()
        for period in ("P1", "P2", "P3", "P4"):
            expenses = random_expenses(rng, waterfall)
            statement = compute_statement(waterfall, period=period, state=state,
                                          receipts=random_receipts(rng, currency),
                                          expenses=expenses)
            assert statement.deficit_brought_forward == state.deficit
            assert statement.net == statement.gross - state.deficit
            paid_out = max(statement.net, D(0))
            assert statement.deficit_carried_forward == max(-statement.net, D(0)) \
                == statement.carried_forward.deficit
            negative_periods += statement.net < 0
            payouts = [amount for _party, amount in statement.payouts]
            assert sum(payouts, D(0)) == paid_out
            assert sum((each.paid for each in statement.tiers), D(0)) == paid_out
            assert all(amount >= 0 and amount == amount.quantize(unit) for amount in payouts)
            assert sum((amount for *_key, amount in statement.receipts_by_title_territory),
                       D(0)) + sum((amount for *_key, amount in statement.adjustments),
                                   D(0)) == statement.gross
            available = paid_out
            for tier, tier_line in zip(waterfall.tiers, statement.tiers, strict=True):
                assert tier_line.available == available
                assert 0 <= tier_line.paid <= available
                available -= tier_line.paid
                if isinstance(tier, DistributionFeeTier):
                    assert tier_line.paid <= paid_out * tier.percentage / 100
                if isinstance(tier, ExpenseTier):
                    assert tier_line.recouped_to_date <= tier.amount
                    assert tier_line.recouped_to_date + tier_line.remaining_to_recoup \
                        == tier.amount
                if isinstance(tier, InvestorRecoupmentTier):
                    for investor, position in zip(tier.investors, tier_line.investors,
                                                  strict=True):
                        owed = investor.amount_owed(currency)
                        assert position.recouped_to_date <= owed
                        assert position.recouped_to_date + position.remaining_to_recoup == owed
                        assert statement.carried_forward.investor_total(
                            tier.name, investor.party) == position.recouped_to_date
                    # Money left under this tier means every investor in it is recouped.
                    if available > 0:
                        assert tier_line.remaining_to_recoup == 0
                if isinstance(tier, ExpenseLedgerTier):
                    check_ledger_line(tier, tier_line, state, statement, expenses, available,
                                      waterfall)
            assert available == 0
            state = WaterfallState.from_dict(statement.carried_forward.as_dict())
            assert state == statement.carried_forward
    # The cases did exercise the deficit.
    assert negative_periods > 50


def check_ledger_line(tier, tier_line, state, statement, expenses, available, waterfall):
    currency = waterfall.currency
    carried = statement.carried_forward
    cap_left = None if tier.cap is None else tier.cap - tier_line.recouped_to_date
    assert cap_left is None or cap_left >= 0
    assert tier_line.recouped_to_date == sum(
        (carried.ledger_recouped_total(tier.name, payer) for payer in tier.payers), D(0))
    outstanding_total = D(0)
    for payer, payer_line in zip(tier.payers, tier_line.investors, strict=True):
        assert payer_line.party == payer
        owed_before = state.ledger_owed_total(tier.name, payer)
        recouped_before = state.ledger_recouped_total(tier.name, payer)
        # Interest on the start-of-period balance, then each expense plus its overhead.
        expected = owed_before + floor_units(owed_before - recouped_before,
                                             tier.interest_percentage,
                                             waterfall.periods_per_year, currency)
        for expense in expenses:
            if expense.payer == payer:
                expected += floor_units(expense.amount, 100 + tier.overhead_percentage, 1,
                                        currency)
        assert payer_line.owed == expected == carried.ledger_owed_total(tier.name, payer)
        assert payer_line.recouped_to_date == recouped_before + payer_line.paid \
            == carried.ledger_recouped_total(tier.name, payer)
        assert payer_line.paid >= 0 and payer_line.recouped_to_date <= payer_line.owed
        outstanding = payer_line.owed - payer_line.recouped_to_date
        outstanding_total += outstanding
        assert payer_line.remaining_to_recoup == (
            outstanding if cap_left is None else min(outstanding, cap_left))
    assert tier_line.remaining_to_recoup == (
        outstanding_total if cap_left is None else min(outstanding_total, cap_left))
    if statement.net <= 0:
        assert tier_line.paid == 0
    # Money left under this tier means the tier took all it was allowed to.
    if available > 0:
        assert tier_line.remaining_to_recoup == 0


# --- CSV --------------------------------------------------------------------------------

RULE_ROW = f'rounding_rule,"{ROUNDING_RULE}"'


def test_a_statement_csv_never_carries_a_formula():
    waterfall = Waterfall(currency="KRW", tiers=(
        ProfitSplitTier("=1+1", (("SFR", D(60)), ("@Utopai", D(40)))),))
    statement = run(waterfall, [krw("=HYPERLINK(\"http://evil\")", "KR", 1_000)])
    text = statement_csv(statement)
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'=HYPERLINK(\"http://evil\")" in cells and "'=1+1" in cells
    assert "'@Utopai" in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]


def test_krw_statement_as_csv():
    waterfall = Waterfall(currency="KRW", tiers=(
        DistributionFeeTier("Distribution fee", "Distributor", D(10)),
        ExpenseTier("Prints and advertising", "SFR", D(1_000_000)),
        ProfitSplitTier("Profit split", (("SFR", D(60)), ("Utopai", D(40)))),
    ))
    statement = run(waterfall, [krw("Moonlit Harbor", "KR", 1_500_000),
                                krw("Moonlit Harbor", "JP", 500_000)])
    # Gross 2,000,000; fee 10% = 200,000; expenses 1,000,000; profit 800,000:
    # SFR 60% = 480,000, Utopai 40% = 320,000. SFR in all: 1,000,000 + 480,000.
    assert statement_csv(statement).splitlines() == [
        "period,2026-Q1",
        "currency,KRW",
        "gross,2000000",
        "deficit_brought_forward,0",
        "net,2000000",
        "deficit_carried_forward,0",
        RULE_ROW,
        "",
        "title,territory,amount",
        "Moonlit Harbor,JP,500000",
        "Moonlit Harbor,KR,1500000",
        "",
        "adjusts_period,title,territory,amount",
        "",
        "payer,title,reference,amount",
        "",
        "tier,kind,available,paid,recouped_to_date,remaining_to_recoup",
        "Distribution fee,distribution_fee,2000000,200000,200000,",
        "Prints and advertising,expense,1800000,1000000,1000000,0",
        "Profit split,profit_split,800000,800000,800000,",
        "",
        "party,payout",
        "Distributor,200000",
        "SFR,1480000",
        "Utopai,320000",
    ]
    sfr_csv = statement_csv_for_party(statement, "SFR")
    assert sfr_csv.splitlines() == [
        "period,2026-Q1",
        "party,SFR",
        "currency,KRW",
        "gross,2000000",
        "deficit_brought_forward,0",
        "net,2000000",
        "deficit_carried_forward,0",
        RULE_ROW,
        "",
        "title,territory,amount",
        "Moonlit Harbor,JP,500000",
        "Moonlit Harbor,KR,1500000",
        "",
        "adjusts_period,title,territory,amount",
        "",
        "payer,title,reference,amount",
        "",
        "tier,kind,available,paid,recouped_to_date,remaining_to_recoup",
        "Prints and advertising,expense,1800000,1000000,1000000,0",
        "Profit split,profit_split,800000,480000,,",
        "",
        "party,payout",
        "SFR,1480000",
    ]
    assert "Utopai" not in sfr_csv and "Distributor" not in sfr_csv
    assert "320000" not in sfr_csv


def test_usd_statement_as_csv_has_two_decimal_places():
    waterfall = Waterfall(currency="USD", tiers=(
        DistributionFeeTier("Distribution fee", "Sales agent", D("12.5")),
        ProfitSplitTier("Profit split", (("Alpha", D(50)), ("Beta", D(50)))),
    ))
    statement = run(waterfall, [usd("Moonlit Harbor", "US", "600.1"),
                                usd("Moonlit Harbor", "CA", "400")])
    # Gross 1,000.10 = 100,010 cents; fee 12.5% = 12,501.25 -> 12,501 = 125.01; left
    # 87,509 cents, halves of 43,754.5 -> 43,754 each and the cent left to Alpha (tie,
    # listed first): Alpha 437.55, Beta 437.54. 125.01 + 437.55 + 437.54 = 1,000.10.
    text = statement_csv(statement)
    assert text.splitlines()[:6] == [
        "period,2026-Q1", "currency,USD", "gross,1000.10", "deficit_brought_forward,0.00",
        "net,1000.10", "deficit_carried_forward,0.00"]
    assert text.splitlines()[8:] == [
        "title,territory,amount",
        "Moonlit Harbor,CA,400.00",
        "Moonlit Harbor,US,600.10",
        "",
        "adjusts_period,title,territory,amount",
        "",
        "payer,title,reference,amount",
        "",
        "tier,kind,available,paid,recouped_to_date,remaining_to_recoup",
        "Distribution fee,distribution_fee,1000.10,125.01,125.01,",
        "Profit split,profit_split,875.09,875.09,875.09,",
        "",
        "party,payout",
        "Sales agent,125.01",
        "Alpha,437.55",
        "Beta,437.54",
    ]
    beta_csv = statement_csv_for_party(statement, "Beta")
    assert beta_csv.splitlines()[-5:] == [
        "tier,kind,available,paid,recouped_to_date,remaining_to_recoup",
        "Profit split,profit_split,875.09,437.54,,",
        "",
        "party,payout",
        "Beta,437.54",
    ]
    assert "Alpha" not in beta_csv and "Sales agent" not in beta_csv
    assert "437.55" not in beta_csv and "125.01" not in beta_csv


def test_amounts_are_formatted_to_the_smallest_unit():
    assert format_amount(D("1234.5"), "USD") == "1234.50"
    assert format_amount(D("1.5E+6"), "KRW") == "1500000"
    assert format_amount(D(7), "CNY") == "7.00"
    assert format_amount(D("-0"), "THB") == "0.00"
    assert format_amount(D(1500), "JPY") == "1500"
    with pytest.raises(ValueError, match="decimal places"):
        format_amount(D("0.5"), "JPY")
