"""The interface every machine translation engine implements, and its data types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

MEMORY_ONLY = "memory_only"
CTRANSLATE2 = "ctranslate2"
OPENAI_COMPATIBLE = "openai_compatible"
ENGINES = (MEMORY_ONLY, CTRANSLATE2, OPENAI_COMPATIBLE)


class TranslationEngineError(Exception):
    """An engine cannot translate: misconfigured, missing model, endpoint failure.
    The message says what is wrong and where."""


@dataclass(frozen=True)
class SourceCue:
    index: int
    text: str  # Korean, lines separated by "\n"


@dataclass(frozen=True)
class GlossaryHint:
    source_term: str
    rendering: str  # required rendering in the target language


@dataclass(frozen=True)
class MachineTranslation:
    index: int
    text: str  # target text; "\n" line breaks allowed (the caller re-breaks with QA)


@dataclass(frozen=True)
class EngineIdentity:
    engine: str  # "ctranslate2", "openai_compatible", "memory_only"
    model_name: str  # the model directory's name or the served model id; "" for memory_only
    model_sha256: str  # the checksum the AI registry knows the model by; "" when no AI is used


@runtime_checkable
class TranslationEngine(Protocol):
    identity: EngineIdentity

    def translate(self, cues: Sequence[SourceCue], *, source_language: str,
                  target_language: str, glossary: Sequence[GlossaryHint] = ()
                  ) -> list[MachineTranslation | None]:
        """One result per input cue, in order; None where the engine gives nothing."""
        ...
