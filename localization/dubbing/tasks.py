from celery import shared_task
from django.conf import settings

from localization.dubbing.services import dub_run


@shared_task(
    bind=True,
    name="localization.tasks.dub_track",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.LOCALIZATION_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.LOCALIZATION_TASK_TIME_LIMIT,
)
def dub_track(self, dub_id: int) -> str | None:
    """Synthesize and mix a dub on the ``cpu`` queue, reporting progress to Celery too."""
    def report(percent: int) -> None:
        if self.request.id and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"progress": percent})

    dub = dub_run(dub_id=dub_id, on_progress=report)
    return dub.state if dub is not None else None
