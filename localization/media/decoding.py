"""Probing media files and extracting their audio, with PyAV (FFmpeg's libraries)."""

from __future__ import annotations

import wave
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from django.utils.translation import gettext as _

SAMPLE_RATE = 16_000  # what Whisper listens to


class MediaRejected(ValueError):
    """A file that cannot be used as media; the message says why, for the uploader."""


@dataclass(frozen=True)
class MediaProbe:
    duration_ms: int
    container_format: str
    audio_codec: str
    video_codec: str
    streams: list[dict] = field(default_factory=list)


def probe_media(path: str | Path) -> MediaProbe:
    """Read the container and streams; refuse what is not media, has no audio or is empty."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise MediaRejected(_("The file is empty."))
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError):
        raise MediaRejected(
            _("This is not a video or audio file that can be read (unknown or damaged format).")
        ) from None
    with container:
        streams = [_describe(stream) for stream in container.streams
                   if stream.type in ("audio", "video", "subtitle")]
        audio = container.streams.audio[0] if container.streams.audio else None
        video = next((s for s in container.streams.video
                      if not (s.disposition & av.stream.Disposition.attached_pic)), None)
        if audio is None:
            raise MediaRejected(_("The file has no audio stream, so there is no speech to "
                                  "transcribe."))
        duration_ms = _duration_ms(container, audio)
        if not _decodes_audio(container, audio):
            raise MediaRejected(_("The audio stream holds no sound that can be decoded."))
        return MediaProbe(
            duration_ms=duration_ms,
            container_format=container.format.name,
            audio_codec=audio.codec_context.name,
            video_codec=video.codec_context.name if video is not None else "",
            streams=streams,
        )


def _describe(stream) -> dict:
    context = stream.codec_context
    info = {"index": stream.index, "type": stream.type, "codec": context.name,
            "language": stream.metadata.get("language", "")}
    if stream.type == "audio":
        info.update(sample_rate=context.sample_rate, channels=context.channels)
    elif stream.type == "video":
        info.update(width=context.width, height=context.height,
                    frame_rate=float(stream.average_rate) if stream.average_rate else None)
    return info


def _duration_ms(container, audio) -> int:
    if audio.duration and audio.time_base:
        return int(audio.duration * audio.time_base * 1000)
    if container.duration:
        return int(container.duration / 1000)  # container duration is in microseconds
    return 0


def _decodes_audio(container, audio) -> bool:
    """True when at least one audio frame with samples decodes."""
    try:
        for frame in container.decode(audio):
            if frame.samples:
                return True
    except av.error.FFmpegError:
        return False
    return False


def extract_audio(source: str | Path, destination: str | Path, *, progress=None) -> int:
    """Decode the first audio stream to 16 kHz mono 16-bit WAV; return its sample count.

    ``progress(fraction)`` is called as decoding advances. Writing a WAV file keeps
    memory flat for feature-length media; chunks are read back from it.
    """
    samples = 0
    with av.open(str(source)) as container, wave.open(str(destination), "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(SAMPLE_RATE)
        stream = container.streams.audio[0]
        total = float(stream.duration * stream.time_base) if stream.duration else 0.0
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        last_reported = 0.0
        for frame in container.decode(stream):
            for piece in resampler.resample(frame):
                data = piece.to_ndarray().reshape(-1)
                output.writeframes(data.tobytes())
                samples += len(data)
            if progress and total and frame.time is not None and frame.time - last_reported > 30:
                last_reported = frame.time
                progress(min(frame.time / total, 1.0))
        for piece in resampler.resample(None):
            data = piece.to_ndarray().reshape(-1)
            output.writeframes(data.tobytes())
            samples += len(data)
    return samples


def read_audio(path: str | Path, start_s: float = 0.0, end_s: float | None = None) -> np.ndarray:
    """Samples of an extracted WAV between two times, as float32 in [-1, 1]."""
    with wave.open(str(path), "rb") as source:
        total = source.getnframes()
        first = max(0, min(total, int(start_s * SAMPLE_RATE)))
        last = total if end_s is None else max(first, min(total, int(end_s * SAMPLE_RATE)))
        source.setpos(first)
        raw = source.readframes(last - first)
    return np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768.0


def cut_wav(source: str | Path, destination: str | Path, start_s: float, end_s: float) -> int:
    """Copy the stretch of an extracted WAV between two times into a WAV of its own, a
    block at a time; return its sample count."""
    with wave.open(str(source), "rb") as whole, wave.open(str(destination), "wb") as part:
        part.setparams(whole.getparams())
        total = whole.getnframes()
        first = max(0, min(total, int(start_s * SAMPLE_RATE)))
        last = max(first, min(total, int(end_s * SAMPLE_RATE)))
        whole.setpos(first)
        remaining = last - first
        while remaining > 0:
            block = whole.readframes(min(remaining, 60 * SAMPLE_RATE))
            if not block:
                break
            part.writeframes(block)
            remaining -= len(block) // whole.getsampwidth()
    return last - first


def audio_seconds(path: str | Path) -> float:
    with wave.open(str(path), "rb") as source:
        return source.getnframes() / source.getframerate()
