"""Speech synthesis for dubbing: one interface over the voices installed here.

- ``kokoro``: Japanese neural voices (Kokoro-82M from registry packages).
- ``espeak_ng``: draft voices for Korean, Mandarin (pinyin) and Thai (Debian binary).
- ``operator``: voices the operator installs and lists in a manifest (see operator.py).

A voice is named by ``engine:voice`` (e.g. "kokoro:jf_alpha") or a VoiceIdentity; engines
are built once per process, since loading a neural model costs more than a short cue.
Before a voice is used on a title, its ``identity.model_sha256`` must pass the licensing
gate: ``coprod.registry.model_use_check(title=..., sha256=..., kind="tts")``.
"""

from __future__ import annotations

import threading

from django.utils.translation import gettext as _

from localization.engines.tts.base import (
    SpeechEngine,
    SpeechSynthesisError,
    Synthesis,
    VoiceIdentity,
)

__all__ = ["SpeechEngine", "SpeechSynthesisError", "Synthesis", "VoiceIdentity",
           "available_voices", "default_voice", "engine_for"]

ENGINES = ("kokoro", "espeak_ng", "operator")

_engines: dict[str, SpeechEngine] = {}
_lock = threading.Lock()


def available_voices() -> list[VoiceIdentity]:
    """Every voice that can speak on this machine, neural voices first."""
    # Engine modules are imported when asked for, so that `python -m
    # localization.engines.tts.kokoro_model` (the installer) runs without them.
    from localization.engines.tts import espeak, kokoro, operator

    return [*operator.installed_voices(), *kokoro.installed_voices(),
            *espeak.installed_voices()]


def default_voice(language: str) -> VoiceIdentity | None:
    """The first non-draft voice for ``language``, else its draft voice, else None."""
    voices = [voice for voice in available_voices() if voice.language == language]
    voices.sort(key=lambda voice: voice.draft)
    return voices[0] if voices else None


def engine_for(voice: VoiceIdentity | str) -> SpeechEngine:
    """The engine speaking ``voice`` ("engine:voice" or an identity), built once per process.

    Given an identity, the installed voice must still be that one (same checksum), since
    the licensing gate was asked about that checksum.
    """
    key = voice.key if isinstance(voice, VoiceIdentity) else voice
    engine_name, separator, voice_name = key.partition(":")
    if not separator or engine_name not in ENGINES or not voice_name:
        raise SpeechSynthesisError(
            _("Unknown voice %(voice)s; voices are named engine:voice, with engine one of "
              "%(engines)s.") % {"voice": key, "engines": ", ".join(ENGINES)})
    with _lock:
        if key not in _engines:
            _engines[key] = _engine_class(engine_name)(voice_name)
        engine = _engines[key]
    if isinstance(voice, VoiceIdentity) and engine.identity != voice:
        raise SpeechSynthesisError(
            _("The installed voice %(voice)s (SHA-256 %(installed)s…) is not the one asked for "
              "(SHA-256 %(asked)s…).") % {"voice": key,
                                          "installed": engine.identity.model_sha256[:12],
                                          "asked": voice.model_sha256[:12]})
    return engine


def _engine_class(engine_name: str):
    from localization.engines.tts import espeak, kokoro, operator

    return {kokoro.ENGINE: kokoro.KokoroEngine, espeak.ENGINE: espeak.EspeakEngine,
            operator.ENGINE: operator.OperatorEngine}[engine_name]


def clear_engine_cache() -> None:
    """Forget built engines (tests; an operator's manifest changed)."""
    with _lock:
        _engines.clear()
