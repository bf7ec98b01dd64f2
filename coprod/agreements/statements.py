"""Revenue statements of an agreement: its waterfall tiers and receipts, run through the
waterfall engine period by period, carrying unrecouped balances forward.

Receipts in another currency are converted with their exchange rate and rounded half to
even to the statement currency's smallest unit before they enter the waterfall.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from itertools import groupby

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from coprod.agreements import waterfall as engine
from coprod.agreements.models import Agreement, WaterfallTier
from coprod.agreements.services import agreement_terms


class NoWaterfall(ValidationError):
    pass


def statement_terms(agreement: Agreement) -> dict:
    """The terms statements follow: those of the last executed version, so that editing an
    amendment does not rewrite statements already sent; the live terms only for an
    agreement never executed (a preview)."""

    executed = (agreement.versions.filter(executed_at__isnull=False)
                .order_by("-number").first())
    return executed.terms if executed is not None else agreement_terms(agreement)


def agreement_waterfall(agreement: Agreement) -> engine.Waterfall:
    """The engine's waterfall from the agreement's tiers; investors at the same position
    recoup pari passu, and the profit split uses the parties' shares."""
    terms = statement_terms(agreement)
    tiers = terms.get("waterfall") or []
    if not tiers:
        raise NoWaterfall(_("This agreement has no waterfall yet."))
    built = []
    for position, rows in groupby(tiers, key=lambda tier: tier["position"]):
        rows = list(rows)
        kinds = {row["kind"] for row in rows}
        if len(kinds) > 1:
            raise NoWaterfall(_("Position %(position)s mixes different kinds of tier.")
                              % {"position": position})
        first = rows[0]
        name = f"{position}. {first['name']}"
        kind = first["kind"]
        if kind == WaterfallTier.Kind.DISTRIBUTION_FEE:
            built.append(engine.DistributionFeeTier(name=name, recipient=first["party"],
                                                    percentage=Decimal(first["percentage"])))
        elif kind == WaterfallTier.Kind.EXPENSES:
            built.append(engine.ExpenseTier(name=name, recipient=first["party"],
                                            amount=_whole(first["amount"], terms)))
        elif kind == WaterfallTier.Kind.INVESTOR:
            built.append(engine.InvestorRecoupmentTier(name=name, investors=tuple(
                engine.InvestorPosition(party=row["party"],
                                        contribution=_whole(row["amount"], terms),
                                        premium_percentage=Decimal(row["premium_percentage"]))
                for row in rows)))
        else:
            built.append(engine.ProfitSplitTier(name=name, shares=tuple(
                (party["company"], Decimal(party["share_percentage"]))
                for party in terms["parties"])))
    try:
        return engine.Waterfall(currency=terms["currency"], tiers=tuple(built))
    except (ValueError, TypeError) as error:
        raise NoWaterfall(str(error)) from None


def _whole(amount: str, terms: dict) -> Decimal:
    """An amount from the terms, at the currency's precision (the engine refuses more)."""
    quantum = Decimal(1).scaleb(-engine.minor_units(terms["currency"]))
    return Decimal(amount).quantize(quantum)


def _converted(receipt, currency: str) -> Decimal:
    quantum = Decimal(1).scaleb(-engine.minor_units(currency))
    if receipt.currency == currency:
        return Decimal(receipt.amount).quantize(quantum)
    return (Decimal(receipt.amount) * receipt.exchange_rate).quantize(
        quantum, rounding=ROUND_HALF_EVEN)


def agreement_statements(agreement: Agreement) -> list[engine.Statement] | str:
    """Every period's statement in order, or the reason there is none."""
    try:
        waterfall = agreement_waterfall(agreement)
    except NoWaterfall as error:
        return " ".join(error.messages)
    state = engine.WaterfallState.empty()
    statements = []
    receipts = agreement.receipts.select_related("title").order_by("period", "id")
    for period, rows in groupby(receipts, key=lambda receipt: receipt.period):
        entries = [engine.Receipt(title=str(row.title), territory=row.territory,
                                  amount=_converted(row, waterfall.currency),
                                  currency=waterfall.currency) for row in rows]
        try:
            statement = engine.compute_statement(waterfall, period=period, receipts=entries,
                                                 state=state)
        except ValueError as error:
            return _("The statement for %(period)s cannot be computed: %(error)s") % {
                "period": period, "error": error}
        statements.append(statement)
        state = statement.carried_forward
    return statements


def agreement_statement(agreement: Agreement, period: str) -> engine.Statement | None:
    statements = agreement_statements(agreement)
    if isinstance(statements, str):
        return None
    return next((statement for statement in statements if statement.period == period), None)
