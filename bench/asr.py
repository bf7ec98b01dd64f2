"""Print the real-time factor and peak memory of speech recognition (faster-whisper).

    .venv/bin/python bench/asr.py [--clip FILE --language ko] [--repeat 3] [--only NAME]

Without --clip, the Korean demo clip is repeated three times (83 s of speech, the
length the issue's reference figures used). Each configuration runs in its own
process, so peak memory (max RSS) is that configuration's alone: the model is loaded,
a short warm-up runs, then the whole clip is transcribed (VAD, beam 5, word
timestamps, as the platform's jobs do) and timed. Real-time factor = seconds of
compute per second of audio; lower is better. CUDA rows appear when a GPU is present.
Figures only; no test asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
DEMO_CLIP = ROOT / "localization" / "demo_media" / "korean-demo.ogg"
MODEL = Path(sys.prefix) / "share" / "kip-models" / "whisper-base-ct2"

CONFIGURATIONS = {
    "cpu-int8-batched": ("cpu", "int8", 8),
    "cpu-int8-plain": ("cpu", "int8", 1),
    "cpu-float32-batched": ("cpu", "float32", 8),
    "cpu-float32-plain": ("cpu", "float32", 1),
    "cuda-float16-batched": ("cuda", "float16", 8),
    "cuda-float16-plain": ("cuda", "float16", 1),
    "cuda-int8-batched": ("cuda", "int8_float16", 8),
}


def load_samples(path: Path, repeat: int):
    import numpy as np

    from localization.media import decoding as media

    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "audio.wav"
        media.extract_audio(path, wav)
        samples = media.read_audio(wav)
    return np.concatenate([samples] * repeat)


def run_one(name: str, clip: Path, language: str, repeat: int, model: Path) -> dict:
    """Runs in a child process: one configuration, one measurement."""
    from localization.engines import asr

    device, compute_type, batch_size = CONFIGURATIONS[name]
    samples = load_samples(clip, repeat)
    duration = len(samples) / asr.SAMPLE_RATE
    config = asr.EngineConfig(str(model), device=device, compute_type=compute_type,
                              beam_size=5, batch_size=batch_size)
    started = time.perf_counter()
    asr.load_model(config)
    load_seconds = time.perf_counter() - started
    list(asr.transcribe(samples[: 5 * asr.SAMPLE_RATE], config=config, language=language))
    started = time.perf_counter()
    words = list(asr.transcribe(samples, config=config, language=language))
    elapsed = time.perf_counter() - started
    return {"name": name, "audio_seconds": round(duration, 1), "seconds": round(elapsed, 2),
            "rtf": round(elapsed / duration, 3), "load_seconds": round(load_seconds, 2),
            "words": len(words),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def gpu_name() -> str | None:
    from localization.engines import asr

    if not asr.cuda_available():
        return None
    try:
        return subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "CUDA GPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=DEMO_CLIP)
    parser.add_argument("--language", default="ko")
    parser.add_argument("--repeat", type=int, default=3, help="times the clip is repeated")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--only", action="append", choices=sorted(CONFIGURATIONS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(run_one(arguments.child, arguments.clip, arguments.language,
                                 arguments.repeat, arguments.model)))
        return

    gpu = gpu_name()
    names = arguments.only or [name for name in CONFIGURATIONS
                               if gpu or not name.startswith("cuda")]
    print(f"model {arguments.model.name}, clip {arguments.clip.name} x{arguments.repeat}, "
          f"language {arguments.language}, {os.cpu_count()} CPU cores"
          + (f", GPU {gpu}" if gpu else ", no GPU"))
    print(f"{'configuration':<22} {'audio s':>8} {'compute s':>10} {'RTF':>7} "
          f"{'peak MiB':>9} {'load s':>7} {'words':>6}")
    for name in names:
        completed = subprocess.run(
            [sys.executable, __file__, "--child", name, "--clip", str(arguments.clip),
             "--language", arguments.language, "--repeat", str(arguments.repeat),
             "--model", str(arguments.model)],
            capture_output=True, text=True, cwd=ROOT)
        if completed.returncode != 0:
            print(f"{name:<22} failed: {completed.stderr.strip().splitlines()[-1:]}")
            continue
        row = json.loads(completed.stdout.strip().splitlines()[-1])
        device = f" ({gpu})" if name.startswith("cuda") else ""
        print(f"{name:<22} {row['audio_seconds']:>8} {row['seconds']:>10} {row['rtf']:>7} "
              f"{row['peak_rss_mib']:>9} {row['load_seconds']:>7} {row['words']:>6}{device}")


if __name__ == "__main__":
    main()
