"""Draft voices for Korean, Mandarin and Thai: the espeak-ng binary (Debian package).

espeak-ng is a formant synthesizer: intelligible in places, robotic everywhere, so its
voices are marked draft and the product labels them so. Mandarin is spoken by the
``cmn-latn-pinyin`` voice from pinyin with tone digits (made with pypinyin), because the
``cmn`` voice reads tone digits aloud and stumbles over characters it does not know.

Registry identity of a voice: the SHA-256 of the language's compiled dictionary in
espeak-ng's data folder (``ko_dict``, ``cmn_dict``, ``th_dict``; see
``espeak-ng --version`` for the folder), the file that decides what is said. A Debian
update of espeak-ng-data changes it, and the licensing gate then asks for the new one
to be registered and approved.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.utils.translation import gettext as _

from localization.checksums import cached_file_sha256
from localization.engines.tts.base import (
    SpeechSynthesisError,
    Synthesis,
    VoiceIdentity,
    as_synthesis,
)

ENGINE = "espeak_ng"
BINARY = "espeak-ng"
TIMEOUT_SECONDS = 60
WORDS_PER_MINUTE = 160  # espeak-ng's default is 175; a little slower is easier to follow


@dataclass(frozen=True)
class EspeakVoice:
    voice: str  # espeak-ng's voice name
    language: str
    dictionary: str  # file in espeak-ng-data whose checksum identifies the voice


VOICES = {
    "ko": EspeakVoice("ko", "ko", "ko_dict"),
    "cmn-latn-pinyin": EspeakVoice("cmn-latn-pinyin", "zh-Hans", "cmn_dict"),
    "th": EspeakVoice("th", "th", "th_dict"),
}


def binary() -> str:
    path = shutil.which(BINARY)
    if path is None:
        raise SpeechSynthesisError(
            _("The espeak-ng program is not installed on this machine; install it with "
              "`apt-get install espeak-ng`."))
    return path


def data_folder() -> Path:
    """espeak-ng's data folder, as the binary reports it ("Data at: ...")."""
    completed = subprocess.run([binary(), "--version"], capture_output=True, text=True,
                               timeout=TIMEOUT_SECONDS, check=False)
    match = re.search(r"Data at:\s*(\S.*)$", completed.stdout.strip())
    if completed.returncode != 0 or not match:
        raise SpeechSynthesisError(_("espeak-ng did not report its data folder: %(output)s")
                                   % {"output": (completed.stdout + completed.stderr)[-300:]})
    return Path(match.group(1).strip())


def dictionary_sha256(voice: EspeakVoice) -> str:
    path = data_folder() / voice.dictionary
    if not path.is_file():
        raise SpeechSynthesisError(_("espeak-ng has no %(language)s dictionary (%(path)s).")
                                   % {"language": voice.language, "path": path})
    return cached_file_sha256(path)


def version() -> str:
    completed = subprocess.run([binary(), "--version"], capture_output=True, text=True,
                               timeout=TIMEOUT_SECONDS, check=False)
    match = re.search(r"text-to-speech:\s*(\S+)", completed.stdout)
    return match.group(1) if match else "unknown"


def identity(voice: str) -> VoiceIdentity:
    spec = VOICES[voice]
    return VoiceIdentity(engine=ENGINE, voice=voice, language=spec.language,
                         model_name=f"espeak-ng {voice} {version()}",
                         model_sha256=dictionary_sha256(spec), draft=True)


def installed_voices() -> list[VoiceIdentity]:
    if shutil.which(BINARY) is None:
        return []
    voices = []
    for voice in VOICES:
        try:
            voices.append(identity(voice))
        except SpeechSynthesisError:
            continue
    return voices


_CHINESE_PUNCTUATION = str.maketrans({"，": ", ", "。": ". ", "！": "! ", "？": "? ",
                                      "、": ", ", "；": "; ", "：": ": ", "…": "... ",
                                      "“": " ", "”": " ", "「": " ", "」": " ",
                                      "《": " ", "》": " ", "（": " ", "）": " "})


def to_pinyin(text: str) -> str:
    """Simplified Chinese as pinyin with tone digits (neutral tone 5, tone sandhi applied)."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True,
                            tone_sandhi=True)
    spoken = " ".join(piece.translate(_CHINESE_PUNCTUATION) for piece in syllables)
    return re.sub(r"\s+", " ", re.sub(r"\s+([,.!?;:])", r"\1", spoken)).strip()


class EspeakEngine:
    def __init__(self, voice: str):
        if voice not in VOICES:
            raise SpeechSynthesisError(_("There is no espeak-ng draft voice called %(voice)s.")
                                       % {"voice": voice})
        self.identity = identity(voice)

    def synthesize(self, text: str) -> Synthesis:
        if not text.strip():
            raise SpeechSynthesisError(_("There is no text to speak."))
        if self.identity.voice == "cmn-latn-pinyin":
            text = to_pinyin(text)
        # The text goes in on standard input, never as an argument an option could hide in.
        completed = subprocess.run(
            [binary(), "-v", self.identity.voice, "-s", str(WORDS_PER_MINUTE), "--stdout"],
            input=text.encode("utf-8"), capture_output=True, timeout=TIMEOUT_SECONDS,
            check=False)
        if completed.returncode != 0 or not completed.stdout:
            raise SpeechSynthesisError(
                _("espeak-ng could not speak this text: %(error)s")
                % {"error": completed.stderr.decode("utf-8", "replace")[-300:]})
        return read_wav_bytes(completed.stdout)


def read_wav_bytes(data: bytes) -> Synthesis:
    """16-bit PCM WAV bytes as samples. When streamed to a pipe, espeak-ng cannot go back
    to fill in the data size, so the header's length is ignored: the data runs to the end."""
    with wave.open(io.BytesIO(data), "rb") as reader:
        channels, width, rate = reader.getnchannels(), reader.getsampwidth(), reader.getframerate()
        raw = reader.readframes(reader.getnframes())
    if width != 2:
        raise SpeechSynthesisError(_("Unexpected WAV sample width: %(width)s bytes")
                                   % {"width": width})
    raw = raw[: len(raw) - len(raw) % (2 * channels)]
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return as_synthesis(samples, rate)
