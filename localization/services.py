"""Writes for media intake, localization jobs and subtitle tracks.

Every service owns its transaction, writes a LocalizationEvent for what matters, and
hands work to Celery only after the data is committed.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from localization import media as media_tools
from localization.checksums import file_sha256
from localization.engines import asr
from localization.model_registry import ModelNotApproved, asr_model_check_approved
from localization.models import (
    LocalizationEvent,
    LocalizationJob,
    MediaAsset,
    SubtitleCue,
    SubtitleTrack,
)
from localization.subtitles import formats
from localization.subtitles.cues import Cue, SubtitleFileError
from localization.subtitles.profiles import profile_for
from localization.subtitles.segmentation import segment_words
from localization.transcription import transcribe_wav

logger = logging.getLogger(__name__)
State = LocalizationJob.State

# Which state a job may move to from each state. A running state may go back to
# extracting audio: that is a task redelivered after its worker died, starting over.
TRANSITIONS = {
    State.QUEUED: {State.EXTRACTING_AUDIO, State.FAILED, State.CANCELLED},
    State.EXTRACTING_AUDIO: {State.EXTRACTING_AUDIO, State.TRANSCRIBING, State.FAILED,
                             State.CANCELLED},
    State.TRANSCRIBING: {State.EXTRACTING_AUDIO, State.SEGMENTING, State.FAILED,
                         State.CANCELLED},
    State.SEGMENTING: {State.EXTRACTING_AUDIO, State.DONE, State.FAILED, State.CANCELLED},
    State.FAILED: {State.QUEUED},
    State.CANCELLED: {State.QUEUED},
    State.DONE: set(),
}
# Share of the progress bar each step fills.
PROGRESS = {State.EXTRACTING_AUDIO: (0, 10), State.TRANSCRIBING: (10, 90),
            State.SEGMENTING: (90, 100)}


class InvalidTransition(ValidationError):
    pass


class JobCancelled(Exception):
    pass


# --- media intake ----------------------------------------------------------------------------


def media_max_upload_size() -> int:
    return min(settings.MEDIA_MAX_UPLOAD_SIZE, settings.MAX_UPLOAD_SIZE)


def media_upload(*, title, uploaded_file, user=None, episode_label: str = "",
                 language: str = "ko", enqueue: bool = True) -> tuple[MediaAsset, LocalizationJob]:
    """Probe and store a media file for a title and queue its transcription job.

    A file that is too big, empty, not media or without audio is refused with a
    ValidationError before anything is stored; nothing is half-created.
    """
    limit = media_max_upload_size()
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the largest accepted is %(limit)s.")
            % {"size": human_size(uploaded_file.size), "limit": human_size(limit)},
            code="too_big",
        )
    with _local_upload(uploaded_file) as path:
        try:
            probe = media_tools.probe_media(path)
        except media_tools.MediaRejected as error:
            raise ValidationError(str(error), code="not_media") from None
        checksum = file_sha256(path)
        size = path.stat().st_size
        original_name = Path(uploaded_file.name or "media").name
        stored_name = None
        try:
            with transaction.atomic():
                with path.open("rb") as handle:
                    stored_name = default_storage.save(
                        MediaAsset.file.field.generate_filename(None, original_name),
                        File(handle, name=original_name),
                    )
                asset = MediaAsset.objects.create(
                    title=title, episode_label=episode_label, file=stored_name,
                    original_name=original_name, size_bytes=size, sha256=checksum,
                    duration_ms=probe.duration_ms, container_format=probe.container_format,
                    audio_codec=probe.audio_codec, video_codec=probe.video_codec,
                    streams=probe.streams, uploaded_by=user,
                )
                LocalizationEvent.objects.create(
                    actor=user, action=LocalizationEvent.Action.MEDIA_UPLOADED, media=asset,
                    after={"name": original_name, "size": size, "sha256": checksum,
                           "duration_ms": probe.duration_ms, "title_id": title.pk},
                )
                job = job_create(media=asset, user=user, language=language, enqueue=enqueue)
        except Exception:
            if stored_name:
                default_storage.delete(stored_name)
            raise
    return asset, job


@contextlib.contextmanager
def _local_upload(uploaded_file) -> Iterator[Path]:
    """A path on local disk holding the upload (probing needs a seekable real file)."""
    temporary_path = getattr(uploaded_file, "temporary_file_path", None)
    if temporary_path:
        yield Path(temporary_path())
        return
    with tempfile.TemporaryDirectory(prefix="media-upload-") as folder:
        path = Path(folder) / "upload"
        with path.open("wb") as out:
            for block in uploaded_file.chunks():
                out.write(block)
        yield path


@contextlib.contextmanager
def media_local_path(asset: MediaAsset) -> Iterator[Path]:
    """The media file as a local path, copied from remote storage (S3) when needed."""
    try:
        path = Path(default_storage.path(asset.file.name))
    except NotImplementedError:
        path = None
    if path is not None and path.exists():
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="media-") as folder:
        local = Path(folder) / "media"
        with default_storage.open(asset.file.name, "rb") as source, local.open("wb") as out:
            shutil.copyfileobj(source, out, 16 * 1024 * 1024)
        yield local


def human_size(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)  # pragma: no cover


# --- jobs ---------------------------------------------------------------------------------------


def job_create(*, media: MediaAsset, user=None, language: str = "ko",
               enqueue: bool = True) -> LocalizationJob:
    with transaction.atomic():
        job = LocalizationJob.objects.create(media=media, language=language, created_by=user)
        LocalizationEvent.objects.create(
            actor=user, action=LocalizationEvent.Action.JOB_CREATED, job=job, media=media,
            after={"state": job.state, "language": language},
        )
        if enqueue:
            _enqueue(job)
    return job


def _enqueue(job: LocalizationJob) -> None:
    from localization.tasks import transcribe_media

    job.task_id = str(uuid.uuid4())
    job.save(update_fields=["task_id", "updated_at"])
    task_id = job.task_id
    transaction.on_commit(lambda: transcribe_media.apply_async(args=[job.pk], task_id=task_id))


def job_retry(*, job: LocalizationJob, user=None) -> LocalizationJob:
    with transaction.atomic():
        job = LocalizationJob.objects.select_for_update().get(pk=job.pk)
        _transition(job, State.QUEUED, actor=user, action=LocalizationEvent.Action.JOB_RETRIED,
                    progress=0, error="", step_seconds={}, started_at=None, finished_at=None,
                    worker="")
        _enqueue(job)
    return job


def job_cancel(*, job: LocalizationJob, user=None) -> LocalizationJob:
    """Stop a job. A running task notices at its next progress report and stops."""
    with transaction.atomic():
        job = LocalizationJob.objects.select_for_update().get(pk=job.pk)
        _transition(job, State.CANCELLED, actor=user,
                    action=LocalizationEvent.Action.JOB_CANCELLED, finished_at=timezone.now())
        task_id = job.task_id
    if task_id and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        from config.celery import app

        # Without terminate: a queued task is dropped; a running one stops by itself.
        transaction.on_commit(lambda: app.control.revoke(task_id))
    return job


def _transition(job: LocalizationJob, new_state: str, *, actor=None,
                action: str = LocalizationEvent.Action.JOB_STATE_CHANGED, **fields) -> None:
    """Move a locked job to ``new_state`` with an event row; refuse an illegal move."""
    if new_state not in TRANSITIONS[State(job.state)]:
        raise InvalidTransition(
            _("A job that is %(state)s cannot become %(new)s.")
            % {"state": job.get_state_display().lower(),
               "new": State(new_state).label.lower()}
        )
    before = {"state": job.state}
    job.state = new_state
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()
    LocalizationEvent.objects.create(actor=actor, action=action, job=job, media_id=job.media_id,
                                     before=before, after={"state": new_state, **{
                                         k: v for k, v in fields.items()
                                         if k in ("error", "worker", "progress")}})


def job_run(*, job_id: int, worker: str = "",
            on_progress: Callable[[str, int], None] | None = None) -> LocalizationJob | None:
    """Run a job's pipeline: audio, transcription, segmentation, subtitle track.

    Safe to run twice: a finished job is left alone, a job found mid-way (its worker
    died) starts over, and the track and cues are written in one transaction that
    first checks the job is still running, so a job never gets two tracks.
    """
    with transaction.atomic():
        job = (LocalizationJob.objects.select_for_update().select_related("media__title")
               .filter(pk=job_id).first())
        if job is None or job.state not in LocalizationJob.ACTIVE_STATES:
            return job
        _transition(job, State.EXTRACTING_AUDIO, worker=worker, progress=0, error="",
                    started_at=timezone.now(), finished_at=None, attempts=job.attempts + 1,
                    step_seconds={})
    reporter = _ProgressReporter(job, on_progress)
    try:
        return _run_pipeline(job, reporter)
    except JobCancelled:
        job.refresh_from_db()
        return job
    except SoftTimeLimitExceeded:
        return _fail(job, _("The job ran past its time limit and was stopped."))
    except ModelNotApproved as error:
        return _fail(job, str(error))
    except Exception as error:
        logger.exception("localization job %s failed", job.pk)
        return _fail(job, f"{type(error).__name__}: {error}")


def _run_pipeline(job: LocalizationJob, reporter: _ProgressReporter) -> LocalizationJob:
    asset = job.media
    config = asr.EngineConfig.from_settings()
    model = asr_model_check_approved(title=asset.title, model_path=config.model_path)
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix=f"job-{job.pk}-") as folder:
        wav_path = Path(folder) / "audio.wav"
        started = time.monotonic()
        with media_local_path(asset) as media_path:
            media_tools.extract_audio(media_path, wav_path,
                                      progress=lambda f: reporter.step(State.EXTRACTING_AUDIO, f))
        timings[State.EXTRACTING_AUDIO] = round(time.monotonic() - started, 2)

        reporter.enter(State.TRANSCRIBING, step_seconds=timings)
        started = time.monotonic()
        words = transcribe_wav(wav_path, config=config, language=job.language,
                               chunk_seconds=settings.WHISPER_CHUNK_SECONDS,
                               on_progress=lambda f: reporter.step(State.TRANSCRIBING, f))
        timings[State.TRANSCRIBING] = round(time.monotonic() - started, 2)

    reporter.enter(State.SEGMENTING, step_seconds=timings)
    started = time.monotonic()
    cues = segment_words(words, profile_for(job.language))
    timings[State.SEGMENTING] = round(time.monotonic() - started, 2)
    return _finish(job, cues, model, timings)


def _finish(job: LocalizationJob, cues: list[Cue], model, timings: dict) -> LocalizationJob:
    with transaction.atomic():
        job = LocalizationJob.objects.select_for_update().select_related("media").get(pk=job.pk)
        if job.state != State.SEGMENTING or SubtitleTrack.objects.filter(job=job).exists():
            return job  # cancelled meanwhile, or another delivery of the task finished first
        track = track_create(
            title=job.media.title, media=job.media, language=job.language, cues=cues,
            source=SubtitleTrack.Source.SPEECH_RECOGNITION, job=job, user=job.created_by,
            asr_model_name=model.name, asr_model_sha256=model.sha256,
        )
        _transition(job, State.DONE, progress=100, step_seconds=timings,
                    finished_at=timezone.now())
        LocalizationEvent.objects.create(
            actor=None, action=LocalizationEvent.Action.TRACK_CREATED, job=job, track=track,
            media_id=job.media_id,
            after={"language": track.language, "version": track.version, "cues": len(cues),
                   "model": model.name, "model_sha256": model.sha256,
                   "cleared_by_agreement": model.agreement},
        )
    return job


def _fail(job: LocalizationJob, message: str) -> LocalizationJob:
    with transaction.atomic():
        job = LocalizationJob.objects.select_for_update().get(pk=job.pk)
        if job.state in LocalizationJob.ACTIVE_STATES:
            _transition(job, State.FAILED, error=message[:2000], finished_at=timezone.now())
    return job


class _ProgressReporter:
    """Writes progress at most once per percent and stops the run if the job was cancelled."""

    def __init__(self, job: LocalizationJob, callback: Callable[[str, int], None] | None):
        self.job = job
        self.callback = callback
        self.state = State.EXTRACTING_AUDIO
        self.percent = 0

    def enter(self, state: str, *, step_seconds: dict) -> None:
        with transaction.atomic():
            job = LocalizationJob.objects.select_for_update().get(pk=self.job.pk)
            if job.state != self.state:
                raise JobCancelled()
            self.state = state
            self.percent = PROGRESS[state][0]
            _transition(job, state, progress=self.percent, step_seconds=dict(step_seconds))
        self._notify()

    def step(self, state: str, fraction: float) -> None:
        low, high = PROGRESS[state]
        percent = int(low + (high - low) * max(0.0, min(1.0, fraction)))
        if percent <= self.percent:
            return
        updated = LocalizationJob.objects.filter(pk=self.job.pk, state=state).update(
            progress=percent, updated_at=timezone.now())
        if not updated:
            raise JobCancelled()
        self.percent = percent
        self._notify()

    def _notify(self) -> None:
        if self.callback:
            self.callback(self.state, self.percent)


# --- subtitle tracks ----------------------------------------------------------------------------


def next_track_version(*, title, language: str) -> int:
    """The next version number of a title's track in a language. Call it inside the
    transaction that creates the track: it locks the existing versions, so two writers
    cannot take the same number."""
    list(SubtitleTrack.objects.select_for_update().filter(title=title, language=language)
         .values_list("pk", flat=True))
    latest = SubtitleTrack.objects.filter(title=title, language=language).aggregate(
        latest=Max("version"))["latest"] or 0
    return latest + 1


def track_create(*, title, language: str, cues: list[Cue], source: str, media=None, job=None,
                  user=None, asr_model_name: str = "", asr_model_sha256: str = "",
                  import_warnings: list | None = None) -> SubtitleTrack:
    # Lock the title's tracks so two writers cannot take the same version number.
    track = SubtitleTrack.objects.create(
        title=title, media=media, language=language,
        version=next_track_version(title=title, language=language), source=source,
        job=job, created_by=user, asr_model_name=asr_model_name,
        asr_model_sha256=asr_model_sha256, import_warnings=import_warnings or [],
    )
    SubtitleCue.objects.bulk_create(
        SubtitleCue(track=track, index=number, start_ms=cue.start_ms, end_ms=cue.end_ms,
                    text=cue.text, speaker=cue.speaker)
        for number, cue in enumerate(cues, start=1)
    )
    return track


def track_import(*, title, language: str, filename: str, data: bytes, user=None,
                 media=None) -> SubtitleTrack:
    """Import a subtitle file as a new track version; ValidationError says what and where."""
    try:
        fmt = formats.format_for_filename(filename)
        cues, notes = formats.read_subtitles(data, fmt)
    except SubtitleFileError as error:
        raise ValidationError(str(error), code="bad_subtitles") from None
    try:
        profile_for(language)
    except LookupError:
        raise ValidationError(_("There is no subtitle profile for the language %(language)s.")
                              % {"language": language}, code="language") from None
    with transaction.atomic():
        track = track_create(title=title, language=language, cues=cues,
                              source=SubtitleTrack.Source.IMPORT, media=media, user=user,
                              import_warnings=[note.as_dict() for note in notes])
        LocalizationEvent.objects.create(
            actor=user, action=LocalizationEvent.Action.TRACK_IMPORTED, track=track,
            after={"file": filename, "format": fmt, "cues": len(cues), "version": track.version,
                   "warnings": [str(note) for note in notes]},
        )
    return track
