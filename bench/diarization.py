"""Print the diarization error rate and speed on a dialogue of synthetic voices with known
turns.

    .venv/bin/python bench/diarization.py [--speakers N] [--repeat 2]

The dialogue: four voices (two Kokoro Japanese voices, eSpeak NG Korean and Thai) taking
turns, with short back-channel replies ("はい。", "네.") and two overlaps where a speaker
starts before the other finishes. The reference turns are where each voice's audio
sits. The error rate is NIST's (missed speech + false alarm + speaker confusion, over the
reference speech), without a collar and with a 250 ms collar; the speed is the real-time
factor on this machine. ``--speakers`` gives the number of speakers instead of
estimating it. Figures only; no test asserts them.
"""

from __future__ import annotations

import argparse
import sys
import time
from math import gcd
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

SAMPLE_RATE = 16000
# (voice, line, gap before it in ms; negative: it overlaps the line before)
DIALOGUE = [
    ("kokoro:jf_alpha", "こんにちは。今日はとてもいい天気ですね。散歩に行きませんか。", 300),
    ("kokoro:jm_kumo", "いいですね。でも少し寒いので、コートを持っていきます。", 250),
    ("espeak_ng:ko", "저는 집에 있을게요. 오늘은 일이 많아요.", 400),
    ("kokoro:jf_alpha", "そうですか。じゃあ、お土産を買ってきますね。", 300),
    ("kokoro:jm_kumo", "はい。", 200),
    ("espeak_ng:th", "สวัสดีครับ ผมจะไปด้วยครับ", -600),
    ("kokoro:jm_kumo", "それでは、三人で行きましょう。駅の前で待っています。", 350),
    ("espeak_ng:ko", "네.", 150),
    ("kokoro:jf_alpha", "楽しみにしています。帰りにケーキ屋さんにも寄りましょう。", 300),
    ("espeak_ng:th", "ดีครับ ผมชอบเค้กช็อกโกแลต", -500),
    ("espeak_ng:ko", "좋아요. 저도 먹고 싶어요.", 400),
    ("kokoro:jm_kumo", "では、また後で。", 300),
]


def speak(voice: str, text: str) -> np.ndarray:
    from scipy.signal import resample_poly

    from localization.engines import tts

    synthesis = tts.engine_for(voice).synthesize(text)
    divisor = gcd(SAMPLE_RATE, synthesis.sample_rate)
    return resample_poly(synthesis.samples, SAMPLE_RATE // divisor,
                         synthesis.sample_rate // divisor).astype(np.float32)


def dialogue_clip(script=DIALOGUE, *, repeat: int = 1):
    """The mixed 16 kHz clip and its reference turns (speakers numbered by first line)."""
    from localization.engines.diarization import Turn

    voices: dict[str, int] = {}
    placed, turns, cursor = [], [], 0
    cache: dict[tuple[str, str], np.ndarray] = {}
    for voice, text, gap in list(script) * repeat:
        audio = cache.setdefault((voice, text), speak(voice, text))
        start = max(0, cursor + gap)
        end = start + len(audio) * 1000 // SAMPLE_RATE
        turns.append(Turn(start, end, voices.setdefault(voice, len(voices))))
        placed.append((start, audio))
        cursor = end
    clip = np.zeros((cursor + 500) * SAMPLE_RATE // 1000, np.float32)
    for start, audio in placed:
        first = start * SAMPLE_RATE // 1000
        clip[first:first + len(audio)] += 0.5 * audio / max(float(np.abs(audio).max()), 1e-6)
    return clip, turns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speakers", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=2,
                        help="play the dialogue this many times (a longer clip)")
    arguments = parser.parse_args()
    from localization.engines import diarization

    clip, reference = dialogue_clip(repeat=arguments.repeat)
    seconds = len(clip) / SAMPLE_RATE
    started = time.perf_counter()
    found = diarization.regions(clip)
    segmented = time.perf_counter() - started
    result = diarization.cluster(found, num_speakers=arguments.speakers)
    elapsed = time.perf_counter() - started
    print(f"{seconds:.1f} s dialogue, {len({turn.speaker for turn in reference})} voices, "
          f"{len(reference)} turns ({sum(turn.end_ms - turn.start_ms < 1000 for turn in reference)}"
          f" under 1 s), speakers {'given' if arguments.speakers else 'estimated'}: "
          f"{result.speakers} found")
    print("| collar | DER | missed | false alarm | confusion |")
    print("|---|---|---|---|---|")
    for collar in (0, 250):
        rate = diarization.error_rate(reference, result.turns, collar_ms=collar)
        speech = max(rate.speech_ms, 1)
        print(f"| {collar} ms | {100 * rate.rate:.1f} % | {100 * rate.missed_ms / speech:.1f} % "
              f"| {100 * rate.false_alarm_ms / speech:.1f} % "
              f"| {100 * rate.confusion_ms / speech:.1f} % |")
    print(f"speed: {elapsed:.2f} s ({segmented:.2f} s segmentation and embeddings), "
          f"real-time factor {elapsed / seconds:.3f}")


if __name__ == "__main__":
    main()
