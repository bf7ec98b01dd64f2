"""Speech recognition with faster-whisper (CTranslate2): a thin adapter.

The model is loaded once per process and kept in a module-level cache, so a worker
pays the load once, not once per task. Audio comes in as 16 kHz mono float32 samples
(localization.media decodes it; faster-whisper's own decoder is not used).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000
# Speech is cut (by voice activity) into windows of at most this many seconds for the
# batched pipeline; see transcribe().
BATCH_WINDOW_SECONDS = 10


@dataclass(frozen=True)
class EngineConfig:
    model_path: str
    device: str = "auto"  # auto, cpu or cuda
    compute_type: str = "auto"  # auto: float16 on CUDA, int8 on CPU
    beam_size: int = 5
    batch_size: int = 8  # 1: plain sequential decoding
    cpu_threads: int = 0
    # Seed of the sampling in plain decoding's temperature fallback; negative: random.
    seed: int = 0

    @classmethod
    def from_settings(cls) -> EngineConfig:
        from django.conf import settings

        return cls(model_path=settings.WHISPER_MODEL_PATH, device=settings.WHISPER_DEVICE,
                   compute_type=settings.WHISPER_COMPUTE_TYPE,
                   beam_size=settings.WHISPER_BEAM_SIZE, batch_size=settings.WHISPER_BATCH_SIZE,
                   cpu_threads=settings.WHISPER_CPU_THREADS, seed=settings.WHISPER_SEED)

    def resolved(self) -> EngineConfig:
        device = self.device
        if device == "auto":
            device = "cuda" if cuda_available() else "cpu"
        compute_type = self.compute_type
        if compute_type == "auto":
            compute_type = "float16" if device == "cuda" else "int8"
        cpu_threads = self.cpu_threads or (os.cpu_count() or 1)
        return EngineConfig(self.model_path, device, compute_type, self.beam_size,
                            self.batch_size, cpu_threads, self.seed)


@dataclass(frozen=True)
class RecognizedWord:
    start: float  # seconds
    end: float
    text: str
    probability: float


class ModelMissing(RuntimeError):
    pass


def cuda_available() -> bool:
    import ctranslate2

    try:
        return ctranslate2.get_cuda_device_count() > 0
    except Exception:  # a CPU-only build may raise instead of answering 0
        return False


_models: dict[EngineConfig, object] = {}
_lock = threading.Lock()


def load_model(config: EngineConfig):
    """The WhisperModel for ``config``, loaded on first use in this process."""
    config = config.resolved()
    with _lock:
        if config not in _models:
            from faster_whisper import WhisperModel

            if not (Path(config.model_path) / "model.bin").is_file():
                raise ModelMissing(
                    f"No Whisper model in {config.model_path}; run "
                    "`python -m localization.engines.whisper_model` or set WHISPER_MODEL_PATH"
                )
            if config.seed >= 0:
                # When a window's text is too repetitive or too unlikely, plain decoding
                # falls back to sampling at rising temperatures and keeps the likeliest
                # result. CTranslate2 seeds each decoding thread's generator once, when it
                # first samples, from the seed set last (else from the system's entropy):
                # set here, the new model's sampling is the same in every process, so a
                # worker gives the same words for the same media and the same job order.
                import ctranslate2

                ctranslate2.set_random_seed(config.seed)
            _models[config] = WhisperModel(config.model_path, device=config.device,
                                           compute_type=config.compute_type,
                                           cpu_threads=config.cpu_threads)
        return _models[config]


def loaded_model_count() -> int:
    return len(_models)


def transcribe(audio: np.ndarray, *, config: EngineConfig, language: str,
               on_progress: Callable[[float], None] | None = None) -> Iterator[RecognizedWord]:
    """Recognize speech in ``audio``; yield words with times relative to its start.

    Voice-activity filtering drops silence and music before decoding; word timestamps
    come from the model's cross-attention alignment.
    """
    config = config.resolved()
    model = load_model(config)
    duration = len(audio) / SAMPLE_RATE
    options = {"language": language, "beam_size": config.beam_size, "word_timestamps": True,
               "vad_filter": True, "condition_on_previous_text": False}
    if config.batch_size > 1:
        from faster_whisper import BatchedInferencePipeline

        # The batched pipeline (faster-whisper 1.2.1) has no temperature fallback, and
        # in a full 30 s window it often stops after the first sentence or two: most of
        # the speech is lost without a word. Decoding with timestamp tokens does not
        # cure it on every clip; short windows do (tests/localization/test_jobs.py).
        segments, _info = BatchedInferencePipeline(model).transcribe(
            audio, batch_size=config.batch_size, chunk_length=BATCH_WINDOW_SECONDS, **options)
    else:
        segments, _info = model.transcribe(audio, **options)
    for segment in segments:
        for word in segment.words or ():
            yield RecognizedWord(float(word.start), float(word.end), word.word,
                                 float(word.probability))
        if on_progress and duration:
            on_progress(min(float(segment.end) / duration, 1.0))
