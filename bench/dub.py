"""Print speech synthesis speed and intelligibility for every voice installed here.

    .venv/bin/python bench/dub.py [--only kokoro:jf_alpha] [--threads 2]

For each voice: a warm-up line, then a few short lines in its language are synthesized
and timed. Real-time factor = seconds of compute per second of speech (lower is faster).
Intelligibility: the speech is transcribed by the platform's Whisper base (int8, CPU,
beam 5) and compared with the text; CER = character edit distance / characters of the
text, letters and digits only (0 is perfect; Whisper base is itself weak on Thai and
on robotic voices, so a draft voice's CER is an upper bound on what a listener misses).
Figures only; no test asserts a time.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LINES = {
    "ja": ["今日はいい天気ですね。", "駅まで歩いて行きましょう。",
           "この映画は韓国で作られました。"],
    "ko": ["안녕하세요. 오늘 날씨가 좋네요.", "역까지 걸어갑시다.",
           "이 영화는 한국에서 만들어졌습니다."],
    "zh-Hans": ["你好，今天天气很好。", "我们走路去车站吧。", "这部电影是在韩国拍的。"],
    "th": ["สวัสดีครับ วันนี้อากาศดี", "เดินไปสถานีกันเถอะ", "ภาพยนตร์เรื่องนี้สร้างในเกาหลี"],
}
WHISPER_LANGUAGE = {"ja": "ja", "ko": "ko", "zh-Hans": "zh", "th": "th"}


def character_error_rate(expected: str, heard: str) -> float:
    from rapidfuzz.distance import Levenshtein

    def letters(text: str) -> list[str]:
        return [c for c in text if unicodedata.category(c)[0] in "LN"]

    reference = letters(expected)
    return Levenshtein.distance(reference, letters(heard)) / len(reference)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="voice key, e.g. kokoro:jf_alpha")
    parser.add_argument("--threads", type=int, default=0, help="Whisper CPU threads")
    arguments = parser.parse_args()

    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)
    logging.disable(logging.INFO)
    from localization.dubbing.audio import resample
    from localization.engines import asr, tts
    from localization.engines.whisper_model import DEFAULT_DESTINATION

    config = asr.EngineConfig(model_path=str(DEFAULT_DESTINATION), device="cpu",
                              compute_type="int8", batch_size=1,
                              cpu_threads=arguments.threads)
    voices = [voice for voice in tts.available_voices()
              if not arguments.only or voice.key in arguments.only]
    print(f"{'voice':28} {'lang':7} {'draft':5} {'load s':>7} {'speech s':>8} "
          f"{'RTF':>6} {'CER':>6}  worst line heard")
    for voice in voices:
        started = time.perf_counter()
        engine = tts.engine_for(voice)
        engine.synthesize(LINES[voice.language][0])  # warm-up
        load_seconds = time.perf_counter() - started
        compute = speech = 0.0
        errors = []
        for line in LINES[voice.language]:
            started = time.perf_counter()
            result = engine.synthesize(line)
            compute += time.perf_counter() - started
            speech += len(result.samples) / result.sample_rate
            heard = "".join(word.text for word in asr.transcribe(
                resample(result.samples, result.sample_rate, asr.SAMPLE_RATE), config=config,
                language=WHISPER_LANGUAGE[voice.language]))
            errors.append((character_error_rate(line, heard), heard))
        mean_cer = sum(cer for cer, _heard in errors) / len(errors)
        worst = max(errors)[1].strip()
        print(f"{voice.key:28} {voice.language:7} {voice.draft!s:5} {load_seconds:7.2f} "
              f"{speech:8.2f} {compute / speech:6.3f} {mean_cer:6.2f}  {worst[:40]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
