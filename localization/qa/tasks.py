"""Whole-track QA on the ``cpu`` queue."""

from localization import background
from localization.qa.services import quality_check_track
from localization.subtitles.models import SubtitleTrack


@background.pipeline_task(background.CHECK_TRACK_QUALITY)
def check_track_quality(track_id: int) -> int | None:
    """QA of a whole track on the ``cpu`` queue; returns the number of issues."""
    track = SubtitleTrack.objects.select_related("title").filter(pk=track_id).first()
    if track is None:
        return None
    return len(quality_check_track(track=track))
