"""The transcription job: real Whisper base on CPU, states, idempotence, cancel, retry."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from coprod.audit.models import Event
from localization.engines import asr, whisper_model
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from localization.subtitles.profiles import profile_for
from localization.transcription import services as transcription_services
from localization.transcription.accuracy import character_error_rate, normalized
from localization.transcription.models import LocalizationJob
from tests.localization.conftest import DEMO_CLIP, JAPANESE_CLIP

State = LocalizationJob.State


def queued_job(title, path=DEMO_CLIP, language="ko"):
    _asset, job = transcription_services.media_transcribe(
        title=title, uploaded_file=SimpleUploadedFile(path.name, path.read_bytes()),
        language=language, enqueue=False)
    return job


def test_upload_runs_the_job_to_a_korean_track(title, make_user,
                                               django_capture_on_commit_callbacks):
    user = make_user("translator")
    with django_capture_on_commit_callbacks(execute=True):
        _asset, job = transcription_services.media_transcribe(
            title=title, uploaded_file=SimpleUploadedFile(DEMO_CLIP.name,
                                                          DEMO_CLIP.read_bytes()), user=user)
    job.refresh_from_db()
    assert job.state == State.DONE, job.error
    assert job.progress == 100
    assert set(job.step_seconds) == {"extracting_audio", "transcribing", "segmenting"}
    track = job.track
    assert track.language == "ko" and track.version == 1
    assert track.source == SubtitleTrack.Source.SPEECH_RECOGNITION
    assert track.asr_model_sha256 == whisper_model.SHA256["model.bin"]
    assert "whisper-base" in track.asr_model_name
    cues = list(track.cues.order_by("index"))
    assert len(cues) >= 3
    hangul = sum(1 for cue in cues for char in cue.text if "\uac00" <= char <= "\ud7a3")
    assert hangul >= 20  # espeak's Korean is read poorly, but it is read as Korean
    profile = profile_for("ko")
    for cue in cues:
        assert cue.end_ms > cue.start_ms
        assert len(cue.text.split("\n")) <= 2
        assert all(profile.width(line) <= 16 for line in cue.text.split("\n"))
    assert cues[-1].end_ms <= 28_500
    states = [event.after["state"] for event in Event.objects.about(job).filter(
        action=Event.Action.RUN_STATE_CHANGED).order_by("id")]
    assert states == ["extracting_audio", "transcribing", "segmenting", "done"]


def test_japanese_speech_is_recognized_accurately(title):
    """Recognition quality, not plumbing: Kokoro's Japanese read back by Whisper base."""
    job = transcription_services.job_run(job_id=queued_job(title, JAPANESE_CLIP, language="ja").pk)
    assert job.state == State.DONE, job.error
    recognized = "".join(cue.text for cue in job.track.cues.order_by("index"))
    expected = JAPANESE_CLIP.with_suffix(".txt").read_text(encoding="utf-8")
    # 良い and よい are the same word; allow that one spelling difference and little else.
    assert character_error_rate(expected, recognized) <= 0.1


def test_chunked_transcription_gives_the_same_words(title, settings):
    """Cutting the clip into chunks neither loses nor repeats words at the borders."""
    whole = transcription_services.job_run(
        job_id=queued_job(title, JAPANESE_CLIP, language="ja").pk)
    settings.WHISPER_CHUNK_SECONDS = 3
    chunked = transcription_services.job_run(
        job_id=queued_job(title, JAPANESE_CLIP, language="ja").pk)
    text = lambda job: normalized("".join(c.text for c in job.track.cues.order_by("index")))  # noqa: E731
    assert chunked.state == State.DONE
    assert character_error_rate(text(whole), text(chunked)) <= 0.1
    assert len(text(chunked)) >= 0.9 * len(text(whole))


def test_the_model_is_loaded_once_per_process(title):
    transcription_services.job_run(job_id=queued_job(title, JAPANESE_CLIP, language="ja").pk)
    loaded = asr.loaded_model_count()
    transcription_services.job_run(job_id=queued_job(title, JAPANESE_CLIP, language="ja").pk)
    assert asr.loaded_model_count() == loaded == 1


def test_running_a_job_twice_gives_one_track(title):
    job = queued_job(title, JAPANESE_CLIP, language="ja")
    transcription_services.job_run(job_id=job.pk)
    again = transcription_services.job_run(job_id=job.pk)
    assert again.state == State.DONE
    assert SubtitleTrack.objects.filter(job=job).count() == 1
    assert SubtitleCue.objects.filter(track__job=job).count() == job.track.cues.count()


def test_a_job_found_mid_way_starts_over_without_duplicates(title):
    """What a redelivered task sees after its worker was killed while transcribing."""
    job = queued_job(title, JAPANESE_CLIP, language="ja")
    LocalizationJob.objects.filter(pk=job.pk).update(state=State.TRANSCRIBING, progress=40,
                                                     attempts=1)
    job = transcription_services.job_run(job_id=job.pk)
    assert job.state == State.DONE and job.attempts == 2
    assert SubtitleTrack.objects.filter(job=job).count() == 1


def test_cancelling_while_transcribing_stops_the_job(title):
    job = queued_job(title, JAPANESE_CLIP, language="ja")

    def cancel_when_transcribing(state, percent):
        if state == State.TRANSCRIBING:
            transcription_services.job_cancel(job=LocalizationJob.objects.get(pk=job.pk))

    result = transcription_services.job_run(job_id=job.pk, on_progress=cancel_when_transcribing)
    assert result.state == State.CANCELLED
    assert not SubtitleTrack.objects.filter(job=job).exists()


def test_model_not_in_the_registry_fails_the_job_with_the_reason(title, settings, tmp_path):
    (tmp_path / "model.bin").write_bytes(b"some other weights")
    settings.WHISPER_MODEL_PATH = str(tmp_path)
    job = transcription_services.job_run(job_id=queued_job(title).pk)
    assert job.state == State.FAILED
    assert "not in the AI model registry" in job.error
    assert not SubtitleTrack.objects.exists()


def test_title_without_an_approving_agreement_is_refused(uncleared_title):
    job = transcription_services.job_run(job_id=queued_job(uncleared_title).pk)
    assert job.state == State.FAILED
    assert "No co-production agreement covers" in job.error
    assert not SubtitleTrack.objects.exists()


def test_the_track_records_the_clearing_agreement(title):
    job = transcription_services.job_run(job_id=queued_job(title, JAPANESE_CLIP, language="ja").pk)
    event = Event.objects.about(job.track).get(action=Event.Action.TRACK_CREATED)
    assert event.after["job"] == job.pk and event.title == job.media.title
    assert event.after["cleared_by_agreement"] == "JV-2026-001"
    assert event.after["model_sha256"] == whisper_model.SHA256["model.bin"]
    assert job.track.asr_model_name.startswith("whisper-base")


def test_retry_after_failure_and_illegal_transitions(title, settings, tmp_path,
                                                     django_capture_on_commit_callbacks):
    (tmp_path / "model.bin").write_bytes(b"x")
    original = settings.WHISPER_MODEL_PATH
    settings.WHISPER_MODEL_PATH = str(tmp_path)
    job = transcription_services.job_run(job_id=queued_job(title, JAPANESE_CLIP, language="ja").pk)
    assert job.state == State.FAILED
    with pytest.raises(ValidationError, match="cannot become"):
        transcription_services.job_cancel(job=job)
    settings.WHISPER_MODEL_PATH = original
    with django_capture_on_commit_callbacks(execute=True):
        transcription_services.job_retry(job=job)
    job.refresh_from_db()
    assert job.state == State.DONE and job.error == "" and job.attempts == 2
    with pytest.raises(ValidationError, match="only a failed or cancelled one is retried"):
        transcription_services.job_retry(job=job)
    assert Event.objects.about(job).filter(action=Event.Action.RUN_RETRIED).count() == 1


@pytest.mark.parametrize("batch_size", [8, 1])
def test_long_audio_keeps_every_sentence(batch_size, settings, monkeypatch):
    """40 s of speech (more than one 30 s Whisper window): every sentence is recognized.

    faster-whisper's batched pipeline silently drops most sentences of a window unless
    it decodes with timestamps; this guards against that coming back.
    """
    import tempfile
    from pathlib import Path

    import numpy as np

    from localization.media import decoding as media

    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "audio.wav"
        media.extract_audio(JAPANESE_CLIP, wav)
        samples = np.concatenate([media.read_audio(wav)] * 5)
    config = asr.EngineConfig.from_settings()
    config = asr.EngineConfig(config.model_path, config.device, config.compute_type,
                              config.beam_size, batch_size, config.cpu_threads, config.seed)
    # The same clip five times over makes every 30 s window too repetitive for plain
    # decoding, which then falls back to sampling: with WHISPER_SEED a freshly loaded model
    # samples the same way every time, so load one here whatever the earlier tests ran.
    monkeypatch.setattr(asr, "_models", {})
    text = "".join(word.text for word in asr.transcribe(samples, config=config, language="ja"))
    # One anchor per sentence, chosen among the words Whisper base writes the same way in
    # every repeat; a dropped sentence loses its anchor.
    for anchor in ("今日", "毎朝", "駅"):
        assert text.count(anchor) == 5, (anchor, text)
