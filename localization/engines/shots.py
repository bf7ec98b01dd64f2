"""Shot changes (hard cuts) in a video, found with PySceneDetect's content detector.

Data in, data out: a local video file in, the frame rate and the first frame of every new
shot out. Frames are decoded through PyAV (PySceneDetect's ``pyav`` backend), the same
FFmpeg libraries that probe the upload, so whatever the intake accepted is read the same
way; OpenCV (the headless build PySceneDetect brings) only computes the frame scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# PySceneDetect's default for ContentDetector: the weighted change of hue, saturation and
# luminance between two frames that counts as a cut.
DEFAULT_THRESHOLD = 27.0
# Two cuts closer than this are one cut and a flash (PySceneDetect's default is 15 frames
# at any frame rate; a time keeps the meaning the same at 24 and 60 fps).
MIN_SHOT_SECONDS = 0.5
# Frames are read in spans of this many seconds, so progress is reported (and a cancel
# noticed) between spans.
SPAN_SECONDS = 10.0


class ShotDetectionError(ValueError):
    """A file whose shot changes cannot be found; the message says why."""


@dataclass(frozen=True)
class DetectedShots:
    frame_rate: float  # frames per second of the video stream
    frames: tuple[int, ...]  # the first frame of each new shot (0 is the first frame)
    frame_count: int  # frames read


def detect_shot_changes(path: str | Path, *, threshold: float = DEFAULT_THRESHOLD,
                        progress: Callable[[float], None] | None = None,
                        span_seconds: float | None = None) -> DetectedShots:
    """Every hard cut of the first video stream of ``path``.

    ``progress(fraction)`` is called after each span of ``span_seconds`` (SPAN_SECONDS)
    of video; an exception it raises (a cancelled run) stops the detection and propagates.
    """
    # Imported here: OpenCV loads only in the worker that detects, not in every web process.
    import av
    from scenedetect import ContentDetector, SceneManager
    from scenedetect.backends.pyav import VideoStreamAv
    from scenedetect.video_stream import VideoOpenFailure

    span = float(SPAN_SECONDS if span_seconds is None else span_seconds)

    try:
        video = VideoStreamAv(str(path))
    except IndexError:  # the backend takes the first video stream
        raise ShotDetectionError("The file has no video stream.") from None
    except (VideoOpenFailure, av.error.FFmpegError, OSError, ValueError) as error:
        raise ShotDetectionError(f"The video cannot be read: {error}") from None
    frame_rate = float(video.frame_rate)
    if frame_rate <= 0:
        raise ShotDetectionError("The video stream gives no frame rate.")
    manager = SceneManager()
    manager.add_detector(ContentDetector(
        threshold=threshold, min_scene_len=max(1, round(MIN_SHOT_SECONDS * frame_rate))))
    total = video.duration.frame_num if video.duration is not None else 0
    # A float is seconds to PySceneDetect (an int would be frames).
    while manager.detect_scenes(video, duration=span) > 0:
        if progress is not None and total:
            progress(min(video.frame_number / total, 1.0))
    frames = tuple(sorted({start.frame_num for start, _end in manager.get_scene_list()[1:]}))
    return DetectedShots(frame_rate=frame_rate, frames=frames, frame_count=video.frame_number)
