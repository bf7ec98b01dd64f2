from celery import shared_task
from django.conf import settings

from localization.transcription import services


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
