"""Writes for rights: recording rights in, granting rights out (checked by the avails
engine, under a row lock on the title family), deleting blocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from psycopg.types.range import DateRange

from coprod.accounts.models import Company, User
from coprod.audit.models import Event
from coprod.audit.services import event_record, snapshot
from coprod.catalog.models import Title
from coprod.rights import avails_store
from coprod.rights.avails import AvailsQuery, availability, holding_gaps
from coprod.rights.models import Holdback, RightsBlock
from coprod.rights.vocabulary import (
    ExclusivityScope,
    LanguageKind,
    TerritoryError,
    expand_media,
    expand_territories,
    language_rights,
    period_text,
)


class RightsConflict(ValidationError):
    """A rights-out block that the avails engine refuses; carries the reasons."""

    def __init__(self, reasons: list):
        self.reasons = reasons
        super().__init__([reason.text for reason in reasons] or
                         [_("These rights are not available.")])


@dataclass(frozen=True)
class RightsTerms:
    """What a rights block covers, as a rights manager writes it."""

    territory_expression: str
    media: tuple[str, ...]
    languages: tuple[str, ...]
    language_kinds: tuple[str, ...]
    start: dt.date
    end: dt.date | None
    exclusive: bool = False
    exclusivity_scope: str = ExclusivityScope.TERRITORY_MEDIUM

    def expanded(self) -> dict:
        errors = {}
        try:
            countries = expand_territories(self.territory_expression)
        except TerritoryError as error:
            errors["territory_expression"] = str(error)
        try:
            media = expand_media(list(self.media))
            if not media:
                errors["media"] = _("Choose at least one medium.")
        except ValueError as error:
            errors["media"] = str(error)
        try:
            language_rights_set = language_rights(list(self.languages),
                                                  list(self.language_kinds))
            if not language_rights_set:
                errors["languages"] = _("Choose at least one language and kind.")
        except ValueError as error:
            errors["languages"] = str(error)
        if self.end is not None and self.end <= self.start:
            errors["end"] = _("The window must end after it starts.")
        if self.exclusivity_scope not in ExclusivityScope.values:
            errors["exclusivity_scope"] = _("Unknown exclusivity scope “%(scope)s”.") % {
                "scope": self.exclusivity_scope}
        if errors:
            raise ValidationError(errors)
        return {
            "territory_expression": " ".join(self.territory_expression.upper().split()),
            "countries": sorted(countries),
            "media": sorted(media),
            "language_rights": sorted(language_rights_set),
            "window": DateRange(self.start, self.end, "[)"),
            "exclusive": self.exclusive,
            "exclusivity_scope": self.exclusivity_scope,
        }

    def query(self) -> AvailsQuery:
        values = self.expanded()
        return AvailsQuery(countries=frozenset(values["countries"]),
                           media=frozenset(values["media"]),
                           language_rights=frozenset(values["language_rights"]),
                           start=self.start, end=self.end, exclusive=self.exclusive,
                           exclusivity_scope=self.exclusivity_scope)


@dataclass(frozen=True)
class HoldbackTerms:
    """A holdback: from ``start`` (None: "not before" ``end``, with no start of its own)
    until ``end`` (exclusive; None: open-ended), for some languages or, with none, all."""

    territory_expression: str
    media: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None
    description: str = ""
    languages: tuple[str, ...] = ()
    language_kinds: tuple[str, ...] = ()


def _block_snapshot(block: RightsBlock) -> dict:
    return snapshot(block, extra={
        "holdbacks": [snapshot(holdback) for holdback in block.holdbacks.all()],
    })


def _holdbacks_create(block: RightsBlock, holdbacks: list[HoldbackTerms]) -> None:
    for terms in holdbacks:
        try:
            countries = expand_territories(terms.territory_expression)
            media = expand_media(list(terms.media))
            # Languages without versions: every version of those languages.
            holdback_languages = sorted(language_rights(
                list(terms.languages), list(terms.language_kinds or LanguageKind.values))
                if terms.languages else ())
        except (TerritoryError, ValueError) as error:
            raise ValidationError({"holdback": str(error)}) from None
        if not media:
            raise ValidationError({"holdback": _("A holdback needs at least one medium.")})
        if terms.start is None and terms.end is None:
            raise ValidationError({"holdback": _("A holdback needs a start or a “not before” "
                                                 "day.")})
        if terms.start is not None and terms.end is not None and terms.end <= terms.start:
            raise ValidationError({"holdback": _("A holdback must end after it starts.")})
        holdback = Holdback.objects.create(
            rights_block=block, territory_expression=terms.territory_expression.upper(),
            countries=sorted(countries), media=sorted(media),
            language_rights=holdback_languages,
            window=DateRange(terms.start, terms.end, "[)"), description=terms.description,
        )
        avails_store.index_holdback(holdback, title_id=block.title_id)


@transaction.atomic
def rights_in_add(*, actor: User | None, title: Title, licensor: Company,
                  contract_reference: str, terms: RightsTerms, notes: str = "",
                  holdbacks: list[HoldbackTerms] = ()) -> RightsBlock:
    """Record rights the venture holds (a link of the chain of title)."""
    _contract_given(contract_reference)
    return _block_create(actor=actor, direction=RightsBlock.Direction.IN, title=title,
                         counterparty=licensor, contract_reference=contract_reference,
                         terms=terms, notes=notes, holdbacks=holdbacks,
                         action=Event.Action.RIGHTS_IN_ADDED)


@transaction.atomic
def rights_out_grant(*, actor: User | None, title: Title, licensee: Company,
                     contract_reference: str, terms: RightsTerms, notes: str = "",
                     holdbacks: list[HoldbackTerms] = ()) -> RightsBlock:
    """Grant a license, refused with the reasons unless the avails engine finds it
    available for the whole window.

    Grants on one title family are serialized by a row lock on the family's top title,
    so two managers granting at the same moment cannot both pass the check.
    """
    _contract_given(contract_reference)
    query = terms.query()
    root = Title.objects.get(pk=title.pk).root
    Title.objects.select_for_update().get(pk=root.pk)
    result = availability([title.pk], query)[title.pk]
    if not result.available:
        raise RightsConflict(result.reasons)
    return _block_create(actor=actor, direction=RightsBlock.Direction.OUT, title=title,
                         counterparty=licensee, contract_reference=contract_reference,
                         terms=terms, notes=notes, holdbacks=holdbacks,
                         action=Event.Action.RIGHTS_OUT_GRANTED)


def _contract_given(contract_reference: str) -> None:
    if not contract_reference.strip():
        raise ValidationError({"contract_reference": _("Give the contract reference.")})


def _block_create(*, actor, direction: str, title: Title, counterparty: Company,
                  contract_reference: str, terms: RightsTerms, notes: str, holdbacks,
                  action: str) -> RightsBlock:
    """Write a block, its holdbacks and its event row (the caller holds the transaction)."""
    block = RightsBlock.objects.create(
        direction=direction, title=title, counterparty=counterparty,
        contract_reference=contract_reference.strip(), notes=notes, created_by=actor,
        **terms.expanded(),
    )
    avails_store.index_block(block)
    _holdbacks_create(block, list(holdbacks))
    event_record(actor=actor, action=action, instance=block, title=title,
                 after=_block_snapshot(block))
    return block


def grants_resting_on(block: RightsBlock) -> list[RightsBlock]:
    """The grants (on the block's title, its seasons and episodes) that the venture would
    no longer hold the rights for without this rights-in block."""
    family = Title.objects.filter(Q(pk=block.title_id) | Q(parent_id=block.title_id)
                                  | Q(parent__parent_id=block.title_id)).values("pk")
    grants = RightsBlock.objects.filter(
        direction=RightsBlock.Direction.OUT, title_id__in=family,
        countries__overlap=block.countries, media__overlap=block.media,
        language_rights__overlap=block.language_rights, window__overlap=block.window,
    ).select_related("counterparty").order_by("pk")
    return [grant for grant in grants if holding_gaps(grant.title_id, AvailsQuery(
        countries=frozenset(grant.countries), media=frozenset(grant.media),
        language_rights=frozenset(grant.language_rights), start=grant.window.lower,
        end=grant.window.upper, exclusive=grant.exclusive,
        exclusivity_scope=grant.exclusivity_scope), ignoring=[block.pk])]


@transaction.atomic
def rights_block_delete(*, actor: User | None, block: RightsBlock) -> None:
    """Delete a block. Rights in that a grant rests on are refused, naming the grants."""
    block = RightsBlock.objects.select_for_update().get(pk=block.pk)
    if block.direction == RightsBlock.Direction.IN:
        Title.objects.select_for_update().get(pk=block.title.root.pk)
        dependents = grants_resting_on(block)
        if dependents:
            raise ValidationError(
                _("These rights in cannot be deleted: %(grants)s rest on them. Delete or "
                  "end those grants first.") % {"grants": "; ".join(
                    _("grant #%(id)s to %(licensee)s (%(contract)s, %(period)s)") % {
                        "id": grant.pk, "licensee": grant.counterparty.name,
                        "contract": grant.contract_reference,
                        "period": period_text(grant.window.lower, grant.window.upper)}
                    for grant in dependents)})
    deleted = (Event.Action.RIGHTS_IN_DELETED if block.direction == RightsBlock.Direction.IN
               else Event.Action.RIGHTS_OUT_DELETED)
    event_record(actor=actor, action=deleted, instance=block,
                 title=block.title, before=_block_snapshot(block))
    block.delete()
