"""Measuring what each pipeline task uses, and recording it with its cost.

``run_guarded`` (``localization.runs.lifecycle``) runs every task's work inside
``measure()``; when the work ends, however it ends, the attempt is recorded through
``coprod.compute.services.usage_record``, which prices it at the site's prices in force.

What is measured, for the process that ran the task (a Celery prefork child runs one task
at a time, so the process's figures are the task's):

- wall time (``time.perf_counter``);
- CPU seconds: user and system time of every thread of the process, plus the child
  processes it waited for (``resource.getrusage``);
- peak memory: the resident set's high-water mark, reset when the task starts (Linux
  ``/proc/self/clear_refs``); elsewhere the process's lifetime peak;
- on a GPU (when the work says so with ``device_used("cuda")``): the time it held the card
  and the energy the card reports through NVML (``localization.engines.gpu``);
- energy without a counter: CPU seconds times COMPUTE_CPU_WATTS_PER_CORE, marked as an
  estimate;
- the models the work used (``model_used``), and the media it processed (the run kind's
  ``usage`` function).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from config.metrics import metrics
from coprod.compute.services import usage_record as record
from localization.engines import gpu

logger = logging.getLogger(__name__)

_current: contextvars.ContextVar[Measurement | None] = contextvars.ContextVar(
    "compute_measurement", default=None)

_CLEAR_REFS = Path("/proc/self/clear_refs")
_STATUS = Path("/proc/self/status")


@dataclass(frozen=True)
class UsageSubject:
    """What a run worked on, for the roll-ups: its stage, title, episode and language, the
    media file (``content_key``, counted once per group, and its length) and how many
    seconds of it this task processed."""

    stage: str
    title: object
    language: str = ""
    episode: str = ""
    content_key: str = ""
    content_seconds: float = 0.0
    media_seconds: float = 0.0


def media_subject(stage: str, media, *, language: str = "", title=None,
                  media_seconds: float | None = None) -> UsageSubject:
    """The subject of a run over one media file (or over a title without one)."""
    if media is None:
        return UsageSubject(stage=stage, title=title, language=language)
    seconds = media.duration_ms / 1000
    return UsageSubject(
        stage=stage, title=title or media.title, language=language,
        episode=media.episode_label, content_key=f"{media._meta.label_lower}:{media.pk}",
        content_seconds=seconds, media_seconds=seconds if media_seconds is None else
        media_seconds)


def track_subject(stage: str, track, *, language: str | None = None) -> UsageSubject:
    """The subject of a run over a subtitle track: the media it was made from (or its
    source track's), in the track's language."""
    media = track.media
    if media is None and track.source_track_id is not None:
        media = track.source_track.media
    return media_subject(stage, media, language=track.language if language is None
                         else language, title=track.title)


@dataclass
class Measurement:
    started_at: object = None
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_memory_bytes: int = 0
    device: str = "cpu"
    gpu_name: str = ""
    gpu_seconds: float = 0.0
    gpu_energy_joules: float | None = None
    cpu_energy_joules: float = 0.0
    energy_note: str = ""
    models: list[str] = field(default_factory=list)
    # What the meter itself took: its readings, and writing the priced record.
    overhead_seconds: float = 0.0
    record_seconds: float = 0.0


def model_used(label: str) -> None:
    """Note a model the running task used (its name and version), for its record."""
    measurement = _current.get()
    if measurement is not None and label and label not in measurement.models:
        measurement.models.append(label)


def device_used(device: str) -> None:
    """Say which device the running task computed on (``cuda`` or ``cpu``)."""
    measurement = _current.get()
    if measurement is not None:
        measurement.device = device


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _reset_peak() -> bool:
    try:
        _CLEAR_REFS.write_text("5")  # 5: reset the peak resident set size to the current
        return True
    except OSError:
        return False


def _peak_bytes(reset: bool) -> int:
    if reset:
        try:
            for line in _STATUS.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes


@contextlib.contextmanager
def measure() -> Iterator[Measurement]:
    """Measure the block; the figures are in the yielded ``Measurement`` once it ends
    (also when it raises)."""
    setup = time.perf_counter()
    measurement = Measurement(started_at=timezone.now())
    meter = gpu.gpu_meter() if settings.COMPUTE_NVML else None
    reset = _reset_peak()
    gpu_before = meter.read() if meter is not None else None
    token = _current.set(measurement)
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    measurement.overhead_seconds = started - setup
    try:
        yield measurement
    finally:
        ended = time.perf_counter()
        measurement.cpu_seconds = max(0.0, _cpu_seconds() - cpu_before)
        measurement.wall_seconds = ended - started
        _current.reset(token)
        measurement.peak_memory_bytes = _peak_bytes(reset)
        watts = settings.COMPUTE_CPU_WATTS_PER_CORE
        measurement.cpu_energy_joules = measurement.cpu_seconds * watts
        note = f"CPU estimated at {watts:g} W per busy core"
        if measurement.device == "cuda" and meter is not None and gpu_before is not None:
            gpu_after = meter.read()
            measurement.gpu_name = gpu_after.name
            measurement.gpu_seconds = measurement.wall_seconds
            measurement.gpu_energy_joules = meter.joules_between(gpu_before, gpu_after)
            how = ("power sampled before and after" if gpu_after.sampled
                   else "energy counter")
            note = f"GPU measured by NVML ({how}); {note}"
        elif measurement.device == "cuda":
            note = f"GPU used but not readable through NVML; {note}"
        measurement.energy_note = note
        measurement.overhead_seconds += time.perf_counter() - ended


def outcome_of(kind, claimed, run) -> str:
    """How an attempt ended, from the run as it is after the work: done (or handed on, as a
    job split into chunks), failed, or stopped (cancelled or requeued meanwhile)."""
    states = kind.states
    if run is None:
        return "stopped"
    if run.state == states.FAILED:
        return "failed"
    if run.state == states.DONE:
        return "done"
    if run.state == states.CANCELLED or run.task_id != claimed.task_id:
        return "stopped"
    return "done"


def lost_attempt_record(kind, run) -> None:
    """Record the attempt of a run whose worker died (it is being put back in the queue):
    only the time it held the run is known, from its start to its last heartbeat, so the
    row is marked lost and left unpriced. Called in the requeue's transaction."""
    if kind.usage is None or run.started_at is None:
        return
    subject = kind.usage(run)
    if subject.title is None:
        return
    held = max(0.0, ((run.heartbeat_at or run.started_at) - run.started_at).total_seconds())
    record(run_type=run._meta.label_lower, run_id=run.pk, task=kind.key, stage=subject.stage,
           attempt=max(1, run.attempts), outcome="lost", title=subject.title,
           episode=subject.episode, language=subject.language,
           content_key=subject.content_key, content_seconds=subject.content_seconds,
           media_seconds=0, worker=run.worker, site=settings.COMPUTE_SITE,
           started_at=run.started_at, wall_seconds=held, cpu_seconds=0, peak_memory_bytes=0,
           cpu_energy_joules=0,
           energy_note="The worker died: only the time it held the run (to its last "
                       "heartbeat) is known; CPU, memory and energy were not measured.")


def usage_record(kind, claimed, run, measurement: Measurement,
                 subject_of: Callable[[object], UsageSubject]) -> None:
    """Record the attempt. Never fails the run: a record that cannot be written is logged."""
    started = time.perf_counter()
    try:
        subject = subject_of(run if run is not None else claimed)
        if subject.title is None:
            return
        figures = {
            "run_type": claimed._meta.label_lower, "run_id": claimed.pk, "task": kind.key,
            "stage": subject.stage, "attempt": max(1, claimed.attempts),
            "outcome": outcome_of(kind, claimed, run), "title": subject.title,
            "episode": subject.episode, "language": subject.language,
            "content_key": subject.content_key, "content_seconds": subject.content_seconds,
            "media_seconds": subject.media_seconds, "models_used": measurement.models,
            "worker": claimed.worker, "site": settings.COMPUTE_SITE,
            "started_at": measurement.started_at, "wall_seconds": measurement.wall_seconds,
            "cpu_seconds": measurement.cpu_seconds,
            "peak_memory_bytes": measurement.peak_memory_bytes,
            "cpu_energy_joules": measurement.cpu_energy_joules,
            "energy_note": measurement.energy_note, "device": measurement.device,
            "gpu_name": measurement.gpu_name, "gpu_seconds": measurement.gpu_seconds,
            "gpu_energy_joules": measurement.gpu_energy_joules}
        with transaction.atomic():
            usage = record(**figures)
        found = metrics()
        found.compute_cpu_seconds.labels(kind.key, usage.device).inc(float(usage.cpu_seconds))
        found.compute_energy_joules.labels(kind.key, usage.energy_source).inc(
            float(usage.energy_joules))
        if usage.cost is not None:
            found.compute_cost.labels(kind.key, usage.currency).inc(float(usage.cost))
    except (DatabaseError, AttributeError, ValueError) as error:
        logger.exception("%s %s: its compute usage could not be recorded: %s",
                         kind.key, claimed.pk, error)
    measurement.record_seconds = time.perf_counter() - started
    measurement.overhead_seconds += measurement.record_seconds
