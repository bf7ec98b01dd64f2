"""Segmentation into Korean cues follows ../shared/subtitle-standards.md."""

import pytest

from localization.subtitles.profiles import profile_for
from localization.subtitles.segmentation import Word, segment_words

KOREAN = profile_for("ko")


def words_from(text: str, *, start: int = 0, word_ms: int = 350, gap_ms: int = 80,
               pauses: dict[int, int] | None = None) -> list[Word]:
    words, time = [], start
    for index, token in enumerate(text.split()):
        words.append(Word(time, time + word_ms, " " + token))
        time += word_ms + (pauses or {}).get(index, gap_ms)
    return words


SPEECH = ("안녕하세요 오늘은 날씨가 정말 좋네요. 우리 같이 공원에 산책하러 갈까요? "
          "저는 커피를 한 잔 마시고 싶어요. 영화가 곧 시작합니다. 모두 자리에 앉아 주세요. "
          "Netflix 자막 규칙은 줄마다 열여섯 자를 넘지 않습니다.")


def test_every_cue_follows_the_korean_profile():
    cues = segment_words(words_from(SPEECH), KOREAN)
    assert len(cues) >= 4
    for cue in cues:
        assert len(cue.lines) <= 2
        assert all(KOREAN.width(line) <= 16 for line in cue.lines), cue
        assert KOREAN.min_duration_ms <= cue.end_ms - cue.start_ms <= KOREAN.max_duration_ms
    for previous, cue in zip(cues, cues[1:], strict=False):
        assert cue.start_ms - previous.end_ms >= KOREAN.min_gap_ms  # 2 frames at 24 fps


def test_no_word_is_lost_or_repeated():
    cues = segment_words(words_from(SPEECH), KOREAN)
    assert " ".join(cue.text.replace("\n", " ") for cue in cues).split() == SPEECH.split()


def test_cues_are_cut_at_the_long_pause():
    text = "우리 같이 공원에 산책하러 갈까요 저는 커피를 마시고 싶어요"
    # A 900 ms pause after the fifth word; elsewhere words follow closely.
    cues = segment_words(words_from(text, gap_ms=40, pauses={4: 900}), KOREAN)
    assert cues[0].text.replace("\n", " ") == "우리 같이 공원에 산책하러 갈까요"
    assert cues[1].text.replace("\n", " ").startswith("저는")


def test_latin_letters_and_spaces_count_half():
    assert KOREAN.width("abcd efgh") == 4.5
    assert KOREAN.width("가나다") == 3
    assert profile_for("zh-Hans").width("abc") == 3


def test_a_short_cue_is_held_for_the_minimum_duration():
    cues = segment_words([Word(1000, 1200, " 네.")], KOREAN)
    assert cues[0].end_ms - cues[0].start_ms >= 834


def test_a_fast_cue_is_held_long_enough_to_read_when_there_is_room():
    text = "빨리빨리말하는사람입니다요"  # 13 characters spoken in 0.6 s
    cues = segment_words([Word(0, 600, " " + text)], KOREAN)
    assert cues[0].end_ms >= round(1000 * len(text) / 12)


def test_short_gaps_are_closed_to_two_frames():
    words = (words_from("첫째 줄은 꽤 길게 이어지는 문장입니다.", word_ms=250, gap_ms=40)
             + words_from("둘째 줄도 역시 길게 이어지는 문장입니다.", start=2000, word_ms=250,
                          gap_ms=40))
    cues = segment_words(words, KOREAN)
    assert len(cues) == 2
    assert cues[1].start_ms - cues[0].end_ms == KOREAN.min_gap_ms


def test_a_word_longer_than_a_line_is_split_not_overflowing():
    cues = segment_words([Word(0, 4000, " " + "가" * 40)], KOREAN)
    assert "".join(cue.text for cue in cues) == "가" * 40
    assert all(KOREAN.width(line) <= 16 for cue in cues for line in cue.lines)


def test_long_speech_never_exceeds_seven_seconds():
    words = [Word(i * 400, i * 400 + 380, " 가") for i in range(60)]
    cues = segment_words(words, KOREAN)
    assert max(cue.end_ms - cue.start_ms for cue in cues) <= 7000


def test_unknown_language_has_no_profile():
    with pytest.raises(LookupError):
        profile_for("xx")
