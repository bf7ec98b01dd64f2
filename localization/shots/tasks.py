"""Finding a video's shot changes on the ``cpu`` queue."""

from localization import background
from localization.shots.services import shot_detection_run


@background.pipeline_task(background.DETECT_SHOT_CHANGES, bind=True)
def detect_shot_changes(self, detection_id: int) -> str | None:
    detection = shot_detection_run(detection_id=detection_id, task_id=self.request.id,
                                   worker=self.request.hostname or "")
    return detection.state if detection is not None else None
