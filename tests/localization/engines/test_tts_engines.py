"""Speech synthesis engines: the voices installed here speak, are identified by checksum,
and fail with clear messages. Kokoro's Japanese is checked by reading it back with Whisper."""

import hashlib
import json
import shutil
import unicodedata

import numpy as np
import pytest
from django.conf import settings
from rapidfuzz.distance import Levenshtein

from localization.dubbing.audio import resample
from localization.engines import asr, tts
from localization.engines.tts import espeak, kokoro, kokoro_model, operator

SENTENCES = {
    "kokoro:jf_alpha": "今日はいい天気ですね。",
    "kokoro:jm_kumo": "駅まで歩いて行きましょう。",
    "espeak_ng:ko": "안녕하세요. 오늘 날씨가 좋네요.",
    "espeak_ng:cmn-latn-pinyin": "你好，今天天气很好。",
    "espeak_ng:th": "สวัสดีครับ วันนี้อากาศดี",
}
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="apt-get install espeak-ng (.ci/run does)")


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def character_error_rate(expected: str, heard: str) -> float:
    def letters(text):
        return [c for c in text if unicodedata.category(c)[0] in "LN"]

    reference = letters(expected)
    return Levenshtein.distance(reference, letters(heard)) / len(reference)


@pytest.fixture(autouse=True)
def fresh_engines():
    tts.clear_engine_cache()
    yield
    tts.clear_engine_cache()


@pytest.mark.parametrize("key", [
    "kokoro:jf_alpha", "kokoro:jm_kumo",
    pytest.param("espeak_ng:ko", marks=needs_espeak),
    pytest.param("espeak_ng:cmn-latn-pinyin", marks=needs_espeak),
    pytest.param("espeak_ng:th", marks=needs_espeak),
])
def test_each_voice_speaks_a_short_sentence(key):
    result = tts.engine_for(key).synthesize(SENTENCES[key])

    assert result.samples.dtype == np.float32 and result.samples.ndim == 1
    assert np.max(np.abs(result.samples)) <= 1.0
    assert rms(result.samples) > 0.02  # speech, not silence
    seconds = len(result.samples) / result.sample_rate
    assert 0.6 < seconds < 8.0, seconds


def test_installed_voices_are_listed_with_their_registry_checksums():
    voices = {voice.key: voice for voice in tts.available_voices()}

    alpha = voices["kokoro:jf_alpha"]
    assert (alpha.language, alpha.draft) == ("ja", False)
    assert alpha.model_sha256 == kokoro_model.voice_checksums()["jf_alpha"]
    assert tts.default_voice("ja").engine == "kokoro"
    if shutil.which("espeak-ng"):
        folder = espeak.data_folder()
        for key, language, dictionary in [("espeak_ng:ko", "ko", "ko_dict"),
                                          ("espeak_ng:cmn-latn-pinyin", "zh-Hans", "cmn_dict"),
                                          ("espeak_ng:th", "th", "th_dict")]:
            voice = voices[key]
            assert (voice.language, voice.draft) == (language, True)
            assert voice.model_sha256 == hashlib.sha256(
                (folder / dictionary).read_bytes()).hexdigest()
        assert tts.default_voice("th").draft


def test_kokoro_japanese_is_read_back_by_whisper():
    text = "今日はいい天気ですね。駅まで歩いて行きましょう。"
    result = tts.engine_for("kokoro:jf_alpha").synthesize(text)
    config = asr.EngineConfig(model_path=settings.WHISPER_MODEL_PATH, batch_size=1,
                              cpu_threads=2)

    heard = "".join(word.text for word in asr.transcribe(
        resample(result.samples, result.sample_rate, asr.SAMPLE_RATE), config=config,
        language="ja"))

    assert character_error_rate(text, heard) <= 0.1, heard


def test_engines_are_built_once_per_process():
    assert tts.engine_for("kokoro:jf_alpha") is tts.engine_for("kokoro:jf_alpha")
    identity = tts.engine_for("kokoro:jf_alpha").identity
    assert tts.engine_for(identity) is tts.engine_for("kokoro:jf_alpha")


def test_a_voice_whose_checksum_changed_is_refused():
    identity = kokoro.identity("jf_alpha")
    stale = type(identity)(**{**identity.__dict__, "model_sha256": "0" * 64})

    with pytest.raises(tts.SpeechSynthesisError, match="not the one asked for"):
        tts.engine_for(stale)


@pytest.mark.parametrize("key", ["jf_alpha", "kokoro", "nope:x", "kokoro:nobody"])
def test_unknown_voices_are_refused(key):
    with pytest.raises(tts.SpeechSynthesisError):
        tts.engine_for(key)


def test_empty_text_is_refused():
    with pytest.raises(tts.SpeechSynthesisError, match="no text"):
        tts.engine_for("kokoro:jf_alpha").synthesize("  ")


def test_kokoro_model_with_a_wrong_checksum_is_not_loaded(tmp_path, monkeypatch):
    monkeypatch.setattr(kokoro, "_loaded_from", None)
    (tmp_path / kokoro_model.MODEL_FILE).write_bytes(b"not a model")

    with pytest.raises(tts.SpeechSynthesisError, match="checksum"):
        kokoro.KokoroEngine("jf_alpha", model_dir=tmp_path)
    with pytest.raises(tts.SpeechSynthesisError, match="install-voices"):
        kokoro.KokoroEngine("jf_alpha", model_dir=tmp_path / "absent")


def test_kokoro_model_is_assembled_and_verified(tmp_path):
    destination = kokoro_model.install(tmp_path / "kokoro")

    assert kokoro_model.file_sha256(destination / kokoro_model.MODEL_FILE) == \
        kokoro_model.MODEL_SHA256
    assert kokoro_model.is_installed(destination)


def test_pinyin_has_tone_digits_and_plain_punctuation():
    assert espeak.to_pinyin("你好，世界。") == "ni2 hao3, shi4 jie4."
    assert espeak.to_pinyin("我们的朋友") == "wo3 men5 de5 peng2 you3"


def test_missing_espeak_binary_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(espeak, "BINARY", "espeak-ng-not-installed-here")

    with pytest.raises(tts.SpeechSynthesisError, match="apt-get install espeak-ng"):
        espeak.EspeakEngine("ko")
    assert espeak.installed_voices() == []


def operator_manifest(directory, *, sha256=None):
    model = directory / "voice.model"
    model.write_bytes(b"operator voice weights")
    entry = {"voice": "studio-ko", "language": "ko", "name": "Studio Korean",
             "version": "2026.1", "model_file": "voice.model",
             "sha256": sha256 or hashlib.sha256(model.read_bytes()).hexdigest(),
             # A stand-in synthesizer honouring the contract: text in, WAV out.
             "command": ["espeak-ng", "-v", "ko", "--stdout"]}
    (directory / operator.MANIFEST).write_text(json.dumps({"voices": [entry]}))
    return entry


@needs_espeak
def test_operator_voice_from_a_manifest_speaks(tmp_path, settings):
    entry = operator_manifest(tmp_path)
    settings.DUBBING_VOICES_DIR = str(tmp_path)

    voice = next(voice for voice in tts.available_voices() if voice.engine == "operator")
    result = tts.engine_for(voice).synthesize("안녕하세요")

    assert (voice.voice, voice.language, voice.model_sha256, voice.draft) == \
        ("studio-ko", "ko", entry["sha256"], False)
    assert voice.model_name == "Studio Korean 2026.1"
    assert rms(result.samples) > 0.02


def test_operator_voice_with_a_wrong_checksum_is_refused(tmp_path, settings):
    operator_manifest(tmp_path, sha256="1" * 64)
    settings.DUBBING_VOICES_DIR = str(tmp_path)

    with pytest.raises(tts.SpeechSynthesisError, match="SHA-256"):
        tts.engine_for("operator:studio-ko")


def test_operator_voices_not_configured(settings, monkeypatch):
    settings.DUBBING_VOICES_DIR = ""
    monkeypatch.delenv(operator.SETTING, raising=False)

    assert operator.installed_voices() == []
    with pytest.raises(tts.SpeechSynthesisError, match="No operator voices are configured"):
        tts.engine_for("operator:anything")


def test_malformed_operator_manifest_is_reported(tmp_path):
    (tmp_path / operator.MANIFEST).write_text('{"voices": [{"voice": "x"}]}')

    with pytest.raises(tts.SpeechSynthesisError, match="cannot be used"):
        operator.installed_voices(tmp_path)
