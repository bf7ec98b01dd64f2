"""What subtitle QA reads and reports; plain values, built by callers from their models."""

from __future__ import annotations

from dataclasses import dataclass

RULES = ("frame_rate", "empty", "line_count", "line_length", "one_line", "vertical", "position",
         "forbidden_character", "italics", "whitespace", "dialogue_dash", "sound_description",
         "ellipsis", "min_duration", "max_duration", "reading_speed", "overlap", "gap",
         "chaining", "glossary")
# The cue number of an issue about the whole track (the frame rate it was checked at).
TRACK = 0


@dataclass(frozen=True)
class QACue:
    index: int  # cue number in the track (1-based)
    start_ms: int
    end_ms: int
    text: str  # lines separated by "\n"
    source_text: str = ""  # the Korean source cue, for glossary checks
    vertical: bool = False  # a vertical (Japanese) subtitle
    position: int = 2  # on the numeric keypad, as localization.subtitles.cues: 2 is bottom
    italic: bool = False  # italics given outside the text (a reader's flag, not <i> markup)

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class GlossaryRule:
    source_term: str  # Korean term
    rendering: str  # required rendering in the target language


@dataclass(frozen=True)
class Issue:
    cue_index: int  # TRACK (0) for the whole track
    rule: str  # one of RULES
    severity: str  # "error" or "warning"
    message: str  # translated sentence naming the numbers
    fixable: bool = False

    def as_dict(self) -> dict:
        return {"cue_index": self.cue_index, "rule": self.rule, "severity": self.severity,
                "message": str(self.message), "fixable": self.fixable}


@dataclass(frozen=True)
class FixResult:
    # Same length and order, of the type given; only out-times, line breaks and the text
    # fixes the guides allow (white space, dialogue dashes, ellipses, italics) changed.
    cues: list
    changes: list[tuple[int, str]]  # (cue_index, sentence saying what was changed)
    remaining: list[Issue]  # what could not be fixed
