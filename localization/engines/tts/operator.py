"""Operator-provided voices: any synthesizer the operator installs, described in a manifest.

The operator puts a ``voices.json`` in a folder (the ``DUBBING_VOICES_DIR`` setting or
environment variable) and the model files beside it::

    {"voices": [{
        "voice": "studio-ja-f1",
        "language": "ja",
        "name": "Studio voice F1",
        "version": "2026.1",
        "model_file": "ja_f1.onnx",
        "sha256": "<SHA-256 of model_file>",
        "command": ["piper", "--model", "{dir}/ja_f1.onnx", "--output_file", "-"],
        "draft": false
    }]}

Contract of ``command``: it reads the text (UTF-8) on standard input and writes a 16-bit
PCM WAV to standard output; ``{dir}`` is replaced by the manifest's folder. The model file's
checksum is verified before the voice is used, and it is what the AI model registry must
know the voice by (with the voice owner's consent recorded there). Nothing is fetched:
the command and its model must already be on the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from localization.engines.tts.base import (
    SpeechSynthesisError,
    Synthesis,
    VoiceIdentity,
)

ENGINE = "operator"
MANIFEST = "voices.json"
SETTING = "DUBBING_VOICES_DIR"
LANGUAGES = {"ko", "ja", "zh-Hans", "th"}
TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class OperatorVoice:
    identity: VoiceIdentity
    command: tuple[str, ...]
    model_file: Path


def voices_dir() -> Path | None:
    """The operator's voice folder: the Django setting, else the environment variable."""
    from django.conf import settings

    configured = (getattr(settings, SETTING, "") if settings.configured else "") or \
        os.environ.get(SETTING, "")
    return Path(configured) if configured else None


def read_manifest(directory: Path) -> list[OperatorVoice]:
    """The voices a manifest describes; a malformed manifest raises SpeechSynthesisError."""
    path = Path(directory) / MANIFEST
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["voices"]
        voices = []
        for entry in entries:
            if entry["language"] not in LANGUAGES:
                raise ValueError(f"language {entry['language']!r} is not one of {LANGUAGES}")
            command = tuple(str(part).replace("{dir}", str(directory))
                            for part in entry["command"])
            if not command:
                raise ValueError("empty command")
            identity = VoiceIdentity(
                engine=ENGINE, voice=str(entry["voice"]), language=entry["language"],
                model_name=f"{entry.get('name', entry['voice'])} {entry.get('version', '')}"
                .strip(),
                model_sha256=str(entry["sha256"]).strip().lower(),
                draft=bool(entry.get("draft", False)))
            voices.append(OperatorVoice(identity, command,
                                        Path(directory) / entry["model_file"]))
        return voices
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SpeechSynthesisError(_("The voice manifest %(path)s cannot be used: %(error)s")
                                   % {"path": path, "error": error}) from None


def installed_voices(directory: Path | None = None) -> list[VoiceIdentity]:
    directory = directory or voices_dir()
    if directory is None or not (Path(directory) / MANIFEST).is_file():
        return []
    return [voice.identity for voice in read_manifest(Path(directory))]


class OperatorEngine:
    def __init__(self, voice: str, directory: Path | None = None):
        from localization.engines.tts.kokoro_model import file_sha256

        directory = directory or voices_dir()
        if directory is None:
            raise SpeechSynthesisError(
                _("No operator voices are configured: set %(setting)s to a folder with a "
                  "voices.json manifest.") % {"setting": SETTING})
        matches = [entry for entry in read_manifest(Path(directory))
                   if entry.identity.voice == voice]
        if not matches:
            raise SpeechSynthesisError(_("The operator's voice manifest has no voice called "
                                         "%(voice)s.") % {"voice": voice})
        self.voice = matches[0]
        self.identity = self.voice.identity
        if not self.voice.model_file.is_file():
            raise SpeechSynthesisError(_("The model file %(path)s of voice %(voice)s is "
                                         "missing.") % {"path": self.voice.model_file,
                                                        "voice": voice})
        actual = file_sha256(self.voice.model_file)
        if actual != self.identity.model_sha256:
            raise SpeechSynthesisError(
                _("The model file of voice %(voice)s has SHA-256 %(actual)s, not the "
                  "%(expected)s its manifest states.")
                % {"voice": voice, "actual": actual[:12], "expected":
                   self.identity.model_sha256[:12]})

    def synthesize(self, text: str) -> Synthesis:
        from localization.engines.tts.espeak import read_wav_bytes

        if not text.strip():
            raise SpeechSynthesisError(_("There is no text to speak."))
        try:
            completed = subprocess.run(list(self.voice.command), input=text.encode("utf-8"),
                                       capture_output=True, timeout=TIMEOUT_SECONDS,
                                       check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SpeechSynthesisError(_("The voice command of %(voice)s failed: %(error)s")
                                       % {"voice": self.identity.voice, "error": error}
                                       ) from None
        if completed.returncode != 0 or not completed.stdout:
            raise SpeechSynthesisError(
                _("The voice command of %(voice)s failed: %(error)s")
                % {"voice": self.identity.voice,
                   "error": completed.stderr.decode("utf-8", "replace")[-300:]})
        try:
            return read_wav_bytes(completed.stdout)
        except (EOFError, wave.Error) as error:
            raise SpeechSynthesisError(_("The voice command of %(voice)s did not write a WAV: "
                                         "%(error)s") % {"voice": self.identity.voice,
                                                         "error": error}) from None
