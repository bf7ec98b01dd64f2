from celery import shared_task
from django.conf import settings

from localization.translation.services import translation_run


@shared_task(
    name="localization.tasks.translate_track",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.LOCALIZATION_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.LOCALIZATION_TASK_TIME_LIMIT,
)
def translate_track(track_id: int) -> int | None:
    """Routed to the ``cpu`` queue; fills only cues still untranslated, so a re-run is safe."""
    track = translation_run(track_id=track_id)
    return track.pk if track is not None else None
