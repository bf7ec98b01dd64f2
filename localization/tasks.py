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


@shared_task(
    name="localization.tasks.translate_track",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.LOCALIZATION_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.LOCALIZATION_TASK_TIME_LIMIT,
)
def translate_track(track_id: int) -> int | None:
    """Routed to the ``cpu`` queue; fills only cues still untranslated, so a re-run is safe."""
    from localization.translation import translation_run

    track = translation_run(track_id=track_id)
    return track.pk if track is not None else None


@shared_task(name="localization.tasks.check_track_quality", acks_late=True,
             reject_on_worker_lost=True)
def check_track_quality(track_id: int) -> int | None:
    """QA of a whole track on the ``cpu`` queue; returns the number of issues."""
    from localization.models import SubtitleTrack
    from localization.translation import quality_check_track

    track = SubtitleTrack.objects.select_related("title").filter(pk=track_id).first()
    if track is None:
        return None
    return len(quality_check_track(track=track))


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
    from localization.dubbing.services import dub_run

    def report(percent: int) -> None:
        if self.request.id and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"progress": percent})

    dub = dub_run(dub_id=dub_id, on_progress=report)
    return dub.state if dub is not None else None


@shared_task(
    name="localization.tasks.build_delivery_package",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.LOCALIZATION_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.LOCALIZATION_TASK_TIME_LIMIT,
)
def build_delivery_package(package_id: int) -> str | None:
    """Write a delivery package's ZIP and manifest on the ``cpu`` queue."""
    from localization.delivery import package_build

    package = package_build(package_id=package_id)
    return package.state if package is not None else None
