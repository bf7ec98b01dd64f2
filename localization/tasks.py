"""Celery tasks: thin wrappers that take ids and call services.

``transcribe_media`` goes to the ``gpu`` queue (CELERY_TASK_ROUTES). It acknowledges
the message only when done (acks_late) and hands it back if its worker dies
(reject_on_worker_lost), so a killed worker's job is redone by another; the service is
idempotent, so running it again never duplicates a track or its cues.
"""

from celery import shared_task
from django.conf import settings

from localization import services


@shared_task(
    bind=True,
    name="localization.tasks.transcribe_media",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.LOCALIZATION_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.LOCALIZATION_TASK_TIME_LIMIT,
)
def transcribe_media(self, job_id: int) -> str | None:
    job = services.job_run(job_id=job_id, worker=self.request.hostname or "")
    return job.state if job is not None else None
