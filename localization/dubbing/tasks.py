"""Building a dub on the ``cpu`` queue."""

from localization import background
from localization.dubbing.services import dub_run


@background.pipeline_task(background.DUB_TRACK, bind=True)
def dub_track(self, dub_id: int) -> str | None:
    """Synthesize and mix a dub on the ``cpu`` queue, reporting progress to Celery too."""
    def report(percent: int) -> None:
        if self.request.id and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"progress": percent})

    dub = dub_run(dub_id=dub_id, task_id=self.request.id, worker=self.request.hostname or "",
                  on_progress=report)
    return dub.state if dub is not None else None
