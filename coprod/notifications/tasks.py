"""Sending notification emails, on the ``default`` queue (``CELERY_TASK_ROUTES``), and the
daily digest and expiring-rights check (Celery beat)."""

from __future__ import annotations

from celery import shared_task

from coprod.notifications import services


@shared_task(name=services.SEND_EMAIL, acks_late=True, ignore_result=True)
def send_email(notification_id: int) -> str:
    return services.email_send(notification_id)


@shared_task(name=services.SEND_DIGESTS, ignore_result=True)
def send_digests() -> int:
    from coprod.notifications import events

    events.rights_expiring_notify()
    return services.digests_send()
