"""Print the wall-clock time of one long transcription job on one and on two GPU-queue
workers (parallel chunks, WHISPER_PARALLEL_CHUNK_SECONDS).

    .venv/bin/python bench/asr_parallel.py [--minutes 20] [--workers 1 2] [--one-task]

A clip of ``--minutes`` is made by repeating the Korean demo clip; the platform runs on
an embedded PostgreSQL and the file-system broker (the README's first command), with
real Celery workers on the ``gpu`` queue. Each worker first transcribes the demo clip
once (the model load and warm-up), then the long job is queued and timed from the
upload to its track. The machine's cores are shared out between the workers
(WHISPER_CPU_THREADS), as GPUs would be one per worker; ``--one-task`` adds a row with
the job in one task (no chunks). Figures only; no test asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.demo_platform import demo_platform  # noqa: E402

DEMO_CLIP = ROOT / "localization" / "demo_media" / "korean-demo.ogg"


def long_wav(folder: Path, minutes: float) -> Path:
    import numpy as np

    from localization.media import decoding

    once = folder / "once.wav"
    decoding.extract_audio(DEMO_CLIP, once)
    samples = (decoding.read_audio(once) * 32767).astype(np.int16)
    repeat = int(np.ceil(minutes * 60 * decoding.SAMPLE_RATE / len(samples)))
    target = folder / f"korean-{minutes:g}min.wav"
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(decoding.SAMPLE_RATE)
        for _ in range(repeat):
            out.writeframes(samples.tobytes())
    return target


@contextlib.contextmanager
def workers(count: int, env: dict, folder: Path, chunk_seconds: int):
    threads = max(1, (os.cpu_count() or 1) // count)
    processes = []
    for number in range(count):
        log = (folder / f"worker-{count}-{number}.log").open("wb")
        worker_env = dict(env, WHISPER_CPU_THREADS=str(threads),
                          WHISPER_PARALLEL_CHUNK_SECONDS=str(chunk_seconds))
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "gpu",
             "--concurrency", "1", "--prefetch-multiplier", "1", "--loglevel", "WARNING",
             "--hostname", f"bench{number}@%h", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=worker_env, stdout=log, stderr=subprocess.STDOUT))
    try:
        yield threads
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)


def run_jobs(title, path: Path, count: int = 1) -> tuple[float, list]:
    """Upload ``path`` ``count`` times at once; the seconds until every job ended."""
    from django.core.files.uploadedfile import UploadedFile

    from localization.transcription import services
    from localization.transcription.models import LocalizationJob

    started = time.perf_counter()
    ids = []
    for _ in range(count):
        with path.open("rb") as handle:
            _asset, job = services.media_transcribe(
                title=title, uploaded_file=UploadedFile(handle, name=path.name,
                                                        size=path.stat().st_size))
        ids.append(job.pk)
    while True:
        jobs = list(LocalizationJob.objects.filter(pk__in=ids))
        if all(job.state not in LocalizationJob.ACTIVE_STATES for job in jobs):
            return time.perf_counter() - started, jobs
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--chunk-seconds", type=int, default=300)
    parser.add_argument("--one-task", action="store_true",
                        help="also time the job in one task on one worker")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-asr-parallel-") as folder:
        folder = Path(folder)
        env = demo_platform(folder)
        from coprod.catalog.models import Title
        from localization.management.commands.seed_localization_demo import DEMO_TITLE

        title = Title.objects.get(original_title=DEMO_TITLE)
        clip = long_wav(folder, arguments.minutes)
        seconds = arguments.minutes * 60
        print(f"{arguments.minutes:g}-minute clip (the Korean demo repeated), Whisper base, "
              f"{os.cpu_count()} cores; chunks of about {arguments.chunk_seconds} s")
        print("| workers | threads each | chunks | wall clock | wall / audio | chunks per worker |")
        print("|---|---|---|---|---|---|")
        rows = [(count, arguments.chunk_seconds) for count in arguments.workers]
        if arguments.one_task:
            rows.insert(0, (1, 0))
        for count, chunk_seconds in rows:
            with workers(count, env, folder, chunk_seconds) as threads:
                run_jobs(title, DEMO_CLIP, count)  # each worker loads the model
                wall, [job] = run_jobs(title, clip)
            if job.state != "done":
                raise SystemExit(f"the job ended {job.state}: {job.error}")
            spread = sorted(job.chunks.values_list("worker", flat=True))
            per_worker = ", ".join(str(spread.count(name)) for name in sorted(set(spread)))
            label = f"{count} (one task)" if not chunk_seconds else str(count)
            print(f"| {label} | {threads} | {job.chunk_count or 1} | {wall:.0f} s | "
                  f"{wall / seconds:.3f} | {per_worker or '—'} |", flush=True)


if __name__ == "__main__":
    main()
