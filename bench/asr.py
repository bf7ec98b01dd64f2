"""Print the speed, accuracy and peak memory of speech recognition (faster-whisper).

    .venv/bin/python bench/asr.py [--clip FILE --language ko] [--repeat 3] [--runs 1]
        [--reference FILE] [--only NAME] [--option NAME=VALUE]

Without --clip, the Korean demo clip is repeated three times (83 s of speech). In the
same run, the platform's engine and plain faster-whisper are measured:

- ``platform``: what a transcription job does (localization.transcription.recognition.
  transcribe_wav with EngineConfig.from_settings(): the WHISPER_* settings, read from
  the environment as a worker reads them; batched 10 s windows, VAD, word timestamps,
  no conditioning on the previous window). ``platform-cpu-float32`` changes only the
  compute type.
- ``plain-sequential``: WhisperModel.transcribe with faster-whisper's defaults, plus
  beam 5, word timestamps and VAD (temperature fallback, conditioning on the previous
  text).
- ``plain-batched8`` / ``plain-batched16``: BatchedInferencePipeline.transcribe with its
  defaults (30 s windows, VAD on), plus beam 5 and word timestamps.

Each configuration runs in its own process, so peak memory (max RSS) is that
configuration's alone: the model is loaded, a short warm-up runs, then the whole clip is
transcribed --runs times and timed; the median is printed. Real-time factor (RTF) =
seconds of compute per second of audio, lower is better. CER = character error rate of
the recognized words against the reference transcript (by default the clip's sibling
.txt, repeated --repeat times), after localization.transcription.accuracy's
normalization. Every configuration seeds CTranslate2's sampling the same way
(WHISPER_SEED), so a run repeats. --option NAME=VALUE (JSON value) is passed to the
plain rows' transcribe(), e.g. --option chunk_length=10 or --option word_timestamps=false,
to price one setting (without word timestamps, the words column counts segments). CUDA
rows appear when a GPU is present. Figures only; no test asserts a time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
DEMO_CLIP = ROOT / "localization" / "demo_media" / "korean-demo.ogg"
MODEL = Path(sys.prefix) / "share" / "kip-models" / "whisper-base-ct2"
WARM_UP_SECONDS = 5


@dataclasses.dataclass(frozen=True)
class Configuration:
    kind: str  # platform, sequential or batched
    device: str | None = None  # None: the platform's settings decide
    compute_type: str | None = None
    batch_size: int = 1


CONFIGURATIONS = {
    "platform": Configuration("platform"),
    "platform-cpu-float32": Configuration("platform", "cpu", "float32"),
    "plain-sequential-cpu-int8": Configuration("sequential", "cpu", "int8"),
    "plain-sequential-cpu-float32": Configuration("sequential", "cpu", "float32"),
    "plain-batched8-cpu-int8": Configuration("batched", "cpu", "int8", 8),
    "plain-batched8-cpu-float32": Configuration("batched", "cpu", "float32", 8),
    "plain-batched16-cpu-int8": Configuration("batched", "cpu", "int8", 16),
    "plain-batched16-cpu-float32": Configuration("batched", "cpu", "float32", 16),
    "platform-cuda-int8": Configuration("platform", "cuda", "int8_float16"),
    "plain-sequential-cuda-float16": Configuration("sequential", "cuda", "float16"),
    "plain-batched8-cuda-float16": Configuration("batched", "cuda", "float16", 8),
    "plain-batched16-cuda-float16": Configuration("batched", "cuda", "float16", 16),
}


def platform_settings():
    """Django settings holding the WHISPER_* values of config/settings/base.py (with the
    environment's overrides), without the rest of the project's configuration."""
    from django.conf import settings

    if not settings.configured:
        from config.settings import base

        settings.configure(**{name: getattr(base, name) for name in dir(base)
                              if name.startswith("WHISPER_")})
    return settings


def load_samples(path: Path, repeat: int):
    import numpy as np

    from localization.media import decoding as media

    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "audio.wav"
        media.extract_audio(path, wav)
        samples = media.read_audio(wav)
    return np.concatenate([samples] * repeat)


def write_wav(samples, path: Path) -> None:
    """The 16 kHz mono 16-bit WAV a job's audio extraction writes: read back with
    localization.media.decoding.read_audio, the samples come back exactly."""
    import numpy as np

    from localization.engines import asr

    with wave.open(str(path), "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(asr.SAMPLE_RATE)
        output.writeframes(np.clip(np.round(samples * 32768), -32768, 32767)
                           .astype("<i2").tobytes())


def platform_recognizer(configuration: Configuration, model: Path, language: str,
                        folder: Path):
    """(description, load, prepare) for the platform's engine, as a job calls it:
    prepare(samples) writes them as a job's extracted WAV and returns the recognition."""
    from localization.engines import asr
    from localization.transcription.recognition import transcribe_wav

    settings = platform_settings()
    config = asr.EngineConfig.from_settings()
    config = dataclasses.replace(
        config, model_path=str(model),
        device=configuration.device or config.device,
        compute_type=configuration.compute_type or config.compute_type).resolved()
    window = f"{asr.BATCH_WINDOW_SECONDS} s windows" if config.batch_size > 1 else "sequential"
    description = (f"{config.device} {config.compute_type}, batch {config.batch_size}, "
                   f"{window}, beam {config.beam_size}")

    def prepare(samples):
        wav = folder / f"audio-{len(samples)}.wav"
        write_wav(samples, wav)
        return lambda: [word.text for word in transcribe_wav(
            wav, config=config, language=language, chunk_seconds=settings.WHISPER_CHUNK_SECONDS)]

    return description, lambda: asr.load_model(config), prepare


def plain_recognizer(configuration: Configuration, model: Path, language: str,
                     options: dict):
    """(description, load, prepare) for faster-whisper used directly."""
    import ctranslate2
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    # Seeded as the platform seeds it, so plain decoding's sampling repeats too.
    seed = platform_settings().WHISPER_SEED
    options = {"language": language, "beam_size": 5, "word_timestamps": True,
               "vad_filter": True, **options}
    loaded = {}

    def load():
        if seed >= 0:
            ctranslate2.set_random_seed(seed)
        loaded["model"] = WhisperModel(str(model), device=configuration.device,
                                       compute_type=configuration.compute_type,
                                       cpu_threads=os.cpu_count() or 1)

    def recognize(samples):
        model = loaded["model"]
        if configuration.kind == "batched":
            segments, _info = BatchedInferencePipeline(model).transcribe(
                samples, batch_size=configuration.batch_size, **options)
        else:
            segments, _info = model.transcribe(samples, **options)
        segments = list(segments)
        if not options["word_timestamps"]:  # priced with --option word_timestamps=false
            return [segment.text for segment in segments]
        return [word.word for segment in segments for word in segment.words or ()]

    window = options.get("chunk_length") or 30
    how = (f"batch {configuration.batch_size}, {window} s windows"
           if configuration.kind == "batched" else "sequential")
    description = f"{configuration.device} {configuration.compute_type}, {how}"
    return description, load, lambda samples: lambda: recognize(samples)


def run_one(name: str, clip: Path, language: str, repeat: int, runs: int, model: Path,
            reference: str | None, options: dict) -> dict:
    """Runs in a child process: one configuration, ``runs`` timed transcriptions."""
    from localization.engines import asr
    from localization.transcription.accuracy import character_error_rate

    configuration = CONFIGURATIONS[name]
    samples = load_samples(clip, repeat)
    duration = len(samples) / asr.SAMPLE_RATE
    with tempfile.TemporaryDirectory() as folder:
        if configuration.kind == "platform":
            description, load, prepare = platform_recognizer(configuration, model,
                                                             language, Path(folder))
        else:
            description, load, prepare = plain_recognizer(configuration, model, language,
                                                          options)
        started = time.perf_counter()
        load()
        load_seconds = time.perf_counter() - started
        warm_up, recognize = prepare(samples[: WARM_UP_SECONDS * asr.SAMPLE_RATE]), prepare(samples)
        warm_up()
        timings, error_rates, word_counts = [], [], []
        for _run in range(runs):
            started = time.perf_counter()
            words = recognize()
            timings.append(time.perf_counter() - started)
            word_counts.append(len(words))
            if reference is not None:
                error_rates.append(character_error_rate(reference, "".join(words)))
    seconds = statistics.median(timings)
    return {"name": name, "description": description, "audio_seconds": round(duration, 1),
            "seconds": round(seconds, 2), "rtf": round(seconds / duration, 3),
            "seconds_range": [round(min(timings), 2), round(max(timings), 2)],
            "cer": round(statistics.median(error_rates), 3) if error_rates else None,
            "words": round(statistics.median(word_counts)),
            "load_seconds": round(load_seconds, 2),
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


def option(text: str) -> tuple[str, object]:
    name, _equals, value = text.partition("=")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=DEMO_CLIP)
    parser.add_argument("--language", default="ko")
    parser.add_argument("--repeat", type=int, default=3, help="times the clip is repeated")
    parser.add_argument("--runs", type=int, default=1,
                        help="timed transcriptions per configuration; the median is printed")
    parser.add_argument("--reference", type=Path,
                        help="the clip's transcript (default: the clip's sibling .txt)")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--only", action="append", choices=list(CONFIGURATIONS))
    parser.add_argument("--option", action="append", type=option, default=[],
                        metavar="NAME=VALUE", help="passed to the plain rows' transcribe()")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    reference_path = arguments.reference or arguments.clip.with_suffix(".txt")
    reference = None
    if reference_path.is_file():
        once = reference_path.read_text(encoding="utf-8").strip()
        reference = "\n".join([once] * arguments.repeat)
    elif arguments.reference:
        parser.error(f"no reference transcript at {reference_path}")
    if arguments.child:
        print(json.dumps(run_one(arguments.child, arguments.clip, arguments.language,
                                 arguments.repeat, arguments.runs, arguments.model, reference,
                                 dict(arguments.option))))
        return

    gpu = gpu_name()
    names = arguments.only or [name for name in CONFIGURATIONS
                               if gpu or "cuda" not in name]
    print(f"model {arguments.model.name}, clip {arguments.clip.name} x{arguments.repeat}, "
          f"language {arguments.language}, {os.cpu_count()} CPU cores"
          + (f", GPU {gpu}" if gpu else ", no GPU")
          + (f", reference {reference_path.name}" if reference else ", no reference")
          + (f", median of {arguments.runs} runs" if arguments.runs > 1 else "")
          + (f", plain options {dict(arguments.option)}" if arguments.option else ""))
    print(f"{'configuration':<29} {'audio s':>7} {'compute s':>9} {'RTF':>6} {'CER':>6} "
          f"{'words':>5} {'peak MiB':>8} {'load s':>6}  setup")
    command = [sys.executable, __file__, "--clip", str(arguments.clip),
               "--language", arguments.language, "--repeat", str(arguments.repeat),
               "--runs", str(arguments.runs), "--model", str(arguments.model)]
    if reference:
        command += ["--reference", str(reference_path)]
    for name, value in arguments.option:
        command += ["--option", f"{name}={json.dumps(value)}"]
    for name in names:
        completed = subprocess.run([*command, "--child", name], capture_output=True,
                                   text=True, cwd=ROOT)
        if completed.returncode != 0:
            print(f"{name:<29} failed: {completed.stderr.strip().splitlines()[-1:]}")
            continue
        row = json.loads(completed.stdout.strip().splitlines()[-1])
        cer = "-" if row["cer"] is None else f"{row['cer']:.3f}"
        setup = row["description"] + (f" ({gpu})" if "cuda" in row["description"] else "")
        print(f"{name:<29} {row['audio_seconds']:>7} {row['seconds']:>9} {row['rtf']:>6.3f} "
              f"{cer:>6} {row['words']:>5} {row['peak_rss_mib']:>8} "
              f"{row['load_seconds']:>6}  {setup}")


if __name__ == "__main__":
    main()
