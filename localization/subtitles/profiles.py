"""Subtitle timing and layout rules per language, as data (../shared/subtitle-standards.md).

A studio may tighten or relax a profile; code reads the numbers from here only.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class SubtitleProfile:
    language: str
    max_characters_per_line: float
    max_lines: int = 2
    # Characters per second for adult content; children's and SDH rates are for QA.
    max_characters_per_second: float = 12
    min_duration_ms: int = 834  # 5/6 s = 20 frames at 24 fps
    max_duration_ms: int = 7000
    min_gap_frames: int = 2
    chaining_gap_frames: int = 12
    out_time_extension_ms: int = 500  # out-time may run 12 frames past the end of speech
    frame_rate: float = 24.0
    # Korean counts Latin letters, spaces and punctuation as half a character.
    half_width_counts_half: bool = True
    assumption: str = ""

    def frames_ms(self, frames: int) -> int:
        return math.ceil(frames * 1000 / self.frame_rate)

    @property
    def min_gap_ms(self) -> int:
        return self.frames_ms(self.min_gap_frames)

    @property
    def chaining_gap_ms(self) -> int:
        return self.frames_ms(self.chaining_gap_frames)

    def width(self, text: str) -> float:
        """Line length as the profile counts characters."""
        if not self.half_width_counts_half:
            return float(len(text))
        return sum(0.5 if _is_half_width(char) else 1.0 for char in text)

    def at_frame_rate(self, frame_rate: float) -> SubtitleProfile:
        return replace(self, frame_rate=frame_rate)


def _is_half_width(char: str) -> bool:
    if char.isspace():
        return True
    if unicodedata.east_asian_width(char) in ("F", "W"):
        return False
    return char.isascii() or unicodedata.category(char).startswith(("P", "Z"))


PROFILES = {
    "ko": SubtitleProfile("ko", max_characters_per_line=16, max_characters_per_second=12),
    "ja": SubtitleProfile("ja", max_characters_per_line=13, max_characters_per_second=4),
    "zh-Hans": SubtitleProfile("zh-Hans", max_characters_per_line=16,
                               max_characters_per_second=9, half_width_counts_half=False),
    "th": SubtitleProfile("th", max_characters_per_line=35, max_characters_per_second=15,
                          half_width_counts_half=False,
                          assumption="Thai reading speed is not published; 15 cps assumed."),
}


def profile_for(language: str) -> SubtitleProfile:
    try:
        return PROFILES[language]
    except KeyError:
        raise LookupError(f"no subtitle profile for language {language!r}") from None
