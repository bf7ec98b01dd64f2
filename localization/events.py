"""The pipeline writes its events into the platform's one audit log (``coprod.audit``).

``pipeline_event`` names the object the event is about (a media file, a job, a track, a
dub, a package) and files the event under that object's title too, so the title's
History shows what happened to its media, subtitles, dubs and deliveries.
"""

from __future__ import annotations

from django.db import models

from coprod.audit.models import Event
from coprod.audit.services import event_record


def _title_of(instance: models.Model):
    for path in ("title", "media.title", "track.title", "job.media.title"):
        value = instance
        for name in path.split("."):
            value = getattr(value, name, None)
            if value is None:
                break
        if value is not None:
            return value
    return None


def pipeline_event(*, action: str, about: models.Model, actor=None, before: dict | None = None,
                   after: dict | None = None) -> Event:
    """Write the event in the caller's transaction (``action`` is an ``Event.Action``)."""
    return event_record(actor=actor, action=action, instance=about, title=_title_of(about),
                        before=before, after=after or {})
