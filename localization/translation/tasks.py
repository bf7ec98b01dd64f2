"""Filling a translated track on the ``cpu`` queue."""

from localization import background
from localization.translation.services import translation_run


@background.pipeline_task(background.TRANSLATE_TRACK, bind=True)
def translate_track(self, run_id: int) -> str | None:
    """Routed to the ``cpu`` queue; fills only cues still untranslated, so a re-run is safe."""
    run = translation_run(run_id=run_id, task_id=self.request.id,
                          worker=self.request.hostname or "")
    return run.state if run is not None else None
