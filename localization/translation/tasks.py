"""Filling a translated track on the ``cpu`` queue."""

from localization import background
from localization.translation.services import translation_run


@background.pipeline_task(background.TRANSLATE_TRACK)
def translate_track(track_id: int) -> int | None:
    """Routed to the ``cpu`` queue; fills only cues still untranslated, so a re-run is safe."""
    track = translation_run(track_id=track_id)
    return track.pk if track is not None else None
