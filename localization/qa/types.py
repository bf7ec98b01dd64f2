"""What subtitle QA reads and reports; plain values, built by callers from their models."""

from __future__ import annotations

from dataclasses import dataclass

RULES = ("empty", "line_count", "line_length", "forbidden_character", "ellipsis",
         "min_duration", "max_duration", "reading_speed", "overlap", "gap", "chaining",
         "glossary")


@dataclass(frozen=True)
class QACue:
    index: int  # cue number in the track (1-based)
    start_ms: int
    end_ms: int
    text: str  # lines separated by "\n"
    source_text: str = ""  # the Korean source cue, for glossary checks

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class GlossaryRule:
    source_term: str  # Korean term
    rendering: str  # required rendering in the target language


@dataclass(frozen=True)
class Issue:
    cue_index: int
    rule: str  # one of RULES
    severity: str  # "error" or "warning"
    message: str  # translated sentence naming the numbers
    fixable: bool = False

    def as_dict(self) -> dict:
        return {"cue_index": self.cue_index, "rule": self.rule, "severity": self.severity,
                "message": str(self.message), "fixable": self.fixable}


@dataclass(frozen=True)
class FixResult:
    cues: list[QACue]  # same length and order; only out-times and line breaks changed
    changes: list[tuple[int, str]]  # (cue_index, sentence saying what was changed)
    remaining: list[Issue]  # what could not be fixed
