"""Reads for shot changes: a media file's latest detection, its cuts as QA takes them,
and the frame rate its timing is counted in."""

from __future__ import annotations

from localization.media.models import MediaAsset
from localization.qa.shot_checks import ShotChanges
from localization.shots.models import ShotDetection


def latest_detection(*, media: MediaAsset | None) -> ShotDetection | None:
    """The media's newest detection, whatever its state (what its page shows)."""
    if media is None:
        return None
    return media.shot_detections.order_by("-created_at", "-id").first()


def latest_finished(*, media: MediaAsset | None) -> ShotDetection | None:
    if media is None:
        return None
    return (media.shot_detections.filter(state=ShotDetection.State.DONE)
            .order_by("-finished_at", "-id").first())


def shot_changes_for(*, media: MediaAsset | None) -> ShotChanges | None:
    """The cuts of the media's latest finished detection, or None when there is none."""
    detection = latest_finished(media=media)
    if detection is None or not detection.frame_rate:
        return None
    return ShotChanges(frame_rate=detection.frame_rate, frames=tuple(detection.frames))


def media_frame_rate(*, media: MediaAsset | None) -> float | None:
    """Frames per second of the media's video: the detection's (the rate its cuts are
    counted in), else the one the upload's probe recorded; None for audio only."""
    detection = latest_finished(media=media)
    if detection is not None and detection.frame_rate:
        return detection.frame_rate
    if media is None:
        return None
    for stream in media.streams or []:
        if stream.get("type") == "video" and stream.get("frame_rate"):
            return float(stream["frame_rate"])
    return None
