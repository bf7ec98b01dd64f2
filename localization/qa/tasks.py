"""Whole-track QA on the ``cpu`` queue."""

from localization import background
from localization.qa.services import quality_check_run


@background.pipeline_task(background.CHECK_TRACK_QUALITY, bind=True)
def check_track_quality(self, run_id: int) -> str | None:
    """QA of a whole track on the ``cpu`` queue; returns the run's state."""
    run = quality_check_run(run_id=run_id, task_id=self.request.id,
                            worker=self.request.hostname or "")
    return run.state if run is not None else None
