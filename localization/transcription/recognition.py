"""Long media in chunks: where to cut, and which chunk owns each recognized word.

Chunks are cut at the quietest moment near each nominal border, so a border rarely
falls inside a word. Each chunk is decoded with a few seconds of the neighbouring audio
on both sides (context for the model), and a word belongs to the chunk whose core
span holds the middle of the word. A word near a border is therefore recognized in
both chunks but kept exactly once, and a word that straddles a border is still kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from localization.engines import asr
from localization.media import decoding as media
from localization.subtitles.segmentation import Word

OVERLAP_SECONDS = 3.0
QUIET_SEARCH_SECONDS = 20.0
QUIET_FRAME_SECONDS = 0.1


@dataclass(frozen=True)
class Chunk:
    start: float  # the core span this chunk owns, in seconds
    end: float

    def window(self, total: float) -> tuple[float, float]:
        return max(0.0, self.start - OVERLAP_SECONDS), min(total, self.end + OVERLAP_SECONDS)

    def owns(self, word_start: float, word_end: float) -> bool:
        middle = (word_start + word_end) / 2
        return self.start <= middle < self.end


def quietest_moment(samples: np.ndarray, offset: float) -> float:
    """The time (seconds, with ``offset`` added) of the lowest-energy 100 ms frame."""
    frame = int(QUIET_FRAME_SECONDS * media.SAMPLE_RATE)
    count = len(samples) // frame
    if count == 0:
        return offset
    energy = np.sqrt(np.mean(samples[: count * frame].reshape(count, frame) ** 2, axis=1))
    return offset + (int(np.argmin(energy)) + 0.5) * QUIET_FRAME_SECONDS


def plan_chunks(total: float, chunk_seconds: float,
                quiet_near: Callable[[float], float] | None = None) -> list[Chunk]:
    """Split ``total`` seconds into chunks of about ``chunk_seconds``, cut at quiet moments."""
    if total <= chunk_seconds * 1.5:
        return [Chunk(0.0, total)]
    borders = [0.0]
    target = chunk_seconds
    while total - target > chunk_seconds / 2:
        border = quiet_near(target) if quiet_near else target
        # Never move a border so far that a chunk vanishes or doubles.
        border = min(max(border, borders[-1] + chunk_seconds / 2), total - chunk_seconds / 4)
        borders.append(border)
        target = border + chunk_seconds
    borders.append(total)
    return [Chunk(a, b) for a, b in zip(borders, borders[1:], strict=False)]


def quiet_finder(wav_path: Path) -> Callable[[float], float]:
    """For ``plan_chunks``: the quietest moment of the WAV within 10 s of a time."""
    def quiet_near(target: float) -> float:
        start = max(0.0, target - QUIET_SEARCH_SECONDS / 2)
        return quietest_moment(media.read_audio(wav_path, start, target + QUIET_SEARCH_SECONDS / 2),
                               start)

    return quiet_near


def keep_owned(chunk: Chunk, words: Iterable[asr.RecognizedWord], window_start: float
               ) -> list[Word]:
    """Shift chunk-relative words to media time and keep those the chunk owns."""
    kept = []
    for word in words:
        start, end = word.start + window_start, word.end + window_start
        if chunk.owns(start, end):
            kept.append(Word(round(start * 1000), round(end * 1000), word.text))
    return kept


def transcribe_wav(wav_path: Path, *, config: asr.EngineConfig, language: str,
                   chunk_seconds: float,
                   on_progress: Callable[[float], None] | None = None) -> list[Word]:
    """Recognize every word of an extracted 16 kHz WAV, chunk by chunk, in time order."""
    total = media.audio_seconds(wav_path)
    chunks = plan_chunks(total, chunk_seconds, quiet_finder(wav_path))
    words: list[Word] = []
    for chunk in chunks:
        window_start, window_end = chunk.window(total)
        samples = media.read_audio(wav_path, window_start, window_end)

        def chunk_progress(fraction: float, chunk=chunk) -> None:
            if on_progress and total:
                on_progress(min(1.0, (chunk.start + fraction * (chunk.end - chunk.start)) / total))

        recognized = asr.transcribe(samples, config=config, language=language,
                                    on_progress=chunk_progress)
        words.extend(keep_owned(chunk, recognized, window_start))
        if on_progress and total:
            on_progress(chunk.end / total)
    words.sort(key=lambda word: (word.start_ms, word.end_ms))
    return without_repetition_loops(words)


# Whisper sometimes falls into a loop on unclear audio and writes one word over and
# over ("흙, 흙, 흙, ..."). Real speech rarely says the same word more than three times
# in a row, so longer runs are cut back to that.
MAX_REPEATS = 3


def _word_key(word: Word) -> str:
    return "".join(char for char in word.text.casefold() if char.isalnum())


def without_repetition_loops(words: list[Word], *, max_repeats: int = MAX_REPEATS
                             ) -> list[Word]:
    kept: list[Word] = []
    run_key, run_length = None, 0
    for word in words:
        key = _word_key(word)
        if key and key == run_key:
            run_length += 1
        else:
            run_key, run_length = key, 1
        if run_length <= max_repeats:
            kept.append(word)
    return kept
