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
model on every cue it writes, and asks the AI licensing gate (``localization.translation.services``)
before it sends a title's dialogue to a model.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from localization.engines.mt.base import (
    CTRANSLATE2,
    ENGINES,
    MEMORY_ONLY,
    OPENAI_COMPATIBLE,
    EngineIdentity,
    GlossaryHint,
    MachineTranslation,
    SourceCue,
    TranslationEngine,
    TranslationEngineError,
)

__all__ = [
    "CTRANSLATE2", "ENGINES", "MEMORY_ONLY", "OPENAI_COMPATIBLE", "EngineIdentity",
    "GlossaryHint", "MachineTranslation", "SourceCue", "TranslationEngine",
    "TranslationEngineError", "describe_engine", "engine_from_settings",
]


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
