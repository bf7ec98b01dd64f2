"""The API's background tasks: sending webhooks, routed to the ``default`` queue
(``CELERY_TASK_ROUTES``: ``coprod.api.tasks.*``). Registered when
Django starts (``CoprodConfig.ready``), so the worker and the web process both know them."""

from __future__ import annotations

from celery import shared_task

from coprod.api.webhooks import webhook_attempt

WEBHOOK_DELIVER = "coprod.api.tasks.webhook_deliver"


@shared_task(name=WEBHOOK_DELIVER, acks_late=True, ignore_result=True)
def webhook_deliver(delivery_id: int) -> None:
    """One attempt at a webhook delivery; a failure schedules the next attempt with the
    backoff of ``coprod.api.webhooks.RETRY_DELAYS``."""
    retry_in = webhook_attempt(delivery_id)
    if retry_in is not None:
        webhook_deliver.apply_async(args=[delivery_id], countdown=retry_in)
