"""Who is speaking in a transcription job: diarization after recognition, on the worker
that recognized the speech (the ``gpu`` queue), and the speaker of every word.

The diarization models pass the licensing gate like every other model: both must be in
the registry with the checksum of the installed file and approved by an agreement
covering the title. When they are not (or DIARIZATION is off) the transcript has no
speakers and the job says why; the transcription itself goes on.

A job in one task diarizes its whole audio; a job in parallel chunks finds each chunk's
speaker regions with the chunk and clusters all of them when the chunks are joined, so
a speaker keeps one label through the film.
"""

from __future__ import annotations

import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from coprod.registry import gate as registry
from coprod.registry.models import AIModel
from localization.checksums import cached_file_sha256
from localization.engines import diarization
from localization.runs.metering import model_used
from localization.subtitles.segmentation import Word
from localization.transcription.models import LocalizationJob

SPEAKER_LABEL = "Speaker {number}"


def diarization_refusal(title) -> str:
    """Why diarization may not run on ``title`` ("" when it may); the models it will use
    are recorded on the task's meter."""
    if not settings.DIARIZATION:
        return _("Speaker diarization is off (DIARIZATION).")
    labels = []
    try:
        for path in (diarization.segmentation_model_path(),
                     diarization.embedding_model_path()):
            clearance = registry.model_use_check(
                title=title, sha256=cached_file_sha256(path),
                kind=AIModel.Kind.SPEAKER_DIARIZATION)
            labels.append(clearance.label)
    except diarization.DiarizationError as error:
        return str(error)
    except registry.ModelNotApproved as error:
        return _("Speakers were not detected: %(reason)s") % {"reason": error}
    for label in labels:
        model_used(label)
    return ""


def wav_samples(path: Path, *, start_ms: int = 0, end_ms: int | None = None) -> np.ndarray:
    """16 kHz mono 16-bit WAV (as ``extract_audio`` writes it) as float32 samples."""
    with wave.open(str(path), "rb") as reader:
        if (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) != (
                diarization.SAMPLE_RATE, 1, 2):
            raise diarization.DiarizationError("Diarization reads 16 kHz mono 16-bit WAV.")
        first = start_ms * diarization.SAMPLE_RATE // 1000
        reader.setpos(min(first, reader.getnframes()))
        count = reader.getnframes() - reader.tell() if end_ms is None else (
            (end_ms - start_ms) * diarization.SAMPLE_RATE // 1000)
        data = reader.readframes(max(count, 0))
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def regions_of_wav(path: Path, *, offset_ms: int = 0, window_offset: int = 0,
                   keep: tuple[int, int] | None = None) -> list[diarization.Region]:
    """The speaker regions of a WAV file placed at ``offset_ms`` in its media; with
    ``keep``, only those centred in that range (a chunk's own part of the media)."""
    found = diarization.regions(wav_samples(path), offset_ms=offset_ms,
                                window_offset=window_offset,
                                threads=settings.WHISPER_CPU_THREADS)
    if keep is None:
        return found
    start, end = keep
    return [region for region in found
            if start <= (region.start_ms + region.end_ms) // 2 < end]


def speaker_words(words: list[Word], result: diarization.Diarization) -> list[Word]:
    """Each word with the label of the speaker who says it (by its time)."""
    labelled = []
    for word in words:
        speaker = result.speaker_at(word.start_ms, max(word.end_ms, word.start_ms + 1))
        label = "" if speaker is None else SPEAKER_LABEL.format(number=speaker + 1)
        labelled.append(Word(word.start_ms, word.end_ms, word.text, label))
    return labelled


def diarized_words(words: list[Word], found: list[diarization.Region], *,
                   requested: int | None) -> tuple[list[Word], int]:
    """The words with their speakers, and how many speakers there are."""
    result = diarization.cluster(found, num_speakers=requested,
                                 threshold=settings.DIARIZATION_THRESHOLD)
    return speaker_words(words, result), result.speakers


def job_words_with_speakers(job: LocalizationJob, words: list[Word],
                            regions_of: Callable[[], list[diarization.Region]],
                            timings: dict) -> list[Word]:
    """The job's words with their speakers when diarization may run (``regions_of`` gives
    the media's speaker regions); otherwise the words as they are, and the job says why."""
    refusal = diarization_refusal(job.media.title)
    if refusal:
        return _without_speakers(job, words, refusal)
    started = time.monotonic()
    try:
        found = regions_of()
        if not found:
            return _without_speakers(job, words, _("Speakers were not detected in this media."))
        labelled, count = diarized_words(words, found, requested=job.speakers_requested)
    except diarization.DiarizationError as error:
        return _without_speakers(job, words, _("Speakers were not detected: %(reason)s")
                                 % {"reason": error})
    timings["diarizing"] = round(time.monotonic() - started, 2)
    LocalizationJob.objects.filter(pk=job.pk).update(speaker_count=count, diarization_note="")
    return labelled


def _without_speakers(job: LocalizationJob, words: list[Word], reason: str) -> list[Word]:
    LocalizationJob.objects.filter(pk=job.pk).update(speaker_count=None,
                                                     diarization_note=reason[:500])
    return words
