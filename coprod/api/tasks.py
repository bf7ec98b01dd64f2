"""The API's background tasks: sending webhooks, routed to the ``default`` queue
(``CELERY_TASK_ROUTES``: ``coprod.api.tasks.*``). Registered when Django starts
(``CoprodConfig.ready``), so the worker and the web process both know them. The task is
defined beside the deliveries it sends (``coprod.api.webhooks``), which queue it."""

from __future__ import annotations

from coprod.api.webhooks import WEBHOOK_DELIVER, webhook_deliver

__all__ = ["WEBHOOK_DELIVER", "webhook_deliver"]
