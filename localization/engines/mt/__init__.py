"""Machine translation engines behind one interface: source cues in, target cues out.

Three engines, chosen by the ``MT_ENGINE`` setting:

- ``memory_only`` (the offline default): no AI at all. It translates nothing; the
  caller's translation memory and glossary fill what they can and every other cue is
  left for a human translator.
- ``ctranslate2``: an operator's converted NLLB-200, M2M100 or OPUS-MT model directory
  (``MT_MODEL_PATH``), run locally with CTranslate2 and SentencePiece.
- ``openai_compatible``: a chat-completions endpoint (vLLM, llama.cpp server and
  similar) that gets the glossary and neighbouring cues as context.

Each engine says who it is (``EngineIdentity``): the caller records the engine and the
model on every cue it writes, and asks the AI licensing gate (``engine_clearance``)
before it sends a title's dialogue to a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from coprod.catalog.models import Title
    from coprod.registry.gate import ModelClearance

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


def engine_from_settings() -> TranslationEngine:
    """The engine the settings choose (``MT_ENGINE``), configured from the MT_* settings.

    Models are loaded on first use, not here, so this is cheap enough for a page view.
    """
    from django.conf import settings

    name = getattr(settings, "MT_ENGINE", MEMORY_ONLY) or MEMORY_ONLY
    beam_size = int(getattr(settings, "MT_BEAM_SIZE", 4))
    batch_size = int(getattr(settings, "MT_BATCH_SIZE", 16))
    if name == MEMORY_ONLY:
        from localization.engines.mt.memory_engine import MemoryOnlyEngine

        return MemoryOnlyEngine()
    if name == CTRANSLATE2:
        from localization.engines.mt.ctranslate2_engine import CTranslate2Engine

        model_path = getattr(settings, "MT_MODEL_PATH", "")
        if not model_path:
            raise TranslationEngineError(
                _("MT_ENGINE is ctranslate2 but MT_MODEL_PATH names no model directory."))
        return CTranslate2Engine(model_path, device=getattr(settings, "MT_DEVICE", "auto"),
                                 beam_size=beam_size, batch_size=batch_size)
    if name == OPENAI_COMPATIBLE:
        from localization.engines.mt.openai_engine import OpenAICompatibleEngine

        base_url = getattr(settings, "MT_OPENAI_BASE_URL", "")
        model = getattr(settings, "MT_OPENAI_MODEL", "")
        if not base_url or not model:
            raise TranslationEngineError(
                _("MT_ENGINE is openai_compatible but MT_OPENAI_BASE_URL or MT_OPENAI_MODEL "
                  "is not set."))
        return OpenAICompatibleEngine(
            base_url=base_url, model=model,
            api_key=getattr(settings, "MT_OPENAI_API_KEY", ""),
            timeout=float(getattr(settings, "MT_OPENAI_TIMEOUT", 120)),
            batch_size=batch_size,
            context_cues=int(getattr(settings, "MT_CONTEXT_CUES", 2)))
    raise TranslationEngineError(
        _("Unknown translation engine %(name)r in MT_ENGINE; use one of: %(engines)s.")
        % {"name": name, "engines": ", ".join(ENGINES)})


def describe_engine(engine: TranslationEngine) -> str:
    """A one-line description of ``engine`` for people (the jobs and settings pages)."""
    describe = getattr(engine, "describe", None)
    if callable(describe):
        return describe()
    identity = engine.identity
    return " ".join(part for part in (identity.engine, identity.model_name) if part)


def engine_clearance(engine: TranslationEngine, *, title: Title) -> ModelClearance | None:
    """Ask the AI licensing gate whether ``engine``'s model may translate ``title``.

    Returns None for an engine that uses no model (memory_only); otherwise the clearance,
    or raises coprod.registry.ModelNotApproved with the reason. The kind is not checked:
    an operator may register a chat model as a language model or as a translation model.
    """
    from coprod.registry.gate import model_use_check

    if not engine.identity.model_sha256:
        return None
    return model_use_check(title=title, sha256=engine.identity.model_sha256)
