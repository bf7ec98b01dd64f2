"""The offline default: no machine translation at all.

The caller's service fills cues from the translation memory and the glossary; this
engine answers None for every cue, so the rest stay untranslated and go to a human
translator. It uses no AI model, so it needs no approval from the licensing gate.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from localization.engines.mt.base import (
    MEMORY_ONLY,
    EngineIdentity,
    GlossaryHint,
    MachineTranslation,
    SourceCue,
)


class MemoryOnlyEngine:
    identity = EngineIdentity(engine=MEMORY_ONLY, model_name="", model_sha256="")

    def describe(self) -> str:
        return _("Translation memory and glossary only (offline default)")

    def translate(self, cues: Sequence[SourceCue], *, source_language: str,
                  target_language: str, glossary: Sequence[GlossaryHint] = ()
                  ) -> list[MachineTranslation | None]:
        return [None] * len(cues)
