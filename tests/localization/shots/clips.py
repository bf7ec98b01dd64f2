"""Videos with hard cuts at known frames, made with PyAV (no ffmpeg program needed: the
FFmpeg libraries come in the av wheel, on CI too)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

# Far apart in brightness and hue, so every change of colour is a cut for any detector.
COLOURS = [(16, 16, 16), (235, 235, 235), (200, 30, 30), (30, 60, 220), (240, 200, 40)]
WIDTH, HEIGHT = 64, 48


def make_cut_clip(path: Path, *, cuts: tuple[int, ...], frames: int, fps: int = 24,
                  with_audio: bool = True) -> Path:
    """An MP4 whose picture is one solid colour per shot, the new shot starting on each
    frame of ``cuts``; a thin grey line moves down the picture all along (motion inside a
    shot, which is no cut). With audio, a quiet tone: what media intake requires."""
    with av.open(str(path), "w", format="mp4") as container:
        video = container.add_stream("mpeg4", rate=fps)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        audio = None
        if with_audio:
            audio = container.add_stream("aac", rate=16000)
            audio.layout = "mono"
        for index in range(frames):
            shot = sum(1 for cut in cuts if index >= cut)
            picture = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)
            picture[:] = COLOURS[shot % len(COLOURS)]
            picture[(index * 2) % HEIGHT, :] = 128
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode(None):
            container.mux(packet)
        if audio is not None:
            samples = int(16000 * frames / fps)
            tone = 0.2 * np.sin(np.arange(samples) * 2 * np.pi * 440 / 16000)
            sound = av.AudioFrame.from_ndarray(tone.astype(np.float32).reshape(1, -1),
                                               format="flt", layout="mono")
            sound.sample_rate = 16000
            for packet in [*audio.encode(sound), *audio.encode(None)]:
                container.mux(packet)
    return path
