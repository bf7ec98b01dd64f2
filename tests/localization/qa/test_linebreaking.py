"""Line breaking per language: Korean at spaces, Thai between words, Japanese and Chinese
between BudouX phrases."""

import socket

import budoux
import pytest
from pythainlp.tokenize import word_tokenize

from localization.qa import break_lines, line_width

THAI = "ฉันรักภาษาไทยเพราะมันสวยงามและมีประวัติศาสตร์ยาวนานมากกว่าที่เราคิดไว้"
JAPANESE = "明日の朝は新幹線に乗って大阪へ出張します"
CHINESE = "我们明天早上坐高铁去上海参加会议吧"
KOREAN = "오늘은 날씨가 정말 좋네요 우리 공원에 산책하러 갈까요"


def boundaries(pieces: list[str]) -> set[int]:
    """Offsets in the joined text where one piece ends and the next begins."""
    offsets, position = set(), 0
    for piece in pieces:
        position += len(piece)
        offsets.add(position)
    return offsets


def break_offsets(broken: str) -> list[int]:
    lines = broken.split("\n")
    return [sum(len(line) for line in lines[:count]) for count in range(1, len(lines))]


def assert_fits(broken: str, language: str, limit: float):
    lines = broken.split("\n")
    assert len(lines) == 2, broken
    assert all(0 < line_width(line, language=language) <= limit for line in lines), broken


def test_thai_breaks_between_words_where_a_naive_split_would_cut_one():
    words = word_tokenize(THAI, engine="newmm")
    word_ends = boundaries(words)
    # Cutting at the middle, or after 35 characters, would fall inside a word.
    assert len(THAI) // 2 not in word_ends
    assert 35 not in word_ends
    broken = break_lines(THAI, language="th")
    assert broken.replace("\n", "") == THAI
    assert_fits(broken, "th", 35)
    assert all(offset in word_ends for offset in break_offsets(broken))
    assert any("ประวัติศาสตร์" in line for line in broken.split("\n"))


def test_thai_prefers_the_space_between_phrases():
    text = "เราไปเดินเล่นที่สวนสาธารณะกันเถอะ วันนี้อากาศดีมากจริงๆ"
    assert break_lines(text, language="th") == (
        "เราไปเดินเล่นที่สวนสาธารณะกันเถอะ\nวันนี้อากาศดีมากจริงๆ")


def test_thai_repetition_mark_stays_with_its_word():
    text = "เขาพูดซ้ำๆ กันหลายครั้งแล้วนะว่าไม่เป็นไรจริงๆ ไม่ต้องห่วงเลย"
    for line in break_lines(text, language="th").split("\n"):
        assert not line.startswith(("ๆ", " "))


def test_thai_segmentation_works_offline():
    """newmm's dictionary ships in the wheel: nothing is downloaded."""
    from localization.qa.linebreaking import _thai_words

    def refuse(*args, **kwargs):
        raise AssertionError("PyThaiNLP tried to open a network connection")

    original = socket.socket
    socket.socket = refuse
    try:
        # A text never segmented before in this process, so nothing comes from a cache.
        words = _thai_words("แมวของคุณยายนอนหลับอยู่บนหลังคาบ้านทั้งวัน")
    finally:
        socket.socket = original
    assert "หลังคา" in words or "หลังคาบ้าน" in words


@pytest.mark.parametrize(("text", "language", "parser", "limit"), [
    (JAPANESE, "ja", budoux.load_default_japanese_parser, 13),
    (CHINESE, "zh-Hans", budoux.load_default_simplified_chinese_parser, 16),
])
def test_japanese_and_chinese_break_at_budoux_phrase_boundaries(text, language, parser, limit):
    phrase_ends = boundaries(parser().parse(text))
    # Cutting at the middle character, the most balanced cut, would split a word.
    assert len(text) // 2 not in phrase_ends
    assert (len(text) + 1) // 2 not in phrase_ends
    broken = break_lines(text, language=language)
    assert broken.replace("\n", "") == text
    assert_fits(broken, language, limit)
    assert all(offset in phrase_ends for offset in break_offsets(broken))


def test_japanese_and_chinese_breaks_keep_words_whole():
    assert break_lines(JAPANESE, language="ja") == "明日の朝は新幹線に\n乗って大阪へ出張します"
    assert break_lines(CHINESE, language="zh-Hans") == "我们明天早上坐\n高铁去上海参加会议吧"


def test_chinese_break_prefers_after_a_comma():
    text = "我们今天一起去公园散步吧，天气真的很好。"
    assert break_lines(text, language="zh-Hans") == "我们今天一起去公园散步吧，\n天气真的很好。"


def test_korean_breaks_only_at_spaces():
    broken = break_lines(KOREAN, language="ko")
    assert_fits(broken, "ko", 16)
    words = KOREAN.split(" ")
    lines = broken.split("\n")
    assert [word for line in lines for word in line.split(" ")] == words
    assert broken == "오늘은 날씨가 정말 좋네요\n우리 공원에 산책하러 갈까요"


def test_korean_word_longer_than_a_line_is_left_whole():
    text = "가나다라마바사아자차카타파하가나다라마"  # 19, no space to break at
    assert break_lines(text, language="ko") == text


def test_a_text_that_fits_one_line_is_joined_onto_one():
    assert break_lines("오늘은\n날씨가 좋네요", language="ko") == "오늘은 날씨가 좋네요"
    assert break_lines("今日は\nいい天気", language="ja") == "今日はいい天気"


def test_lines_are_rejoined_before_breaking_again():
    text = "오늘은\n날씨가\n정말 좋네요 우리\n공원에 산책하러 갈까요"
    assert break_lines(text, language="ko") == (
        "오늘은 날씨가 정말 좋네요\n우리 공원에 산책하러 갈까요")


def test_max_lines_is_respected_and_the_best_effort_returned():
    one = break_lines(KOREAN, language="ko", max_lines=1)
    assert "\n" not in one
    long_text = " ".join([KOREAN] * 3)
    broken = break_lines(long_text, language="ko")
    # Too long for two lines: still two lines, as balanced as possible, nothing lost.
    assert broken.count("\n") == 1
    assert broken.replace("\n", " ") == long_text
    widths = [line_width(line, language="ko") for line in broken.split("\n")]
    assert abs(widths[0] - widths[1]) <= 4
    twice = " ".join([KOREAN] * 2)  # 53.5 characters: four lines of 16 hold it
    four = break_lines(twice, language="ko", max_lines=4)
    assert four.count("\n") == 3
    assert all(line_width(line, language="ko") <= 16 for line in four.split("\n"))


def test_dialogue_lines_are_kept():
    dialogue = "- 어디 가? 오늘은 날씨가 정말 좋네요\n- 집에."
    assert break_lines(dialogue, language="ko") == dialogue
