"""The terms of an agreement as the signatories approve them (JSON, compared between
versions), and the revenue waterfall those terms make.

Approval and computation share ``waterfall_from_terms``: terms the statements could not
compute are refused at approval with the same message.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from itertools import groupby

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from coprod.agreements import waterfall as engine
from coprod.agreements.models import Agreement, WaterfallTier
from coprod.agreements.periods import PeriodLength, periods_per_year


class NoWaterfall(ValidationError):
    pass


def money_text(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def converted(amount: Decimal, currency: str, rate: Decimal, into: str) -> Decimal:
    """``amount`` in ``into``: multiplied by the rate and rounded half to even to the
    currency's smallest unit (the one conversion rule, shown on every statement)."""
    quantum = Decimal(1).scaleb(-engine.minor_units(into))
    if currency == into:
        return Decimal(amount).quantize(quantum)
    return (Decimal(amount) * Decimal(rate)).quantize(quantum, rounding=ROUND_HALF_EVEN)


def recoupable_contributions(party, currency: str) -> Decimal:
    """What an investor recoups: its recorded recoupable contributions, in ``currency``."""
    return sum((converted(item.amount, item.currency, item.exchange_rate, currency)
                for item in party.contributions.all() if item.recoupable), Decimal(0))


def agreement_terms(agreement: Agreement) -> dict:
    """Everything the signatories approve, as JSON: compared between versions."""
    parties = list(agreement.parties.select_related("company", "signatory")
                   .prefetch_related("contributions").order_by("id"))
    by_id = {party.pk: party for party in parties}
    return {
        "reference": agreement.reference,
        "name": agreement.name,
        "currency": agreement.currency,
        "statement_period": agreement.statement_period,
        "effective_from": (agreement.effective_from.isoformat()
                           if agreement.effective_from else None),
        "term": [agreement.term_start.isoformat() if agreement.term_start else None,
                 agreement.term_end.isoformat() if agreement.term_end else None],
        "territory": agreement.territory_expression,
        "titles": [f"{title.pk}: {title}" for title in agreement.titles.order_by("pk")],
        "title_ids": list(agreement.titles.order_by("pk").values_list("pk", flat=True)),
        "parties": [{
            "company": party.company.name, "role": party.role,
            "share_percentage": money_text(party.share_percentage),
            "signatory": party.signatory.get_username(),
            "contributions": [
                {"kind": item.kind, "description": item.description,
                 "amount": money_text(item.amount), "currency": item.currency,
                 "exchange_rate": money_text(item.exchange_rate),
                 "recoupable": item.recoupable}
                for item in party.contributions.all()],
        } for party in parties],
        "budget": [{"title": str(line.title), "category": line.category,
                    "description": line.description, "amount": money_text(line.amount),
                    "currency": line.currency}
                   for line in agreement.budget_lines.select_related("title").order_by("id")],
        "waterfall": [_tier_terms(tier, by_id, agreement.currency)
                      for tier in agreement.waterfall_tiers.all()],
        "approved_models": [
            {"name": model.name, "version": model.version, "kind": model.kind,
             "sha256": model.sha256}
            for model in agreement.approved_models.order_by("kind", "name", "version")],
        "notes": agreement.notes,
    }


def _tier_terms(tier: WaterfallTier, parties: dict, currency: str) -> dict:
    party = parties.get(tier.party_id)
    amount = tier.amount
    if tier.kind == WaterfallTier.Kind.INVESTOR and party is not None:
        # Derived from the recorded contributions, never typed twice.
        amount = recoupable_contributions(party, currency)
    return {
        "position": tier.position, "kind": tier.kind, "name": tier.name,
        "party": party.company.name if party else None,
        "payee": tier.payee or None,
        "percentage": money_text(tier.percentage) if tier.percentage is not None else None,
        "amount": money_text(amount) if amount is not None else None,
        "premium_percentage": money_text(tier.premium_percentage),
        "overhead_percentage": money_text(tier.overhead_percentage),
        "interest_percentage": money_text(tier.interest_percentage),
    }


def tier_label(position, name: str) -> str:
    return f"{position}. {name}"


def _whole(amount: str, currency: str, what: str, tier: str) -> Decimal:
    """An amount from the terms at the currency's precision; finer is refused, not
    rounded."""
    value = Decimal(amount)
    quantum = Decimal(1).scaleb(-engine.minor_units(currency))
    if value != value.quantize(quantum):
        raise NoWaterfall(_("%(what)s of %(tier)s, %(amount)s, is finer than %(currency)s "
                            "allows.") % {"what": what, "tier": tier, "amount": amount,
                                          "currency": currency})
    return value


def waterfall_from_terms(terms: dict) -> engine.Waterfall:
    """The engine's waterfall from the terms; investors at the same position recoup pari
    passu, the expenses tier recoups the ledger, and the profit split uses the parties'
    shares. Raises NoWaterfall with the reason when the terms cannot be computed."""
    tiers = terms.get("waterfall") or []
    currency = terms["currency"]
    if not tiers:
        raise NoWaterfall(_("This agreement has no waterfall yet."))
    party_names = [party["company"] for party in terms["parties"]]
    built = []
    ledger_payers: set[str] = set()
    try:
        for position, rows in groupby(tiers, key=lambda tier: tier["position"]):
            rows = list(rows)
            kinds = {row["kind"] for row in rows}
            if len(kinds) > 1:
                raise NoWaterfall(_("Position %(position)s mixes different kinds of tier.")
                                  % {"position": position})
            first = rows[0]
            kind = first["kind"]
            if kind != WaterfallTier.Kind.INVESTOR and len(rows) > 1:
                raise NoWaterfall(_("Position %(position)s holds two tiers; only investors "
                                    "share a position.") % {"position": position})
            name = tier_label(position, first["name"])
            if kind == WaterfallTier.Kind.DISTRIBUTION_FEE:
                recipient = first["party"] or first.get("payee")
                if not recipient:
                    raise NoWaterfall(_("The fee %(tier)s is paid to nobody: choose a party "
                                        "or name a third-party payee.") % {"tier": name})
                if first["party"] is None and recipient in party_names:
                    raise NoWaterfall(_("The third-party payee of %(tier)s has the name of a "
                                        "party; choose the party instead.") % {"tier": name})
                built.append(engine.DistributionFeeTier(
                    name=name, recipient=recipient, percentage=Decimal(first["percentage"])))
            elif kind == WaterfallTier.Kind.EXPENSES:
                payers = (first["party"],) if first["party"] else tuple(
                    payer for payer in party_names if payer not in ledger_payers)
                ledger_payers.update(payers)
                cap = first["amount"]
                built.append(engine.ExpenseLedgerTier(
                    name=name, payers=payers,
                    cap=None if cap is None else _whole(cap, currency, _("The cap"), name),
                    overhead_percentage=Decimal(first.get("overhead_percentage") or 0),
                    interest_percentage=Decimal(first.get("interest_percentage") or 0)))
            elif kind == WaterfallTier.Kind.INVESTOR:
                investors = []
                for row in rows:
                    if not row["party"]:
                        raise NoWaterfall(_("The investor tier %(tier)s names no party.")
                                          % {"tier": name})
                    owed = _whole(row["amount"] or "0", currency, _("The contribution"), name)
                    if owed <= 0:
                        raise NoWaterfall(_("%(party)s recoups in %(tier)s but has no "
                                            "recoupable contribution recorded.")
                                          % {"party": row["party"], "tier": name})
                    investors.append(engine.InvestorPosition(
                        party=row["party"], contribution=owed,
                        premium_percentage=Decimal(row["premium_percentage"])))
                built.append(engine.InvestorRecoupmentTier(name=name,
                                                           investors=tuple(investors)))
            else:
                built.append(engine.ProfitSplitTier(name=name, shares=tuple(
                    (party["company"], Decimal(party["share_percentage"]))
                    for party in terms["parties"])))
        length = terms.get("statement_period") or PeriodLength.QUARTER
        return engine.Waterfall(currency=currency, tiers=tuple(built),
                                periods_per_year=periods_per_year(length))
    except (ValueError, TypeError, ArithmeticError) as error:
        raise NoWaterfall(str(error)) from None
