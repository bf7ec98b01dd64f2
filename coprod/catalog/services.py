"""Writes for the catalog: titles and credits, each change an audit event."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coprod.accounts.models import User
from coprod.audit.models import Event
from coprod.audit.services import event_record, snapshot
from coprod.catalog.models import Credit, Person, Title, TitleLocalization


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
    event_record(actor=actor, action=Event.Action.TITLE_CREATED, instance=title, title=title,
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
        event_record(actor=actor, action=Event.Action.TITLE_UPDATED, instance=title, title=title,
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
    event_record(actor=actor, action=Event.Action.CREDIT_ADDED, instance=credit, title=title,
                 after=snapshot(credit, extra={"person": str(person)}))
    return credit


@transaction.atomic
def credit_remove(*, actor: User | None, credit: Credit) -> None:
    before = snapshot(credit, extra={"person": str(credit.person)})
    event_record(actor=actor, action=Event.Action.CREDIT_REMOVED, instance=credit,
                 title=credit.title, before=before)
    credit.delete()
