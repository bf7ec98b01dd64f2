"""Writing audit events, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.forms.models import model_to_dict
from psycopg.types.range import Range

from coprod.accounts.models import User
from coprod.audit.models import Event
from coprod.catalog.models import Title


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
    """Write the audit row in the caller's transaction. ``action`` is an ``Event.Action``;
    anything else is a programming error and raises ValueError before anything is written."""
    return Event.objects.create(
        actor=actor, action=Event.Action(action), title=title, agreement=agreement,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk), before=before, after=after,
    )
