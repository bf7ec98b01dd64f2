"""Print how long subtitle QA takes on a two-hour film (about 1,500 cues) per language.

    .venv/bin/python bench/qa.py [--cues 1500] [--repeat 5] [--language ja]

For each language a track is built from a bank of everyday lines: most cues are laid
out and timed well, and about one in five has something to find (a line too long or
left unbroken, three lines, too short, too fast, a gap to chain, a one-frame gap, an
overlap, a three-dot ellipsis, a missing glossary term). First, the one-off cost of
loading each segmenter (PyThaiNLP's newmm dictionary, the BudouX models) is printed.
Then check_track and fix_track are timed: "cold" is the first call for the language,
with the BudouX parser and the segmentation caches emptied; "warm" is the median of
--repeat runs on other tracks with the segmentation caches emptied before each, so every
line is segmented again. Target: under 1 s per track. Figures only; no test asserts a
time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if not os.environ.get("DJANGO_SETTINGS_MODULE"):
    from django.conf import settings

    settings.configure(USE_I18N=False)

import localization.qa.linebreaking as linebreaking  # noqa: E402
from localization.qa import (  # noqa: E402
    GlossaryRule,
    QACue,
    break_lines,
    check_track,
    fix_track,
    warm_up,
)
from localization.subtitles.profiles import profile_for  # noqa: E402

PHRASES = {
    "ko": ["오늘은 날씨가 좋네요", "어디 가는 거야?", "김 부장님이 찾으셨어요", "잠깐만 기다려 줘",
           "그게 무슨 말이야?", "우리 같이 밥 먹을래?", "나는 아무것도 몰라", "내일 다시 올게요",
           "정말 고마워요", "왜 이렇게 늦었어?", "회의는 세 시에 시작해요", "조심해서 가세요",
           "이건 비밀이야", "믿을 수가 없어", "경찰을 불러야 해", "엄마가 기다리고 계셔"],
    "ja": ["今日はいい天気ですね", "どこへ行くの？", "キム部長が呼んでいます", "ちょっと待って",
           "どういう意味？", "一緒にご飯を食べない？", "私は何も知らない", "明日また来ます",
           "本当にありがとう", "なんでこんなに遅れたの？", "会議は三時に始まります",
           "気をつけて帰ってね", "これは秘密だよ", "信じられない", "警察を呼ばなきゃ",
           "お母さんが待ってる"],
    "zh-Hans": ["今天天气真好", "你要去哪儿？", "金部长在找你", "等我一下", "这是什么意思？",
                "我们一起吃饭吧？", "我什么都不知道", "我明天再来", "真的谢谢你",
                "你怎么这么晚才来？", "会议三点开始", "路上小心", "这是秘密", "真不敢相信",
                "得报警了", "妈妈在等你"],
    "th": ["วันนี้อากาศดีนะ", "จะไปไหนเหรอ", "ผู้จัดการคิมเรียกหาคุณ", "รอเดี๋ยวนะ",
           "หมายความว่ายังไง", "ไปกินข้าวด้วยกันไหม", "ฉันไม่รู้อะไรเลย", "พรุ่งนี้จะมาใหม่",
           "ขอบคุณมากจริงๆ", "ทำไมมาสายขนาดนี้", "การประชุมเริ่มบ่ายสามโมง", "กลับบ้านดีๆ นะ",
           "นี่เป็นความลับ", "ไม่อยากจะเชื่อเลย", "ต้องเรียกตำรวจแล้ว", "แม่รออยู่นะ"],
}
JOINERS = {"ko": " ", "ja": "", "zh-Hans": "", "th": " "}
GLOSSARY = {"ko": "김 부장님", "ja": "キム部長", "zh-Hans": "金部长", "th": "ผู้จัดการคิม"}
FILM_MS = 2 * 60 * 60 * 1000


def build_track(language: str, count: int, seed: int) -> list[QACue]:
    randomness = random.Random(seed)
    profile = profile_for(language)
    phrases, joiner = PHRASES[language], JOINERS[language]
    slot = FILM_MS // count
    cues, start = [], 1000
    for index in range(1, count + 1):
        text = joiner.join(randomness.sample(phrases, randomness.choice((1, 1, 2, 2, 3))))
        flaw = randomness.random()
        if flaw > 0.05:
            text = break_lines(text, language=language)  # as a subtitler would lay it out
        if 0.05 < flaw < 0.07:
            text = "\n".join(randomness.sample(phrases, 3))  # too many lines
        if 0.07 < flaw < 0.08:
            text += "..."
        reading = 1000 * profile.width(text.replace("\n", "")) / profile.max_characters_per_second
        duration = min(max(reading * randomness.uniform(1.0, 1.5), 1200), 6500)
        if 0.08 < flaw < 0.11:
            duration = randomness.uniform(400, 800)  # too short or too fast
        end = start + round(duration)
        gap = randomness.uniform(0, slot * 1.6) if flaw > 0.2 else randomness.uniform(90, 500)
        if 0.11 < flaw < 0.12:
            gap = 42  # one frame
        if 0.12 < flaw < 0.125:
            gap = -100  # overlap
        source = "김 부장이 왔어요" if flaw > 0.9 else ""
        if 0.9 < flaw < 0.93:
            text = text.replace(GLOSSARY[language], "")
        cues.append(QACue(index, start, end, text or phrases[0], source))
        start = max(end + round(gap), start + 1)
    return cues


def clear_caches():
    linebreaking._thai_words.cache_clear()
    linebreaking._phrases.cache_clear()


def timed(function, *args, **kwargs) -> tuple[float, object]:
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - began, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cues", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--language", action="append", choices=sorted(PHRASES))
    options = parser.parse_args()
    load_thai = timed(warm_up, ("th",))[0]
    load_japanese = timed(linebreaking._budoux_parser, "ja")[0]
    load_chinese = timed(linebreaking._budoux_parser, "zh-Hans")[0]
    print(f"segmenter load, once per process: PyThaiNLP newmm {load_thai:.3f}s, "
          f"BudouX ja {load_japanese:.3f}s, BudouX zh-Hans {load_chinese:.3f}s")
    print(f"{'language':<9} {'cues':>5} {'issues':>6} {'fixed':>5} {'left':>5} "
          f"{'check cold':>10} {'check warm':>10} {'fix cold':>9} {'fix warm':>9}")
    for language in options.language or list(PHRASES):
        glossary = [GlossaryRule("김 부장", GLOSSARY[language])]
        tracks = [build_track(language, options.cues, seed) for seed in
                  range(options.repeat + 1)]
        # Cold: the first calls in the process for this language load its segmenter.
        linebreaking._budoux_parser.cache_clear()
        clear_caches()
        check_cold, issues = timed(check_track, tracks[0], language=language,
                                   glossary=glossary)
        clear_caches()
        fix_cold, result = timed(fix_track, tracks[0], language=language, glossary=glossary)
        check_warm, fix_warm = [], []
        for track in tracks[1:]:
            clear_caches()
            check_warm.append(timed(check_track, track, language=language,
                                    glossary=glossary)[0])
            clear_caches()
            fix_warm.append(timed(fix_track, track, language=language, glossary=glossary)[0])
        fixed = len({index for index, _sentence in result.changes})
        print(f"{language:<9} {len(tracks[0]):>5} {len(issues):>6} {fixed:>5} "
              f"{len(result.remaining):>5} {check_cold:>9.3f}s "
              f"{statistics.median(check_warm):>9.3f}s {fix_cold:>8.3f}s "
              f"{statistics.median(fix_warm):>8.3f}s")


if __name__ == "__main__":
    main()
