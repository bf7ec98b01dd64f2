"""Writes for co-production agreements: terms, parties, approvals and the lifecycle.

Lifecycle: draft -> in negotiation -> awaiting approvals -> executed -> being amended
-> awaiting approvals -> executed ..., and terminated from any state but itself. Every
party's signatory approves one version; a change to the terms after submission makes a
new version and withdraws the approvals given so far. Each change writes an Event with
the terms before and after, in the same transaction.
"""

from __future__ import annotations

import re
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
    Party,
    RevenueReceipt,
    WaterfallTier,
)
from coprod.audit.models import Event
from coprod.audit.services import event_record
from coprod.catalog.models import Title
from coprod.core.uploads import too_large_message
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


def _money(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def agreement_terms(agreement: Agreement) -> dict:
    """Everything the signatories approve, as JSON: compared between versions."""
    parties = list(agreement.parties.select_related("company", "signatory").order_by("id"))
    return {
        "reference": agreement.reference,
        "name": agreement.name,
        "currency": agreement.currency,
        "term": [agreement.term_start.isoformat() if agreement.term_start else None,
                 agreement.term_end.isoformat() if agreement.term_end else None],
        "territory": agreement.territory_expression,
        "titles": [f"{title.pk}: {title}" for title in agreement.titles.order_by("pk")],
        "title_ids": list(agreement.titles.order_by("pk").values_list("pk", flat=True)),
        "parties": [{
            "company": party.company.name, "role": party.role,
            "share_percentage": _money(party.share_percentage),
            "signatory": party.signatory.get_username(),
            "contributions": [
                {"kind": item.kind, "description": item.description,
                 "amount": _money(item.amount), "currency": item.currency}
                for item in party.contributions.order_by("id")],
        } for party in parties],
        "budget": [{"title": str(line.title), "category": line.category,
                    "description": line.description, "amount": _money(line.amount),
                    "currency": line.currency}
                   for line in agreement.budget_lines.select_related("title").order_by("id")],
        "waterfall": [{
            "position": tier.position, "kind": tier.kind, "name": tier.name,
            "party": tier.party.company.name if tier.party else None,
            "percentage": _money(tier.percentage) if tier.percentage is not None else None,
            "amount": _money(tier.amount) if tier.amount is not None else None,
            "premium_percentage": _money(tier.premium_percentage),
        } for tier in agreement.waterfall_tiers.select_related("party__company")],
        "approved_models": [
            {"name": model.name, "version": model.version, "kind": model.kind,
             "sha256": model.sha256}
            for model in agreement.approved_models.order_by("kind", "name", "version")],
        "notes": agreement.notes,
    }


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
        event_record(actor=actor, action=action, instance=agreement, agreement=agreement,
                     before=before, after=after)
        return result


@transaction.atomic
def agreement_create(*, actor: User | None, reference: str, name: str, currency: str,
                     term_start=None, term_end=None, territory_expression: str = "",
                     titles=(), approved_models=(), notes: str = "") -> Agreement:
    agreement = Agreement(reference=reference.strip(), name=name.strip(), currency=currency,
                          term_start=term_start, term_end=term_end, notes=notes,
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
                     currency: str, description: str = "") -> Contribution:
    def mutate(locked: Agreement):
        item = Contribution(party=party, kind=kind, amount=amount, currency=currency,
                            description=description)
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
                       name: str, party: Party | None = None,
                       percentage: Decimal | None = None, amount: Decimal | None = None,
                       premium_percentage: Decimal = Decimal(0)) -> WaterfallTier:
    required = {
        WaterfallTier.Kind.DISTRIBUTION_FEE: ("party", "percentage"),
        WaterfallTier.Kind.EXPENSES: ("party", "amount"),
        WaterfallTier.Kind.INVESTOR: ("party", "amount"),
        WaterfallTier.Kind.PROFIT_SPLIT: (),
    }[kind]
    given = {"party": party, "percentage": percentage, "amount": amount}
    missing = [field for field in required if given[field] is None]
    if missing:
        raise ValidationError({field: _("Required for this kind of tier.") for field in missing})

    def mutate(locked: Agreement):
        if party is not None and party.agreement_id != locked.pk:
            raise ValidationError({"party": _("Not a party of this agreement.")})
        tier = WaterfallTier(agreement=locked, position=position, kind=kind, name=name,
                             party=party, percentage=percentage, amount=amount,
                             premium_percentage=premium_percentage)
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
                          "100%%.") % {"total": _money(total)})
    tiers = list(agreement.waterfall_tiers.all())
    if tiers and tiers[-1].kind != WaterfallTier.Kind.PROFIT_SPLIT:
        problems.append(_("The waterfall must end with the profit split."))
    if problems:
        raise ValidationError(problems)


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
    return approval


@transaction.atomic
def agreement_document_add(*, actor: User | None, agreement: Agreement, upload) -> \
        AgreementDocument:
    """Attach a document. Validated by name, size and content; the file goes through the
    storage API (S3-compatible storage is a setting)."""
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
    document = AgreementDocument.objects.create(
        agreement=agreement, file=upload, name=Path(upload.name).name[:200],
        agreement_version=agreement.version, uploaded_by=actor)
    event_record(actor=actor, action=Event.Action.DOCUMENT_ADDED, instance=document,
                 agreement=agreement, after={"name": document.name,
                                             "version": document.agreement_version})
    return document


@transaction.atomic
def receipt_add(*, actor: User | None, agreement: Agreement, title: Title, territory: str,
                period: str, amount: Decimal, currency: str, received_on,
                exchange_rate: Decimal = Decimal(1), note: str = "") -> RevenueReceipt:
    if agreement.status not in (Status.EXECUTED, Status.AMENDED):
        raise ValidationError(_("Revenue is recorded against an executed agreement."))
    if not re.fullmatch(r"\d{4}-Q[1-4]", period):
        raise ValidationError({"period": _("Write the period as a quarter, e.g. 2026-Q1.")})
    if not agreement.titles.filter(pk=title.pk).exists():
        raise ValidationError({"title": _("The title is not covered by this agreement.")})
    territory = territory.strip().upper()
    try:
        expand_territories(territory)
    except TerritoryError as error:
        raise ValidationError({"territory": str(error)}) from None
    if currency == agreement.currency:
        exchange_rate = Decimal(1)
    elif exchange_rate is None or exchange_rate <= 0:
        raise ValidationError({"exchange_rate": _("Give the exchange rate to %(currency)s.")
                               % {"currency": agreement.currency}})
    receipt = RevenueReceipt(agreement=agreement, title=title, territory=territory,
                             period=period, amount=amount, currency=currency,
                             exchange_rate=exchange_rate, received_on=received_on, note=note,
                             created_by=actor)
    receipt.full_clean()
    receipt.save()
    event_record(actor=actor, action=Event.Action.RECEIPT_ADDED, instance=receipt,
                 agreement=agreement, after={"period": period, "title": str(title),
                                             "territory": territory, "amount": _money(amount),
                                             "currency": currency})
    return receipt

