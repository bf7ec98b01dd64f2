"""Revenue statements of an agreement, period by period.

A statement is a draft until its period is closed and issued; the issued statement is
stored with its figures, the terms version it followed and the receipts and expenses it
includes, and is never computed again. Drafts start from the balances the last issued
statement carried forward:

- a receipt recorded for a period already issued goes into the next open period as a
  prior-period adjustment (so is an expense incurred in a closed period);
- each period follows the executed terms in effect for it: an amendment applies from the
  period containing its effective date, which is always after the last issued period;
- a period whose returns exceed its revenue carries the deficit forward.

Receipts, expenses and contributions in another currency are converted with their
exchange rate and rounded half to even to the statement currency's smallest unit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coprod.accounts.models import User
from coprod.agreements import waterfall as engine
from coprod.agreements.models import Agreement, Expense, IssuedStatement, RevenueReceipt
from coprod.agreements.periods import (
    period_bounds,
    period_key,
    period_next,
    period_of,
    period_start,
    periods_between,
)
from coprod.agreements.terms import NoWaterfall, agreement_terms, converted, waterfall_from_terms
from coprod.api import webhooks
from coprod.audit.models import Event
from coprod.audit.services import event_record

# --- which terms a period follows -------------------------------------------------------


def _executed_versions(agreement: Agreement) -> list:
    return list(agreement.versions.filter(executed_at__isnull=False).order_by("number"))


def terms_for_period(agreement: Agreement, period: str,
                     versions: list | None = None) -> tuple[int | None, dict]:
    """(version number, terms) in effect for the period: the latest executed version whose
    effective date falls in or before it; the live terms, unnumbered, for an agreement
    never executed (a preview)."""
    versions = _executed_versions(agreement) if versions is None else versions
    start = period_bounds(period)[0]
    chosen = None
    for version in versions:
        effective = version.terms.get("effective_from")
        if effective is None or chosen is None or period_start(
                agreement.statement_period, dt.date.fromisoformat(effective)) <= start:
            chosen = version
    if chosen is None:
        return None, agreement_terms(agreement)
    return chosen.number, chosen.terms


def _carried(waterfall: engine.Waterfall, state: engine.WaterfallState) -> engine.WaterfallState:
    """The balances a new set of terms takes over: those of the tiers it still has (same
    position and name, same investor or payer), and any deficit."""
    data = state.as_dict()
    names = {tier.name: tier for tier in waterfall.tiers}
    kept = {"deficit": data.get("deficit", "0"),
            "tiers": {name: amount for name, amount in data.get("tiers", {}).items()
                      if name in names}}
    for key in ("investors", "ledger_owed", "ledger_recouped"):
        if key not in data:
            continue
        kept[key] = {name: {party: amount for party, amount in parties.items()
                            if party in names[name].parties}
                     for name, parties in data[key].items() if name in names}
    return engine.WaterfallState.from_dict(kept)


# --- the book of statements -------------------------------------------------------------


@dataclass
class StatementEntry:
    period: str
    statement: engine.Statement
    terms_version: int | None
    issued: IssuedStatement | None = None
    receipt_ids: list[int] = field(default_factory=list)
    expense_ids: list[int] = field(default_factory=list)
    can_issue: bool = False

    @property
    def is_draft(self) -> bool:
        return self.issued is None

    @property
    def parties(self) -> tuple[str, ...]:
        return self.statement.parties


@dataclass
class StatementBook:
    entries: list[StatementEntry]
    error: str | None = None

    @property
    def next_to_issue(self) -> StatementEntry | None:
        return next((entry for entry in self.entries if entry.is_draft), None)


def statement_book(agreement: Agreement, *, today=None) -> StatementBook:
    """Issued statements as issued, then a draft for every open period through the last
    one with revenue or expenses recorded."""
    today = today or timezone.localdate()
    entries = [StatementEntry(period=record.period, statement=statement_load(record.figures),
                              terms_version=record.terms_version, issued=record)
               for record in agreement.issued_statements.order_by("number")]
    state = (engine.WaterfallState.from_dict(entries[-1].issued.state_after) if entries
             else engine.WaterfallState.empty())
    length = agreement.statement_period
    receipts = list(agreement.receipts.filter(statement__isnull=True)
                    .select_related("title").order_by("period", "id"))
    expenses = list(agreement.expenses.filter(statement__isnull=True)
                    .select_related("title", "payer__company").order_by("incurred_on", "id"))
    periods = {receipt.period for receipt in receipts} | {
        period_of(length, expense.incurred_on) for expense in expenses}
    if not periods:
        return StatementBook(entries)
    first = period_next(entries[-1].period) if entries else min(periods, key=period_key)
    last = max([first, *periods], key=period_key)
    versions = _executed_versions(agreement)
    for period in periods_between(first, last):
        version, terms = terms_for_period(agreement, period, versions)
        try:
            waterfall = waterfall_from_terms(terms)
        except NoWaterfall as error:
            return StatementBook(entries, error=" ".join(error.messages))
        start = period_key(period)

        def due(own_period: str, period=period, start=start) -> bool:
            return own_period == period or (period == first and period_key(own_period) < start)

        mine = [receipt for receipt in receipts if due(receipt.period)]
        spent = [expense for expense in expenses
                 if due(period_of(length, expense.incurred_on))]
        payers = {payer for tier in waterfall.tiers
                  if isinstance(tier, engine.ExpenseLedgerTier) for payer in tier.payers}
        try:
            statement = engine.compute_statement(
                waterfall, period=period, state=_carried(waterfall, state),
                receipts=[_receipt(receipt, period, waterfall.currency) for receipt in mine],
                expenses=[_expense(expense, waterfall.currency) for expense in spent
                          if expense.payer.company.name in payers])
        except (ValueError, TypeError) as error:
            return StatementBook(entries, error=_(
                "The statement for %(period)s cannot be computed: %(error)s")
                % {"period": period, "error": error})
        entries.append(StatementEntry(
            period=period, statement=statement, terms_version=version,
            receipt_ids=[receipt.pk for receipt in mine],
            expense_ids=[expense.pk for expense in spent]))
        state = statement.carried_forward
    draft = next((entry for entry in entries if entry.is_draft), None)
    if draft is not None:
        draft.can_issue = (draft.terms_version is not None
                           and period_bounds(draft.period)[1] < today)
    return StatementBook(entries)


def _receipt(receipt: RevenueReceipt, period: str, currency: str) -> engine.Receipt:
    return engine.Receipt(
        title=str(receipt.title), territory=receipt.territory, currency=currency,
        amount=converted(receipt.amount, receipt.currency, receipt.exchange_rate, currency),
        adjusts_period="" if receipt.period == period else receipt.period)


def _expense(expense: Expense, currency: str) -> engine.Expense:
    return engine.Expense(
        payer=expense.payer.company.name,
        amount=converted(expense.amount, expense.currency, expense.exchange_rate, currency),
        reference=expense.invoice_reference or expense.description,
        title=str(expense.title) if expense.title else "")


def agreement_statements(agreement: Agreement) -> list[StatementEntry] | str:
    """Every period's statement in order, or the reason there is none."""
    book = statement_book(agreement)
    return book.error if book.error else book.entries


def agreement_statement(agreement: Agreement, period: str) -> StatementEntry | None:
    book = statement_book(agreement)
    return next((entry for entry in book.entries if entry.period == period), None)


# --- issuing ----------------------------------------------------------------------------


def statement_issue(*, actor: User | None, agreement: Agreement, period: str,
                    today=None) -> IssuedStatement:
    """Close ``period`` and issue its statement. Periods are issued in order, once they
    have ended, on executed terms; the figures, terms version, receipts and expenses are
    stored and never change."""
    today = today or timezone.localdate()
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        book = statement_book(agreement, today=today)
        if book.error:
            raise ValidationError(book.error)
        entry = book.next_to_issue
        if entry is None:
            raise ValidationError(_("There is no open period with revenue or expenses to "
                                    "issue."))
        if entry.period != period:
            raise ValidationError(_("Statements are issued in order: the next one to issue "
                                    "is %(next)s.") % {"next": entry.period})
        if period_bounds(period)[1] >= today:
            raise ValidationError(_("%(period)s ends on %(last)s; its statement is issued "
                                    "once it has ended.")
                                  % {"period": period,
                                     "last": period_bounds(period)[1].isoformat()})
        if entry.terms_version is None:
            raise ValidationError(_("Statements are issued on executed terms; this agreement "
                                    "has none yet."))
        statement = entry.statement
        record = IssuedStatement.objects.create(
            agreement=agreement, number=agreement.issued_statements.count() + 1,
            period=period, currency=statement.currency, terms_version=entry.terms_version,
            figures=statement_dump(statement), state_after=statement.carried_forward.as_dict(),
            issued_by=actor)
        RevenueReceipt.objects.filter(pk__in=entry.receipt_ids).update(statement=record)
        Expense.objects.filter(pk__in=entry.expense_ids).update(statement=record)
        event_record(actor=actor, action=Event.Action.STATEMENT_ISSUED, instance=record,
                     agreement=agreement, after={
                         "period": period, "number": record.number,
                         "terms_version": entry.terms_version,
                         "gross": str(statement.gross),
                         "payouts": {party: str(amount) for party, amount in statement.payouts},
                         "receipts": entry.receipt_ids, "expenses": entry.expense_ids})
        data = webhooks.statement_data(record)
        transaction.on_commit(lambda: webhooks.webhook_emit(
            "statement.issued", companies=webhooks.party_companies(agreement), payload=data),
            robust=True)
        return record


# --- stored figures ---------------------------------------------------------------------

STORED_TYPES = {cls.__name__: cls for cls in (
    engine.Statement, engine.TierLine, engine.InvestorLine)}


def statement_dump(value):
    """The statement as JSON that loads back exactly: Decimals as text, tuples kept."""
    if isinstance(value, engine.WaterfallState):
        return {"$state": value.as_dict()}
    if dataclasses.is_dataclass(value):
        return {"$type": type(value).__name__,
                **{item.name: statement_dump(getattr(value, item.name))
                   for item in dataclasses.fields(value)}}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, tuple):
        return {"$tuple": [statement_dump(item) for item in value]}
    if isinstance(value, list):
        return [statement_dump(item) for item in value]
    return value


def statement_load(data):
    if isinstance(data, list):
        return [statement_load(item) for item in data]
    if not isinstance(data, dict):
        return data
    if "$decimal" in data:
        return Decimal(data["$decimal"])
    if "$tuple" in data:
        return tuple(statement_load(item) for item in data["$tuple"])
    if "$state" in data:
        return engine.WaterfallState.from_dict(data["$state"])
    if "$type" in data:
        cls = STORED_TYPES[data["$type"]]
        names = {item.name for item in dataclasses.fields(cls)}
        return cls(**{key: statement_load(value) for key, value in data.items()
                      if key in names})
    return {key: statement_load(value) for key, value in data.items()}
