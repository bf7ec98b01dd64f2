"""Who is speaking: diarization of generated dialogues with known turns, the speakers of
words and cues (split where the speaker changes, or a dialogue cue), chunks clustered
together, the licensing gate, and the demo transcript's speakers."""

import io
import pickle
import wave

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bench.diarization import dialogue_clip
from coprod.registry.models import AIModel
from localization.engines import diarization
from localization.subtitles.models import SubtitleTrack
from localization.subtitles.profiles import profile_for
from localization.subtitles.segmentation import Word, segment_words
from localization.transcription import services as transcription_services
from localization.transcription import speakers
from localization.transcription.models import LocalizationJob
from tests.localization.conftest import DEMO_CLIP

SCRIPT = [
    ("kokoro:jf_alpha", "こんにちは。今日はとてもいい天気ですね。散歩に行きませんか。", 300),
    ("espeak_ng:ko", "저는 집에 있을게요. 오늘은 일이 많아요.", 400),
    ("kokoro:jm_kumo", "いいですね。でも少し寒いので、コートを持っていきます。", 300),
    ("kokoro:jf_alpha", "そうですか。じゃあ、お土産を買ってきますね。", 300),
    ("espeak_ng:ko", "네, 좋아요. 금방 갈게요.", 300),
    ("kokoro:jm_kumo", "それでは、駅の前で待っています。", 300),
]


@pytest.fixture(scope="module")
def dialogue():
    from localization.engines import tts

    if not any(voice.key == "kokoro:jm_kumo" for voice in tts.available_voices()):
        pytest.fail("The Kokoro voices are missing: run make setup (infra/install-voices.sh)")
    return dialogue_clip(SCRIPT)


def write_wav(path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
        writer.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def test_three_voices_are_told_apart_with_their_turns(dialogue):
    clip, reference = dialogue

    result = diarization.diarize(clip)

    assert result.speakers == 3
    rate = diarization.error_rate(reference, result.turns, collar_ms=250)
    assert rate.rate < 0.15, rate
    # Each reference line is spoken, mostly, by one found speaker, and the voices map
    # one to one.
    mapping = {}
    for turn in reference:
        found = result.speaker_at(turn.start_ms, turn.end_ms)
        assert mapping.setdefault(turn.speaker, found) == found
    assert len(set(mapping.values())) == 3
    # Given the number of speakers, that many are found.
    assert diarization.cluster(diarization.regions(clip), num_speakers=2).speakers == 2


def test_chunks_clustered_together_keep_one_label_per_speaker(dialogue, tmp_path):
    clip, reference = dialogue
    path = tmp_path / "dialogue.wav"
    write_wav(path, clip)
    # The chunks' border, in the pause between the third and the fourth line.
    middle = (reference[2].end_ms + reference[3].start_ms) // 2
    first = speakers.regions_of_wav(path, keep=(0, middle))
    half = tmp_path / "second.wav"
    write_wav(half, speakers.wav_samples(path, start_ms=middle - 2000))
    second = speakers.regions_of_wav(half, offset_ms=middle - 2000, window_offset=10_000,
                                     keep=(middle, 10 ** 9))
    assert first and second and all(region.start_ms >= middle - 2000 for region in second)

    result = diarization.cluster([*first, *second])

    assert result.speakers == 3
    assert diarization.error_rate(reference, result.turns, collar_ms=250).rate < 0.15
    # The same voice before and after the border has the same label.
    alpha = [turn for turn in reference if turn.speaker == 0]
    assert alpha[0].end_ms < middle < alpha[1].start_ms
    assert (result.speaker_at(alpha[0].start_ms, alpha[0].end_ms)
            == result.speaker_at(alpha[1].start_ms, alpha[1].end_ms))
    # Regions survive the chunk's JSON record.
    copy = diarization.Region.from_dict(first[0].as_dict())
    assert copy.start_ms == first[0].start_ms
    if first[0].embedding is not None:
        assert np.allclose(copy.embedding, first[0].embedding, atol=1e-4)


def test_words_take_their_speaker_and_cues_split_where_the_speaker_changes():
    turns = diarization.Diarization(turns=[diarization.Turn(0, 2600, 0),
                                           diarization.Turn(2700, 6000, 1),
                                           diarization.Turn(6100, 6600, 0),
                                           diarization.Turn(6650, 7100, 1)], speakers=2)
    words = [Word(0, 500, " 오늘"), Word(500, 1200, " 날씨가"), Word(1200, 2500, " 좋네요."),
             Word(2800, 3400, " 그러게요."), Word(3400, 5800, " 산책이나 갈까요?"),
             Word(6150, 6500, " 네."), Word(6700, 7000, " 가요.")]

    labelled = speakers.speaker_words(words, turns)
    cues = segment_words(labelled, profile_for("ko"))

    assert [word.speaker for word in labelled] == ["Speaker 1"] * 3 + ["Speaker 2"] * 2 + [
        "Speaker 1", "Speaker 2"]
    # No cue mixes speakers, except the short exchange at the end: a dialogue cue with the
    # Korean dialogue dash, one line per speaker.
    assert [(cue.text, cue.speaker) for cue in cues] == [
        ("오늘 날씨가 좋네요.", "Speaker 1"),
        ("그러게요. 산책이나 갈까요?", "Speaker 2"),
        ("- 네.\n- 가요.", "Speaker 1")]


def test_a_long_turn_never_shares_a_cue_with_another_speaker():
    words = [Word(0, 600, " 첫째"), Word(600, 1300, " 사람이"), Word(1300, 2000, " 길게"),
             Word(2000, 2600, " 말합니다."), Word(2600, 3200, " 둘째"),
             Word(3200, 3900, " 사람이"), Word(3900, 4500, " 답합니다.")]
    labelled = [Word(word.start_ms, word.end_ms, word.text,
                     "Speaker 1" if index < 4 else "Speaker 2")
                for index, word in enumerate(words)]

    cues = segment_words(labelled, profile_for("ko"))

    assert [(cue.text, cue.speaker) for cue in cues] == [
        ("첫째 사람이 길게 말합니다.", "Speaker 1"), ("둘째 사람이 답합니다.", "Speaker 2")]
    # Without speakers the same words may share a cue.
    assert len(segment_words(words, profile_for("ko"))) < len(cues) + 1


def test_a_weights_file_that_would_run_code_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    with path.open("wb") as stream:
        for header in (0x1950A86A20F9469CFC6C, 1001, {}):
            pickle.dump(header, stream)

        class Evil:
            def __reduce__(self):
                return (print, ("owned",))

        pickle.dump({"model_state": Evil()}, stream)
    with pytest.raises(diarization.DiarizationError, match="not allowed"):
        diarization.read_torch_weights(path)
    weights = diarization.read_torch_weights(diarization.embedding_model_path())
    assert weights["lstm.weight_ih_l0"].shape == (1024, 40)
    assert weights["linear.weight"].shape == (256, 256)


def approve_diarization(title):
    from tests.localization.dubbing_helpers import approve_models_for

    whisper = AIModel.objects.get(kind=AIModel.Kind.SPEECH_RECOGNITION, name="whisper-base")
    names = [whisper.name, *AIModel.objects.filter(
        kind=AIModel.Kind.SPEAKER_DIARIZATION).values_list("name", flat=True)]
    approve_models_for(title, *names)


@pytest.mark.django_db
def test_the_demo_transcript_shows_its_speaker(django_capture_on_commit_callbacks):
    from tests.factories import TitleFactory

    title = TitleFactory()
    approve_diarization(title)
    upload = SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes(),
                                content_type="audio/ogg")
    with django_capture_on_commit_callbacks(execute=True):
        _asset, job = transcription_services.media_transcribe(title=title,
                                                              uploaded_file=upload)
    job.refresh_from_db()

    assert job.state == LocalizationJob.State.DONE, job.error
    assert job.speaker_count == 1 and job.diarization_note == ""
    assert "diarizing" in job.step_seconds
    track = SubtitleTrack.objects.get(job=job)
    assert set(track.cues.values_list("speaker", flat=True)) == {"Speaker 1"}


@pytest.mark.django_db
def test_without_approved_diarization_models_the_transcript_has_no_speakers(
        title, django_capture_on_commit_callbacks, settings):
    upload = SimpleUploadedFile(DEMO_CLIP.name, DEMO_CLIP.read_bytes(),
                                content_type="audio/ogg")
    with django_capture_on_commit_callbacks(execute=True):
        _asset, job = transcription_services.media_transcribe(title=title,
                                                              uploaded_file=upload)
    job.refresh_from_db()

    assert job.state == LocalizationJob.State.DONE, job.error
    assert job.speaker_count is None
    assert "Speakers were not detected" in job.diarization_note
    assert "pyannote segmentation-3.0" in job.diarization_note
    track = SubtitleTrack.objects.get(job=job)
    assert set(track.cues.values_list("speaker", flat=True)) == {""}


def test_io_helpers_read_back_what_was_written(tmp_path):
    samples = (np.sin(np.arange(16000) / 5) * 0.5).astype(np.float32)
    path = tmp_path / "tone.wav"
    write_wav(path, samples)
    assert np.allclose(speakers.wav_samples(path), samples, atol=1e-3)
    assert len(speakers.wav_samples(path, start_ms=500)) == 8000
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(2)
        writer.setsampwidth(2)
        writer.setframerate(44100)
        writer.writeframes(b"\0" * 400)
    stereo = tmp_path / "stereo.wav"
    stereo.write_bytes(buffer.getvalue())
    with pytest.raises(diarization.DiarizationError, match="16 kHz mono"):
        speakers.wav_samples(stereo)


@pytest.mark.django_db
def test_a_job_in_parallel_chunks_keeps_each_speaker_one_label(
        dialogue, settings, tmp_path, django_capture_on_commit_callbacks):
    from localization.transcription import parallel
    from tests.factories import TitleFactory

    clip, reference = dialogue
    repeated = np.concatenate([clip, clip])  # the same voices in every chunk
    path = tmp_path / "dialogue.wav"
    write_wav(path, repeated)
    title = TitleFactory()
    approve_diarization(title)
    settings.WHISPER_PARALLEL_CHUNK_SECONDS = 20
    _asset, job = transcription_services.media_transcribe(
        title=title, uploaded_file=SimpleUploadedFile("dialogue.wav", path.read_bytes()),
        language="ja", enqueue=False)
    job = transcription_services.job_run(job_id=job.pk)
    assert job.state == LocalizationJob.State.TRANSCRIBING, job.error
    chunks = list(job.chunks.order_by("index"))
    assert len(chunks) >= 2

    with django_capture_on_commit_callbacks(execute=True):
        for chunk in chunks:
            parallel.chunk_run(chunk_id=chunk.pk, task_id=chunk.task_id)
    job.refresh_from_db()

    assert job.state == LocalizationJob.State.DONE, job.error
    assert job.speaker_count == 3, job.diarization_note
    assert all(chunk.speaker_regions for chunk in job.chunks.all())
    # The first voice's lines, in the first and the last chunk, carry one label.
    track = SubtitleTrack.objects.get(job=job)
    length = reference[-1].end_ms + 500
    alpha = [turn for turn in reference if turn.speaker == 0]
    labels = set()
    for offset in (0, length):
        for turn in alpha:
            cue = track.cues.filter(start_ms__lt=turn.end_ms + offset,
                                    end_ms__gt=turn.start_ms + offset).first()
            if cue is not None:
                labels.add(cue.speaker)
    assert len(labels) == 1 and labels != {""}
