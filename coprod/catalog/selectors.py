"""Reads for the catalog: title lists, a title's page and its history."""

from django.db.models import QuerySet

from coprod.audit.models import Event
from coprod.catalog.models import Title


def title_list() -> QuerySet[Title]:
    return Title.objects.order_by("romanized_title")


def title_detail(*, title_id: int) -> Title:
    return (Title.objects.select_related("parent__parent")
            .prefetch_related("genres", "localizations", "credits__person", "children")
            .get(pk=title_id))


def title_events(*, title: Title, limit: int = 200) -> QuerySet[Event]:
    return title.events.select_related("actor")[:limit]
