"""Handing work to the Celery workers.

Services enqueue a task by its registered name, once their transaction has committed;
tasks import services, never the reverse, so the dependency runs one way. Every task
is registered by ``localization.tasks`` (imported when Django starts and found by the
worker's autodiscovery), and routed to its queue by name (``CELERY_TASK_ROUTES``).
"""

from __future__ import annotations

from django.db import transaction

from config.celery import app

TRANSCRIBE_MEDIA = "localization.tasks.transcribe_media"
TRANSLATE_TRACK = "localization.tasks.translate_track"
CHECK_TRACK_QUALITY = "localization.tasks.check_track_quality"
DUB_TRACK = "localization.tasks.dub_track"
BUILD_DELIVERY_PACKAGE = "localization.tasks.build_delivery_package"


def task_enqueue_on_commit(name: str, *, args: list, task_id: str | None = None) -> None:
    """Queue the task ``name`` with ``args`` when the current transaction commits (at
    once outside a transaction), so a worker never looks for rows not yet written."""
    transaction.on_commit(lambda: app.tasks[name].apply_async(args=args, task_id=task_id))
