"""Writes: accounts, the catalog, rights. Each change writes an Event in its transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _
from psycopg.types.range import DateRange, Range

from coprod.avails import AvailsQuery, availability
from coprod.models import (
    Company,
    Credit,
    Event,
    Holdback,
    Person,
    RightsBlock,
    Title,
    TitleLocalization,
    User,
)
from coprod.roles import Role
from coprod.vocabulary import TerritoryError, expand_media, expand_territories, language_rights


@transaction.atomic
def user_create(*, username: str, password: str, role: str, email: str = "",
                first_name: str = "", last_name: str = "",
                company: Company | None = None) -> User:
    """Create a user in one role. A partner-studio user must belong to a partner studio."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    if role == Role.PARTNER_STUDIO and (
        company is None or company.kind != Company.Kind.PARTNER_STUDIO
    ):
        raise ValidationError(_("A partner-studio user must belong to one partner studio."))
    user = User(username=username, email=email, first_name=first_name, last_name=last_name,
                company=company,
                # Rights managers and administrators work in the full Django admin.
                is_staff=role in (Role.RIGHTS_MANAGER, Role.ADMINISTRATOR),
                is_superuser=role == Role.ADMINISTRATOR)
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


def worker_health_check_enqueue(*, queues: tuple[str, ...] | None = None) -> list[str]:
    """Send a health check to every queue; return the task ids."""
    from config.celery import QUEUE_NAMES, worker_health_check

    task_ids = []
    for queue in queues or QUEUE_NAMES:
        result = worker_health_check.apply_async(queue=queue, routing_key=queue)
        task_ids.append(result.id)
    return task_ids


# --- Events -------------------------------------------------------------------------

def _json_safe(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Range):
        return {"lower": _json_safe(value.lower), "upper": _json_safe(value.upper)}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, *, extra: dict | None = None) -> dict:
    """The fields of ``instance`` as JSON, for an event's before and after."""
    data = {key: _json_safe(value) for key, value in model_to_dict(instance).items()}
    data.update(extra or {})
    return data


def event_record(*, actor: User | None, action: str, instance: models.Model,
                 title: Title | None = None, agreement=None, before: dict | None = None,
                 after: dict | None = None) -> Event:
    """Write the audit row in the caller's transaction."""
    return Event.objects.create(
        actor=actor, action=action, title=title, agreement=agreement,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk), before=before, after=after,
    )


# --- Catalog ------------------------------------------------------------------------

def _title_snapshot(title: Title) -> dict:
    return snapshot(title, extra={
        "genres": sorted(title.genres.values_list("code", flat=True)),
        "localizations": {
            item.language: {"title": item.localized_title, "synopsis": item.synopsis}
            for item in title.localizations.all()
        },
    })


def _title_check_hierarchy(title: Title) -> None:
    allowed_parents = {
        Title.Kind.FILM: set(),
        Title.Kind.SERIES: set(),
        Title.Kind.SEASON: {Title.Kind.SERIES},
        Title.Kind.EPISODE: {Title.Kind.SERIES, Title.Kind.SEASON},
    }[title.kind]
    if not allowed_parents and title.parent_id:
        raise ValidationError({"parent": _("A film or series is not part of another title.")})
    if allowed_parents and (title.parent is None or title.parent.kind not in allowed_parents):
        raise ValidationError({"parent": _("A season belongs to a series; an episode to a "
                                           "season or a series.")})


def _localizations_save(title: Title, localizations: dict[str, dict] | None) -> None:
    if localizations is None:
        return
    for language, values in localizations.items():
        localized_title = (values.get("title") or "").strip()
        if not localized_title:
            title.localizations.filter(language=language).delete()
            continue
        TitleLocalization.objects.update_or_create(
            title=title, language=language,
            defaults={"localized_title": localized_title,
                      "synopsis": values.get("synopsis", "")},
        )


@transaction.atomic
def title_create(*, actor: User | None, data: dict, genres=(),
                 localizations: dict[str, dict] | None = None) -> Title:
    title = Title(**data)
    _title_check_hierarchy(title)
    title.full_clean()
    title.save()
    title.genres.set(genres)
    _localizations_save(title, localizations)
    event_record(actor=actor, action="title.created", instance=title, title=title,
                 after=_title_snapshot(title))
    return title


@transaction.atomic
def title_update(*, actor: User | None, title: Title, data: dict, genres=None,
                 localizations: dict[str, dict] | None = None) -> Title:
    title = Title.objects.select_for_update().get(pk=title.pk)
    before = _title_snapshot(title)
    for field_name, value in data.items():
        setattr(title, field_name, value)
    _title_check_hierarchy(title)
    title.full_clean()
    title.save()
    if genres is not None:
        title.genres.set(genres)
    _localizations_save(title, localizations)
    after = _title_snapshot(title)
    if after != before:
        event_record(actor=actor, action="title.updated", instance=title, title=title,
                     before=before, after=after)
    return title


@transaction.atomic
def credit_add(*, actor: User | None, title: Title, person_name: str,
               romanized_name: str = "", role: str, character: str = "",
               order: int = 0) -> Credit:
    person, _created = Person.objects.get_or_create(
        name=person_name.strip(), romanized_name=romanized_name.strip())
    credit = Credit(title=title, person=person, role=role, character=character.strip(),
                    order=order)
    credit.full_clean()
    credit.save()
    event_record(actor=actor, action="credit.added", instance=credit, title=title,
                 after=snapshot(credit, extra={"person": str(person)}))
    return credit


@transaction.atomic
def credit_remove(*, actor: User | None, credit: Credit) -> None:
    before = snapshot(credit, extra={"person": str(credit.person)})
    event_record(actor=actor, action="credit.removed", instance=credit, title=credit.title,
                 before=before)
    credit.delete()


# --- Rights -------------------------------------------------------------------------

class RightsConflict(ValidationError):
    """A rights-out block that the avails engine refuses; carries the reasons."""

    def __init__(self, reasons: list):
        self.reasons = reasons
        super().__init__([reason.message for reason in reasons] or
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
        if errors:
            raise ValidationError(errors)
        return {
            "territory_expression": " ".join(self.territory_expression.upper().split()),
            "countries": sorted(countries),
            "media": sorted(media),
            "language_rights": sorted(language_rights_set),
            "window": DateRange(self.start, self.end, "[)"),
            "exclusive": self.exclusive,
        }

    def query(self) -> AvailsQuery:
        values = self.expanded()
        return AvailsQuery(countries=frozenset(values["countries"]),
                           media=frozenset(values["media"]),
                           language_rights=frozenset(values["language_rights"]),
                           start=self.start, end=self.end, exclusive=self.exclusive)


@dataclass(frozen=True)
class HoldbackTerms:
    territory_expression: str
    media: tuple[str, ...]
    start: dt.date
    end: dt.date | None
    description: str = ""


def _block_snapshot(block: RightsBlock) -> dict:
    return snapshot(block, extra={
        "holdbacks": [snapshot(holdback) for holdback in block.holdbacks.all()],
    })


def _holdbacks_create(block: RightsBlock, holdbacks: list[HoldbackTerms]) -> None:
    for terms in holdbacks:
        try:
            countries = expand_territories(terms.territory_expression)
            media = expand_media(list(terms.media))
        except (TerritoryError, ValueError) as error:
            raise ValidationError({"holdback": str(error)}) from None
        if not media:
            raise ValidationError({"holdback": _("A holdback needs at least one medium.")})
        if terms.end is not None and terms.end <= terms.start:
            raise ValidationError({"holdback": _("A holdback must end after it starts.")})
        Holdback.objects.create(
            rights_block=block, territory_expression=terms.territory_expression.upper(),
            countries=sorted(countries), media=sorted(media),
            window=DateRange(terms.start, terms.end, "[)"), description=terms.description,
        )


@transaction.atomic
def rights_in_add(*, actor: User | None, title: Title, licensor: Company,
                  contract_reference: str, terms: RightsTerms, notes: str = "",
                  holdbacks: list[HoldbackTerms] = ()) -> RightsBlock:
    """Record rights the venture holds (a link of the chain of title)."""
    if not contract_reference.strip():
        raise ValidationError({"contract_reference": _("Give the contract reference.")})
    block = RightsBlock.objects.create(
        direction=RightsBlock.Direction.IN, title=title, counterparty=licensor,
        contract_reference=contract_reference.strip(), notes=notes, created_by=actor,
        **terms.expanded(),
    )
    _holdbacks_create(block, list(holdbacks))
    event_record(actor=actor, action="rights_in.added", instance=block, title=title,
                 after=_block_snapshot(block))
    return block


@transaction.atomic
def rights_out_grant(*, actor: User | None, title: Title, licensee: Company,
                     contract_reference: str, terms: RightsTerms, notes: str = "",
                     holdbacks: list[HoldbackTerms] = ()) -> RightsBlock:
    """Grant a license, refused with the reasons unless the avails engine finds it
    available for the whole window.

    Grants on one title family are serialized by a row lock on the family's top title,
    so two managers granting at the same moment cannot both pass the check.
    """
    if not contract_reference.strip():
        raise ValidationError({"contract_reference": _("Give the contract reference.")})
    query = terms.query()
    root = Title.objects.get(pk=title.pk).root
    Title.objects.select_for_update().get(pk=root.pk)
    result = availability([title.pk], query)[title.pk]
    if not result.available:
        raise RightsConflict(result.reasons)
    block = RightsBlock.objects.create(
        direction=RightsBlock.Direction.OUT, title=title, counterparty=licensee,
        contract_reference=contract_reference.strip(), notes=notes, created_by=actor,
        **terms.expanded(),
    )
    _holdbacks_create(block, list(holdbacks))
    event_record(actor=actor, action="rights_out.granted", instance=block, title=title,
                 after=_block_snapshot(block))
    return block


@transaction.atomic
def rights_block_delete(*, actor: User | None, block: RightsBlock) -> None:
    block = RightsBlock.objects.select_for_update().get(pk=block.pk)
    if block.direction == RightsBlock.Direction.IN:
        Title.objects.select_for_update().get(pk=block.title.root.pk)
    event_record(actor=actor, action=f"rights_{block.direction}.deleted", instance=block,
                 title=block.title, before=_block_snapshot(block))
    block.delete()
