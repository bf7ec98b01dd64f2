"""Writes for co-production agreements: terms, parties, approvals and the lifecycle.

Lifecycle: draft -> in negotiation -> awaiting approvals -> executed -> being amended
-> awaiting approvals -> executed ..., and terminated from any state but itself. Every
party's signatory approves one version; a change to the terms after submission makes a
new version and withdraws the approvals given so far. Each change writes an Event with
the terms before and after, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coprod.accounts.models import Company, User
from coprod.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementVersion,
    Approval,
    BudgetLine,
    Contribution,
    Expense,
    Party,
    RevenueReceipt,
    WaterfallTier,
    minor_unit_errors,
    rate_errors,
)
from coprod.agreements.periods import PeriodError, period_bounds, period_check, period_start
from coprod.agreements.terms import (
    NoWaterfall,
    agreement_terms,
    money_text,
    waterfall_from_terms,
)
from coprod.api import webhooks
from coprod.audit.models import Event
from coprod.audit.services import event_record
from coprod.catalog.models import Title
from coprod.core.uploads import too_large_message
from coprod.notifications import events as notification_events
from coprod.rights.vocabulary import TerritoryError, expand_territories

Status = Agreement.Status

TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.NEGOTIATION, Status.TERMINATED},
    Status.NEGOTIATION: {Status.AWAITING_APPROVALS, Status.DRAFT, Status.TERMINATED},
    Status.AWAITING_APPROVALS: {Status.NEGOTIATION, Status.TERMINATED},
    Status.EXECUTED: {Status.AMENDED, Status.TERMINATED},
    Status.AMENDED: {Status.AWAITING_APPROVALS, Status.TERMINATED},
    Status.TERMINATED: set(),
}
EDITABLE = {Status.DRAFT, Status.NEGOTIATION, Status.AWAITING_APPROVALS, Status.AMENDED}
DOCUMENT_EXTENSIONS = {".pdf", ".docx", ".doc", ".xlsx", ".xls", ".odt", ".txt", ".png",
                       ".jpg", ".jpeg"}


ITEM_REMOVED = {Contribution: Event.Action.CONTRIBUTION_REMOVED,
                BudgetLine: Event.Action.BUDGET_LINE_REMOVED,
                WaterfallTier: Event.Action.WATERFALL_TIER_REMOVED}
STATUS_ACTIONS = {Status.DRAFT: Event.Action.AGREEMENT_DRAFT,
                  Status.NEGOTIATION: Event.Action.AGREEMENT_NEGOTIATION,
                  Status.AWAITING_APPROVALS: Event.Action.AGREEMENT_SUBMITTED,
                  Status.EXECUTED: Event.Action.AGREEMENT_EXECUTED,
                  Status.AMENDED: Event.Action.AGREEMENT_AMENDED,
                  Status.TERMINATED: Event.Action.AGREEMENT_TERMINATED}


class IllegalTransition(ValidationError):
    pass


def _emit_on_commit(event: str, agreement: Agreement) -> None:
    """The webhook ``event`` to each party's company, once the transaction commits."""
    data = webhooks.agreement_data(agreement)
    transaction.on_commit(lambda: webhooks.webhook_emit(
        event, companies=webhooks.party_companies(agreement), payload=data),
        robust=True)


def _lock(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def _active_approvals(agreement: Agreement):
    return agreement.approvals.filter(version=agreement.version, withdrawn_at__isnull=True)


def _change(actor: User | None, agreement: Agreement, action: str,
            mutate: Callable[[Agreement], object]):
    """Apply ``mutate`` to the terms under a row lock. After submission for approval a
    change makes a new version and withdraws the approvals; an executed agreement must be
    put into amendment first."""
    with transaction.atomic():
        agreement = _lock(agreement)
        if agreement.status not in EDITABLE:
            raise ValidationError(
                _("An agreement that is %(status)s cannot be changed%(hint)s.") % {
                    "status": agreement.get_status_display().lower(),
                    "hint": _("; start an amendment first")
                    if agreement.status == Status.EXECUTED else ""})
        before = agreement_terms(agreement)
        result = mutate(agreement)
        after = agreement_terms(agreement)
        if after == before:
            return result
        if agreement.status == Status.AWAITING_APPROVALS:
            withdrawn = _active_approvals(agreement).update(withdrawn_at=timezone.now())
            agreement.version += 1
            agreement.save(update_fields=["version", "updated_at"])
            AgreementVersion.objects.create(agreement=agreement, number=agreement.version,
                                            terms=after)
            if withdrawn:
                event_record(actor=actor, action=Event.Action.APPROVALS_WITHDRAWN,
                             instance=agreement, agreement=agreement,
                             after={"withdrawn": withdrawn, "new_version": agreement.version})
                notification_events.approvals_withdrawn(agreement, actor=actor)
        event_record(actor=actor, action=action, instance=agreement, agreement=agreement,
                     before=before, after=after)
        return result


@transaction.atomic
def agreement_create(*, actor: User | None, reference: str, name: str, currency: str,
                     term_start=None, term_end=None, territory_expression: str = "",
                     titles=(), approved_models=(), notes: str = "",
                     statement_period: str = "quarter", effective_from=None) -> Agreement:
    agreement = Agreement(reference=reference.strip(), name=name.strip(), currency=currency,
                          term_start=term_start, term_end=term_end, notes=notes,
                          statement_period=statement_period, effective_from=effective_from,
                          created_by=actor)
    _set_territory(agreement, territory_expression)
    agreement.full_clean()
    agreement.save()
    agreement.titles.set(titles)
    agreement.approved_models.set(approved_models)
    event_record(actor=actor, action=Event.Action.AGREEMENT_CREATED, instance=agreement,
                 agreement=agreement, after=agreement_terms(agreement))
    return agreement


def _set_territory(agreement: Agreement, expression: str) -> None:
    expression = " ".join(expression.upper().split())
    agreement.territory_expression = expression
    if not expression:
        agreement.countries = []
        return
    try:
        agreement.countries = sorted(expand_territories(expression))
    except TerritoryError as error:
        raise ValidationError({"territory_expression": str(error)}) from None


def agreement_update(*, actor: User | None, agreement: Agreement, data: dict,
                     titles=None, approved_models=None) -> Agreement:
    def mutate(locked: Agreement):
        if ("statement_period" in data and data["statement_period"] != locked.statement_period
                and (locked.receipts.exists() or locked.expenses.exists())):
            raise ValidationError({"statement_period": _(
                "Revenue or expenses are recorded by %(length)s; the statement period can no "
                "longer change.") % {"length": locked.get_statement_period_display().lower()}})
        for field, value in data.items():
            if field == "territory_expression":
                _set_territory(locked, value)
            else:
                setattr(locked, field, value)
        locked.full_clean()
        locked.save()
        if titles is not None:
            locked.titles.set(titles)
        if approved_models is not None:
            locked.approved_models.set(approved_models)
        return locked

    return _change(actor, agreement, Event.Action.AGREEMENT_UPDATED, mutate)


def party_add(*, actor: User | None, agreement: Agreement, company: Company, role: str,
              share_percentage: Decimal, signatory: User) -> Party:
    if signatory.company_id != company.pk:
        raise ValidationError({"signatory": _("The signatory must be a user of %(company)s.")
                               % {"company": company}})

    def mutate(locked: Agreement):
        if locked.parties.filter(company=company).exists():
            raise ValidationError({"company": _("%(company)s is already a party.")
                                   % {"company": company}})
        party = Party(agreement=locked, company=company, role=role,
                      share_percentage=share_percentage, signatory=signatory)
        party.full_clean()
        party.save()
        return party

    return _change(actor, agreement, Event.Action.PARTY_ADDED, mutate)


def party_update(*, actor: User | None, party: Party, share_percentage: Decimal | None = None,
                 role: str | None = None, signatory: User | None = None) -> Party:
    if signatory is not None and signatory.company_id != party.company_id:
        raise ValidationError({"signatory": _("The signatory must be a user of %(company)s.")
                               % {"company": party.company}})

    def mutate(locked: Agreement):
        current = locked.parties.get(pk=party.pk)
        if share_percentage is not None:
            current.share_percentage = share_percentage
        if role is not None:
            current.role = role
        if signatory is not None:
            current.signatory = signatory
        current.full_clean()
        current.save()
        return current

    return _change(actor, party.agreement, Event.Action.PARTY_CHANGED, mutate)


def party_remove(*, actor: User | None, party: Party) -> None:
    def mutate(locked: Agreement):
        locked.parties.filter(pk=party.pk).delete()

    _change(actor, party.agreement, Event.Action.PARTY_REMOVED, mutate)


def contribution_add(*, actor: User | None, party: Party, kind: str, amount: Decimal,
                     currency: str, description: str = "", exchange_rate: Decimal | None = None,
                     recoupable: bool = True) -> Contribution:
    if currency == party.agreement.currency:
        exchange_rate = Decimal(1)

    def mutate(locked: Agreement):
        item = Contribution(party=party, kind=kind, amount=amount, currency=currency,
                            description=description, exchange_rate=exchange_rate,
                            recoupable=recoupable)
        item.full_clean()
        item.save()
        return item

    return _change(actor, party.agreement, Event.Action.CONTRIBUTION_ADDED, mutate)


def budget_line_add(*, actor: User | None, agreement: Agreement, title: Title, category: str,
                    amount: Decimal, currency: str, description: str = "") -> BudgetLine:
    def mutate(locked: Agreement):
        if not locked.titles.filter(pk=title.pk).exists():
            raise ValidationError({"title": _("The title is not covered by this agreement.")})
        line = BudgetLine(agreement=locked, title=title, category=category, amount=amount,
                          currency=currency, description=description)
        line.full_clean()
        line.save()
        return line

    return _change(actor, agreement, Event.Action.BUDGET_LINE_ADDED, mutate)


def waterfall_tier_add(*, actor: User | None, agreement: Agreement, position: int, kind: str,
                       name: str, party: Party | None = None, payee: str = "",
                       percentage: Decimal | None = None, amount: Decimal | None = None,
                       premium_percentage: Decimal = Decimal(0),
                       overhead_percentage: Decimal = Decimal(0),
                       interest_percentage: Decimal = Decimal(0)) -> WaterfallTier:
    """One tier. A fee goes to a party or a third-party payee; the expenses tier recoups
    the ledger (of one party, or of every party), optionally capped, with overhead and
    interest; an investor recoups its recorded contributions, never a typed amount."""
    Kind = WaterfallTier.Kind
    payee = " ".join((payee or "").split())
    errors = {}
    if kind == Kind.DISTRIBUTION_FEE:
        if percentage is None:
            errors["percentage"] = _("Required for a fee.")
        if (party is None) == (not payee):
            errors["party"] = _("A fee is paid either to a party or to a third-party payee.")
    elif payee:
        errors["payee"] = _("Only a fee is paid to a third party.")
    if kind == Kind.INVESTOR:
        if party is None:
            errors["party"] = _("Required for this kind of tier.")
        if amount is not None:
            errors["amount"] = _("An investor recoups its recorded contributions; record "
                                 "them under Contributions instead of typing an amount.")
    if kind != Kind.EXPENSES and (overhead_percentage or interest_percentage):
        errors["overhead_percentage"] = _("Overhead and interest apply to expenses only.")
    if kind == Kind.EXPENSES and amount is not None and amount <= 0:
        errors["amount"] = _("A cap is a positive amount; leave it blank for no cap.")
    if kind == Kind.PROFIT_SPLIT and party is not None:
        errors["party"] = _("The profit split goes to every party by its share.")
    for field, value in (("percentage", percentage), ("premium_percentage", premium_percentage),
                         ("overhead_percentage", overhead_percentage),
                         ("interest_percentage", interest_percentage)):
        if value is not None and not Decimal(0) <= value <= Decimal(100):
            errors[field] = _("A percentage is between 0 and 100.")
    errors.update(minor_unit_errors(agreement.currency, amount=amount))
    if errors:
        raise ValidationError(errors)

    def mutate(locked: Agreement):
        if party is not None and party.agreement_id != locked.pk:
            raise ValidationError({"party": _("Not a party of this agreement.")})
        tier = WaterfallTier(agreement=locked, position=position, kind=kind, name=name,
                             party=party, payee=payee, percentage=percentage, amount=amount,
                             premium_percentage=premium_percentage,
                             overhead_percentage=overhead_percentage,
                             interest_percentage=interest_percentage)
        tier.full_clean()
        tier.save()
        return tier

    return _change(actor, agreement, Event.Action.WATERFALL_TIER_ADDED, mutate)


def agreement_item_remove(*, actor: User | None, item) -> None:
    """Remove a contribution, budget line or waterfall tier."""
    agreement = item.party.agreement if isinstance(item, Contribution) else item.agreement

    def mutate(locked: Agreement):
        type(item).objects.filter(pk=item.pk).delete()

    _change(actor, agreement, ITEM_REMOVED[type(item)], mutate)


def _check_ready_for_approval(agreement: Agreement) -> None:
    parties = list(agreement.parties.all())
    problems = []
    if len(parties) < 2:
        problems.append(_("An agreement needs at least two parties."))
    total = sum((party.share_percentage for party in parties), Decimal(0))
    if total != Decimal(100):
        problems.append(_("The parties' shares total %(total)s%%; they must total exactly "
                          "100%%.") % {"total": money_text(total)})
    if agreement.waterfall_tiers.exists() and not problems:
        # Exactly what the statements would refuse: nothing executed can fail to compute.
        try:
            waterfall_from_terms(agreement_terms(agreement))
        except NoWaterfall as error:
            problems.extend(error.messages)
    problems.extend(_effective_date_problems(agreement))
    if problems:
        raise ValidationError(problems)


def _effective_date_problems(agreement: Agreement) -> list[str]:
    """An amendment takes effect after the last issued statement: it never rewrites one."""
    last = agreement.issued_statements.order_by("-number").first()
    if last is None:
        return []
    if agreement.effective_from is None:
        return [_("Statements through %(period)s are issued: give the date the amended terms "
                  "take effect from.") % {"period": last.period}]
    if period_start(agreement.statement_period, agreement.effective_from) <= \
            period_bounds(last.period)[1]:
        return [_("Statements through %(period)s are issued and never change: the amended "
                  "terms can take effect from %(first)s at the earliest.")
                % {"period": last.period,
                   "first": (period_bounds(last.period)[1] + dt.timedelta(days=1)).isoformat()}]
    return []


@transaction.atomic
def agreement_transition(*, actor: User | None, agreement: Agreement, to: str) -> Agreement:
    agreement = _lock(agreement)
    current = Status(agreement.status)
    if to not in TRANSITIONS[current]:
        raise IllegalTransition(
            _("An agreement cannot go from “%(from)s” to “%(to)s”.") % {
                "from": current.label, "to": Status(to).label if to in Status.values else to})
    before = {"status": agreement.status, "version": agreement.version}
    if to == Status.AWAITING_APPROVALS:
        _check_ready_for_approval(agreement)
        AgreementVersion.objects.update_or_create(
            agreement=agreement, number=agreement.version,
            defaults={"terms": agreement_terms(agreement)})
    if to == Status.AMENDED:
        agreement.version += 1
    if current == Status.AWAITING_APPROVALS:
        _active_approvals(agreement).update(withdrawn_at=timezone.now())
    agreement.status = to
    agreement.save(update_fields=["status", "version", "updated_at"])
    event_record(actor=actor, action=STATUS_ACTIONS[to], instance=agreement, agreement=agreement,
                 before=before, after={"status": agreement.status, "version": agreement.version})
    if to == Status.AWAITING_APPROVALS:
        _emit_on_commit("agreement.awaiting_approval", agreement)
        notification_events.agreement_awaiting_approval(agreement, actor=actor)
    return agreement


@transaction.atomic
def agreement_approve(*, actor: User, agreement: Agreement, version: int) -> Approval:
    """The actor approves ``version`` for the party whose signatory they are. When every
    party has approved, the agreement is executed."""
    agreement = _lock(agreement)
    if agreement.status != Status.AWAITING_APPROVALS:
        raise IllegalTransition(_("Only an agreement awaiting approvals can be approved; this "
                                  "one is %(status)s.")
                                % {"status": agreement.get_status_display().lower()})
    # The terms may have changed since submission (a new version): they must still be
    # complete, so that an executed agreement always has valid shares and parties.
    _check_ready_for_approval(agreement)
    if version != agreement.version:
        raise ValidationError(_("You approved version %(given)s, but the terms changed: "
                                "version %(current)s is the one to approve.")
                              % {"given": version, "current": agreement.version})
    party = agreement.parties.filter(signatory=actor).first()
    if party is None:
        raise ValidationError(_("You are not the signatory of any party to this agreement."))
    if _active_approvals(agreement).filter(party=party).exists():
        raise ValidationError(_("%(company)s has already approved version %(version)s.")
                              % {"company": party.company, "version": version})
    approval = Approval.objects.create(agreement=agreement, version=version, party=party,
                                       approved_by=actor)
    event_record(actor=actor, action=Event.Action.AGREEMENT_APPROVED, instance=agreement,
                 agreement=agreement, after={"party": party.company.name, "version": version})
    approved_parties = set(_active_approvals(agreement).values_list("party_id", flat=True))
    if approved_parties >= set(agreement.parties.values_list("id", flat=True)):
        agreement.status = Status.EXECUTED
        agreement.save(update_fields=["status", "updated_at"])
        AgreementVersion.objects.filter(agreement=agreement, number=version).update(
            executed_at=timezone.now())
        event_record(actor=actor, action=Event.Action.AGREEMENT_EXECUTED, instance=agreement,
                     agreement=agreement, after={"status": agreement.status,
                                                 "version": version})
        _emit_on_commit("agreement.executed", agreement)
        notification_events.agreement_executed(agreement, actor=actor)
    return approval


@transaction.atomic
def agreement_document_add(*, actor: User | None, agreement: Agreement, upload) -> \
        AgreementDocument:
    """Attach a document. Validated by name, size and content; the file goes through the
    storage API (S3-compatible storage is a setting)."""
    document_check(upload)
    document = AgreementDocument.objects.create(
        agreement=agreement, file=upload, name=Path(upload.name).name[:200],
        agreement_version=agreement.version, uploaded_by=actor)
    event_record(actor=actor, action=Event.Action.DOCUMENT_ADDED, instance=document,
                 agreement=agreement, after={"name": document.name,
                                             "version": document.agreement_version})
    return document


def document_check(upload) -> None:
    """Refuse a document by its name, size or content (PDF signature), with the reason."""
    extension = Path(upload.name).suffix.lower()
    if extension not in DOCUMENT_EXTENSIONS:
        raise ValidationError(_("Documents must be one of: %(types)s.")
                              % {"types": ", ".join(sorted(DOCUMENT_EXTENSIONS))})
    if upload.size == 0:
        raise ValidationError(_("The file is empty."))
    if upload.size > settings.MAX_DOCUMENT_SIZE:
        raise ValidationError(too_large_message(upload.size, settings.MAX_DOCUMENT_SIZE))
    if extension == ".pdf":
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise ValidationError(_("The file is not a PDF document."))


def _money_entry_checks(agreement: Agreement, currency: str, exchange_rate):
    if agreement.status not in (Status.EXECUTED, Status.AMENDED, Status.TERMINATED):
        raise ValidationError(_("Revenue and expenses are recorded against an executed "
                                "agreement."))
    errors = rate_errors(currency, agreement.currency, exchange_rate)
    if errors:
        raise ValidationError(errors)
    return Decimal(1) if currency == agreement.currency else exchange_rate


def receipt_add(*, actor: User | None, agreement: Agreement, title: Title, territory: str,
                period: str, amount: Decimal, currency: str, received_on,
                exchange_rate: Decimal = Decimal(1), note: str = "") -> RevenueReceipt:
    """Record revenue for a period. A receipt for a period whose statement is already
    issued goes into the next statement as a prior-period adjustment."""
    with transaction.atomic():
        # Under the agreement's lock: a statement being issued sees all of it or none.
        agreement = _lock(agreement)
        exchange_rate = _money_entry_checks(agreement, currency, exchange_rate)
        try:
            period = period_check(agreement.statement_period, period)
        except PeriodError as error:
            raise ValidationError({"period": str(error)}) from None
        today = timezone.localdate()
        if period_bounds(period)[0] > today:
            raise ValidationError({"period": _("%(period)s has not begun; revenue is recorded "
                                               "for a period once it is received.")
                                   % {"period": period}})
        if not agreement.titles.filter(pk=title.pk).exists():
            raise ValidationError({"title": _("The title is not covered by this agreement.")})
        territory = territory.strip().upper()
        try:
            expand_territories(territory)
        except TerritoryError as error:
            raise ValidationError({"territory": str(error)}) from None
        receipt = RevenueReceipt(agreement=agreement, title=title, territory=territory,
                                 period=period, amount=amount, currency=currency,
                                 exchange_rate=exchange_rate, received_on=received_on,
                                 note=note, created_by=actor)
        receipt.full_clean()
        receipt.save()
        late = _issued_through(agreement, period)
        event_record(actor=actor, action=Event.Action.RECEIPT_ADDED, instance=receipt,
                     agreement=agreement, after={
                         "period": period, "title": str(title), "territory": territory,
                         "amount": money_text(amount), "currency": currency,
                         "prior_period_adjustment": late})
        receipt.is_late = late
        return receipt


def _issued_through(agreement: Agreement, period: str) -> bool:
    """Whether the statement covering ``period`` is already issued."""
    last = agreement.issued_statements.order_by("-number").first()
    return last is not None and period_bounds(period)[1] <= period_bounds(last.period)[1]


def expense_add(*, actor: User | None, agreement: Agreement, payer: Party, incurred_on,
                description: str, amount: Decimal, currency: str, title: Title | None = None,
                invoice_reference: str = "", exchange_rate: Decimal | None = None,
                document=None) -> Expense:
    """Record an expense a party paid, with its invoice; the expenses tier recoups it in
    the period it was incurred, or the next open one if that is already issued."""
    if document is not None:
        document_check(document)
    with transaction.atomic():
        agreement = _lock(agreement)
        exchange_rate = _money_entry_checks(agreement, currency, exchange_rate)
        if payer.agreement_id != agreement.pk:
            raise ValidationError({"payer": _("Not a party of this agreement.")})
        if title is not None and not agreement.titles.filter(pk=title.pk).exists():
            raise ValidationError({"title": _("The title is not covered by this agreement.")})
        if incurred_on > timezone.localdate():
            raise ValidationError({"incurred_on": _("An expense is recorded once it is "
                                                    "incurred, not before.")})
        expense = Expense(agreement=agreement, payer=payer, title=title,
                          incurred_on=incurred_on, description=description.strip(),
                          invoice_reference=invoice_reference.strip(), amount=amount,
                          currency=currency, exchange_rate=exchange_rate, created_by=actor)
        if document is not None:
            expense.document = document
        expense.full_clean()
        expense.save()
        event_record(actor=actor, action=Event.Action.EXPENSE_ADDED, instance=expense,
                     agreement=agreement, after={
                         "incurred_on": incurred_on.isoformat(), "payer": payer.company.name,
                         "title": str(title) if title else None,
                         "description": expense.description,
                         "invoice_reference": expense.invoice_reference,
                         "amount": money_text(amount), "currency": currency})
        return expense
