"""Fit synthesized speech into cue windows, mix the dub track, read and write audio.

Time stretching is FFmpeg's ``atempo`` filter (pitch-preserving, WSOLA) through PyAV's
filter graph; resampling, decoding and AAC encoding are PyAV too. Samples are mono
float32 in [-1, 1] throughout.
"""

from __future__ import annotations

import hashlib
import json
import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from localization.engines.tts.base import Synthesis, VoiceIdentity

DEFAULT_MAX_SPEEDUP = 1.25
# atempo's output is a few milliseconds off the exact ratio; aim this much faster so that
# a clip sped up "to fit" really ends inside its window.
STRETCH_MARGIN = 1.01
CLIP_FADE_MS = 5  # against clicks where a clip starts or stops mid-waveform
DUCK_FADE_MS = 150  # the original fades down before a line and back up after it
PEAK_CEILING = 10 ** (-1.0 / 20)  # -1 dBFS: room for AAC's overshoot


@dataclass(frozen=True)
class FitResult:
    samples: np.ndarray
    sample_rate: int
    speed: float  # 1.0: untouched; >1: sped up by this factor
    fits: bool  # False: even at the maximum speed the line is longer than its window

    @property
    def duration_ms(self) -> float:
        return 1000.0 * len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class Placement:
    """A clip (fitted or raw synthesis) to be heard from ``start_ms`` in the track."""

    start_ms: int
    clip: FitResult | Synthesis


def synthesis_cache_key(text: str, voice: VoiceIdentity) -> str:
    """SHA-256 naming one line spoken by one voice: re-synthesize only when this changes."""
    material = json.dumps([voice.engine, voice.voice, voice.language, voice.model_sha256, text],
                          ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def time_stretch(samples: np.ndarray, sample_rate: int, speed: float) -> np.ndarray:
    """``samples`` played ``speed`` times faster at the same pitch (FFmpeg atempo)."""
    samples = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
    if speed == 1.0 or len(samples) == 0:
        return samples.copy()
    if not 0.5 <= speed <= 100.0:
        raise ValueError(f"speed {speed} is outside atempo's range 0.5-100")
    graph = av.filter.Graph()
    source = graph.add_abuffer(sample_rate=sample_rate, format="flt", layout="mono",
                               time_base=Fraction(1, sample_rate))
    tempo = graph.add("atempo", f"{speed:.6f}")
    sink = graph.add("abuffersink")
    source.link_to(tempo)
    tempo.link_to(sink)
    graph.configure()
    frame = _frame(samples, sample_rate)
    graph.push(frame)
    graph.push(None)
    pieces = []
    while True:
        try:
            pieces.append(graph.pull().to_ndarray().reshape(-1))
        except (av.error.EOFError, av.error.BlockingIOError):
            break
    return np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, np.float32)


def fit_to_window(synthesis: Synthesis | FitResult, window_ms: float, *,
                  max_speedup: float = DEFAULT_MAX_SPEEDUP) -> FitResult:
    """Speed a line up (at most ``max_speedup``) until it fits its cue window.

    Shorter lines are returned untouched. A line that does not fit even at the maximum
    speed comes back at that speed, whole (words are never cut), with ``fits`` False so
    that the translator can be asked for a shorter line.
    """
    if window_ms <= 0:
        raise ValueError("the window must be longer than 0 ms")
    if max_speedup < 1.0:
        raise ValueError("max_speedup must be at least 1.0")
    samples = np.asarray(synthesis.samples, dtype=np.float32).reshape(-1)
    rate = synthesis.sample_rate
    window_samples = int(window_ms * rate / 1000)
    if len(samples) <= window_samples:
        return FitResult(samples, rate, 1.0, True)
    needed = len(samples) / window_samples
    speed = min(needed * STRETCH_MARGIN, max_speedup)
    stretched = time_stretch(samples, rate, speed)
    return FitResult(stretched, rate, speed, len(stretched) <= window_samples)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Mono float32 at another sample rate (FFmpeg's resampler through PyAV)."""
    samples = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
    if from_rate == to_rate or len(samples) == 0:
        return samples.copy()
    resampler = av.AudioResampler(format="flt", layout="mono", rate=to_rate)
    pieces = [piece.to_ndarray().reshape(-1)
              for piece in [*resampler.resample(_frame(samples, from_rate)),
                            *resampler.resample(None)]]
    return np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, np.float32)


def mix_track(placements: list[Placement], *, total_ms: int, sample_rate: int = 48_000,
              original: np.ndarray | None = None, duck_db: float = -12.0) -> np.ndarray:
    """The dub track: each clip from its start time, over the ducked original if given.

    ``original`` (mono float32 at ``sample_rate``, e.g. from read_audio) is lowered by
    ``duck_db`` while a line plays, fading down before it and up after it. Clips running
    past ``total_ms`` are cut there. When the sum would clip, the whole track is scaled
    down to -1 dBFS (one gain, so the balance between speech and original is kept).
    """
    length = int(total_ms * sample_rate / 1000)
    speech = np.zeros(length, dtype=np.float32)
    gain = np.ones(length, dtype=np.float32)
    duck = np.float32(10 ** (duck_db / 20))
    fade = max(1, int(DUCK_FADE_MS * sample_rate / 1000))
    for placement in placements:
        start = int(round(placement.start_ms * sample_rate / 1000))
        if start < 0 or start >= length:
            raise ValueError(f"a clip starts at {placement.start_ms} ms, outside the "
                             f"track's 0-{total_ms} ms")
        clip = _with_fades(resample(placement.clip.samples, placement.clip.sample_rate,
                                    sample_rate), sample_rate)
        end = min(length, start + len(clip))
        speech[start:end] += clip[: end - start]
        # The ducking envelope for this line: 1 far away, ramps of ``fade`` samples,
        # ``duck`` while it plays; overlapping lines keep the lowest gain.
        positions = np.arange(max(0, start - fade), min(length, end + fade))
        before = (start - positions) / fade
        after = (positions - end + 1) / fade
        distance = np.clip(np.maximum(before, after), 0.0, 1.0)
        envelope = duck + (1 - duck) * distance
        gain[positions] = np.minimum(gain[positions], envelope.astype(np.float32))
    track = speech
    if original is not None:
        background = np.zeros(length, dtype=np.float32)
        source = np.asarray(original, dtype=np.float32).reshape(-1)[:length]
        background[: len(source)] = source
        track = speech + background * gain
    peak = float(np.max(np.abs(track))) if length else 0.0
    if peak > PEAK_CEILING:
        track = track * np.float32(PEAK_CEILING / peak)
    return track.astype(np.float32)


def write_wav(samples: np.ndarray, sample_rate: int, path: str | Path) -> Path:
    """16-bit PCM mono WAV."""
    pcm = (np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(sample_rate)
        output.writeframes(pcm.tobytes())
    return Path(path)


def write_aac(samples: np.ndarray, sample_rate: int, path: str | Path, *,
              bit_rate: int = 192_000) -> Path:
    """AAC in an MP4 container (.m4a/.mp4), mono."""
    samples = np.clip(np.asarray(samples, dtype=np.float32).reshape(-1), -1.0, 1.0)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=sample_rate)
        stream.layout = "mono"
        stream.bit_rate = bit_rate
        for packet in [*stream.encode(_frame(samples, sample_rate)), *stream.encode(None)]:
            container.mux(packet)
    return Path(path)


def read_audio(path: str | Path, sample_rate: int) -> np.ndarray:
    """The first audio stream of any file FFmpeg reads, as mono float32 at ``sample_rate``."""
    pieces = []
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        for frame in container.decode(container.streams.audio[0]):
            frame.pts = None  # let the resampler count samples, not trust stream times
            pieces.extend(piece.to_ndarray().reshape(-1) for piece in resampler.resample(frame))
        pieces.extend(piece.to_ndarray().reshape(-1) for piece in resampler.resample(None))
    return np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, np.float32)


def _frame(samples: np.ndarray, sample_rate: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples, np.float32).reshape(1, -1),
                                       format="flt", layout="mono")
    frame.sample_rate = sample_rate
    frame.pts = 0
    frame.time_base = Fraction(1, sample_rate)
    return frame


def _with_fades(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    samples = samples.copy()
    length = min(len(samples) // 2, int(CLIP_FADE_MS * sample_rate / 1000))
    if length > 0:
        ramp = np.linspace(0.0, 1.0, length, dtype=np.float32)
        samples[:length] *= ramp
        samples[-length:] *= ramp[::-1]
    return samples
