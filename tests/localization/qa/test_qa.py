"""Subtitle QA rules, each in each language, against ../shared/subtitle-standards.md."""

import pytest

from localization import qa
from localization.qa import GlossaryRule, Issue, QACue, get_profile

LANGUAGES = ("ko", "ja", "zh-Hans", "th")

# Per language: a short line, a line too long for the profile, two lines that together
# need about two seconds to read, a glossary rule with a source line that uses it.
SAMPLES = {
    "ko": {
        "short": "오늘은 날씨가 좋네요",
        "too_long": "오늘은 날씨가 정말 좋네요 우리 공원에 갈까요",  # 22 characters
        "two_lines": "오늘은 날씨가 정말 좋네요\n우리 공원에 갈까요",  # 21.5: 1.8 s at 12 cps
        "two_lines_ms": 2200,
        "glossary": GlossaryRule("김 부장", "김 부장님"),
        "source": "김 부장이 왔어요",
        "with_term": "김 부장님이 오셨어요",
        "without_term": "사장님이 오셨어요",
    },
    "ja": {
        "short": "今日はいい天気",
        "too_long": "今日は天気がとても良いので公園に行こう",  # 19 characters
        # 19 characters (too many for one line of 13): 4.75 s at 4 cps
        "two_lines": "今日は天気がいいので\n公園に行きましょう",
        "two_lines_ms": 5000,
        "glossary": GlossaryRule("김 부장", "キム部長"),
        "source": "김 부장이 왔어요",
        "with_term": "キム部長が来た",
        "without_term": "社長が来た",
    },
    "zh-Hans": {
        "short": "今天天气很好",
        "too_long": "今天天气真的很好我们一起去公园散步吧",  # 18 characters
        # 19 characters (too many for one line of 16): 2.1 s at 9 cps
        "two_lines": "今天的天气真的很好\n我们一起去公园散步吧",
        "two_lines_ms": 2200,
        "glossary": GlossaryRule("김 부장", "金部长"),
        "source": "김 부장이 왔어요",
        "with_term": "金部长来了",
        "without_term": "老板来了",
    },
    "th": {
        "short": "วันนี้อากาศดีมาก",
        "too_long": "วันนี้อากาศดีมากเราไปเดินเล่นที่สวนสาธารณะด้วยกันไหมครับเพื่อนรัก",
        # 45 with the space a line break stands for (one line holds 35): 2.65 s at 17 cps
        "two_lines": "วันนี้อากาศดีมากเลยนะ\nเราไปเดินเล่นที่สวนสาธารณะกันไหม",
        "two_lines_ms": 3000,
        "glossary": GlossaryRule("김 부장", "ผู้จัดการคิม"),
        "source": "김 부장이 왔어요",
        "with_term": "ผู้จัดการคิมมาแล้ว",
        "without_term": "เจ้านายมาแล้ว",
    },
}

# Ellipses: (wrong, right) per language. Chinese writes the ellipsis as two U+2026.
ELLIPSES = {
    "ko": ("글쎄...", "글쎄…"),
    "ja": ("さあ...", "さあ…"),
    "zh-Hans": ("这个...", "这个……"),
    "th": ("ก็...", "ก็…"),
}


def check_track(cues, **options):
    """QA at 24 fps, the frame rate of these tests' media (tests of other rates pass theirs)."""
    return qa.check_track(cues, **{"frame_rate": 24, **options})


def cue(index=1, start=0, end=2000, text="", source=""):
    return QACue(index=index, start_ms=start, end_ms=end, text=text, source_text=source)


def rules(issues: list[Issue]) -> list[str]:
    return [issue.rule for issue in issues]


def only(issues: list[Issue], rule: str) -> Issue:
    found = [issue for issue in issues if issue.rule == rule]
    assert len(found) == 1, issues
    return found[0]


def case_line_length(language):
    sample = SAMPLES[language]
    return [cue(text=sample["too_long"], end=6000)], [cue(text=sample["short"])]


def case_line_count(language):
    sample = SAMPLES[language]
    three = f"{sample['short']}\n{sample['short']}\n{sample['short']}"
    return [cue(text=three, end=6900)], [cue(text=sample["two_lines"],
                                             end=sample["two_lines_ms"])]


def case_reading_speed(language):
    sample = SAMPLES[language]
    return ([cue(text=sample["two_lines"], end=1000)],
            [cue(text=sample["two_lines"], end=sample["two_lines_ms"])])


def case_min_duration(language):
    # 5/6 s is 20 frames at 24 fps: 833 ms in whole milliseconds.
    word = SAMPLES[language]["short"][:2]
    return [cue(text=word, end=800)], [cue(text=word, end=833)]


def case_max_duration(language):
    short = SAMPLES[language]["short"]
    return [cue(text=short, end=7100)], [cue(text=short, end=7000)]


def case_gap(language):
    short = SAMPLES[language]["short"]
    # One frame (42 ms at 24 fps) is less than the two-frame minimum.
    return ([cue(1, 0, 2000, short), cue(2, 2042, 5000, short)],
            [cue(1, 0, 2000, short), cue(2, 2084, 5000, short)])


def case_overlap(language):
    short = SAMPLES[language]["short"]
    return ([cue(1, 0, 2100, short), cue(2, 2000, 5000, short)],
            [cue(1, 0, 2000, short), cue(2, 3000, 5000, short)])


def case_chaining(language):
    short = SAMPLES[language]["short"]
    # Six frames (250 ms) is closed to two; thirteen frames (542 ms) is left alone.
    return ([cue(1, 0, 2000, short), cue(2, 2250, 5000, short)],
            [cue(1, 0, 2000, short), cue(2, 2542, 5000, short)])


def case_forbidden_character(language):
    short = SAMPLES[language]["short"]
    return [cue(text=short + "😀")], [cue(text=short)]


def case_ellipsis(language):
    wrong, right = ELLIPSES[language]
    return [cue(text=wrong)], [cue(text=right)]


def case_glossary(language):
    sample = SAMPLES[language]
    return ([cue(text=sample["without_term"], source=sample["source"])],
            [cue(text=sample["with_term"], source=sample["source"])])


def case_empty(language):
    return [cue(text=" ")], [cue(text=SAMPLES[language]["short"])]


CASES = {
    "line_length": (case_line_length, "error"),
    "line_count": (case_line_count, "error"),
    "reading_speed": (case_reading_speed, "warning"),
    "min_duration": (case_min_duration, "error"),
    "max_duration": (case_max_duration, "error"),
    "gap": (case_gap, "error"),
    "overlap": (case_overlap, "error"),
    "chaining": (case_chaining, "warning"),
    "forbidden_character": (case_forbidden_character, "error"),
    "ellipsis": (case_ellipsis, "warning"),
    "glossary": (case_glossary, "warning"),
    "empty": (case_empty, "error"),
}


def check(cues, language):
    glossary = [SAMPLES[language]["glossary"]]
    return check_track(cues, language=language, glossary=glossary)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("rule", list(CASES))
def test_each_rule_fails_and_passes_in_each_language(rule, language):
    build, severity = CASES[rule]
    failing, passing = build(language)
    issue = only(check(failing, language), rule)
    expected = "error" if (rule, language) == ("ellipsis", "ko") else severity
    assert issue.severity == expected
    assert issue.cue_index == 1
    assert issue.message
    assert check(passing, language) == []


def test_korean_ellipsis_is_an_error_because_its_guide_requires_u2026():
    issue = only(check([cue(text="글쎄...")], "ko"), "ellipsis")
    assert issue.severity == "error"
    assert issue.message == "Write the ellipsis as “…”, not “...”."


def test_chinese_ellipsis_is_two_characters():
    assert "ellipsis" in rules(check([cue(text="这个…")], "zh-Hans"))
    assert "ellipsis" in rules(check([cue(text="这个。。。")], "zh-Hans"))
    assert check([cue(text="这个……")], "zh-Hans") == []


def test_japanese_middle_dots_are_not_an_ellipsis():
    assert "ellipsis" in rules(check([cue(text="さあ・・・")], "ja"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_control_characters_are_forbidden(language):
    issue = only(check([cue(text=SAMPLES[language]["short"] + "\u200b")], language),
                 "forbidden_character")
    assert issue.message == (f"Not in the {language} glyph list: "
                             "zero width space (U+200B).")


def test_japanese_refuses_half_width_katakana_and_half_width_marks_by_kana():
    issue = only(check([cue(text="ｱﾘｶﾞﾄｳ")], "ja"), "forbidden_character")
    assert issue.message == ("Not in the ja glyph list: “ｱ” (U+FF71), “ﾘ” (U+FF98), "
                             "“ｶ” (U+FF76), “ﾞ” (U+FF9E), “ﾄ” (U+FF84), “ｳ” (U+FF73).")
    issue = only(check([cue(text="本当!?")], "ja"), "forbidden_character")
    assert issue.message == ("Half-width punctuation next to ja text should be full-width: "
                             "! → ！, ? → ？.")
    assert check([cue(text="本当！？")], "ja") == []
    # A half-width mark among Latin letters is fine.
    assert check([cue(text="OK!")], "ja") == []


def test_chinese_expects_full_width_punctuation():
    issue = only(check([cue(text="你好,我是小王")], "zh-Hans"), "forbidden_character")
    assert "，" in issue.message
    assert check([cue(text="你好，我是小王")], "zh-Hans") == []
    assert check([cue(text="Hello, world")], "zh-Hans") == []


def test_music_notes_are_allowed():
    assert check([cue(text="♪ 사랑해 ♪")], "ko") == []


def test_line_length_message_names_the_numbers():
    issue = only(check([cue(text="今日はとても良い天気ですねABC")], "ja"), "line_length")
    assert issue.message == "Line 1 has 14.5 characters; the limit is 13."


@pytest.mark.parametrize(("text", "width"), [
    ("ABC", 1.5), ("ＡＢＣ", 3), ("abc 123", 3.5), ("今日は", 3), ("…", 1), ("ｱｲｳ", 1.5),
])
def test_japanese_counts_half_width_as_half(text, width):
    from localization.qa import line_width

    assert line_width(text, language="ja") == width


def test_japanese_limit_is_thirteen_full_width_or_twenty_six_half_width():
    assert check([cue(text="あいうえおかきくけこさしす", end=7000)], "ja") == []  # 13
    assert rules(check([cue(text="あいうえおかきくけこさしすA", end=7000)], "ja")) == [
        "line_length"]
    assert check([cue(text="A" * 26, end=7000)], "ja") == []
    assert rules(check([cue(text="A" * 27, end=7000)], "ja")) == ["line_length"]


@pytest.mark.parametrize(("text", "width"), [
    ("가나다", 3), ("abcd efgh", 4.5), ("안녕, Kim!", 5), ("“네”", 2), ("Café", 2),
])
def test_korean_counts_latin_spaces_and_punctuation_as_half(text, width):
    from localization.qa import line_width

    assert line_width(text, language="ko") == width


def test_korean_line_with_latin_letters_fits_where_full_counting_would_not():
    line = "가나다라마바사아자차카타파 ABC"  # 13 + 0.5 + 1.5 = 15; 17 if all counted whole
    assert check([cue(text=line)], "ko") == []
    assert rules(check([cue(text=line + "DEFG")], "ko")) == ["line_length"]  # 17


def test_chinese_and_thai_count_every_character_whole_but_thai_marks_take_no_room():
    from localization.qa import line_width

    assert line_width("abc", language="zh-Hans") == 3
    assert line_width("ที่นี่", language="th") == 2  # two consonants; vowels and tones above
    assert check([cue(text="ก" * 35, end=3000)], "th") == []
    assert rules(check([cue(text="ก" * 36, end=3000)], "th")) == ["line_length"]
    assert check([cue(text="ที่" * 35, end=3000)], "th") == []


def test_reading_speed_depends_on_the_audience():
    text = SAMPLES["ko"]["two_lines"]  # 21.5 characters
    track = [cue(text=text, end=2000)]  # 10.75 cps
    assert check_track(track, language="ko") == []
    issue = only(check_track(track, language="ko", audience="children"), "reading_speed")
    assert issue.message == ("Reading speed is 10.8 characters per second; the limit for "
                             "children is 9.")
    fast = [cue(text=text, end=1600)]  # 13.4 cps: too fast for adults, not for SDH
    assert rules(check_track(fast, language="ko")) == ["reading_speed"]
    assert check_track(fast, language="ko", audience="sdh") == []
    with pytest.raises(ValueError, match="audience"):
        check_track(track, language="ko", audience="teens")


def test_japanese_reading_speed_is_four_characters_per_second():
    assert get_profile("ja").characters_per_second() == 4
    assert get_profile("ja").characters_per_second("sdh") == 7
    assert rules(check([cue(text="今日は天気がいい", end=1900)], "ja")) == ["reading_speed"]
    assert check([cue(text="今日は天気がいい", end=2000)], "ja") == []


def test_thai_reading_speed_is_marked_as_an_assumption():
    """The Thai guide's reading-speed section was not in the part read for the profile:
    Subtitle Edit's 17 / 13 / 20 are used, and the profile says so."""
    profile = get_profile("th")
    assert [profile.characters_per_second(audience)
            for audience in ("adult", "children", "sdh")] == [17, 13, 20]
    assert "Subtitle Edit" in profile.assumption
    assert profile.source("reading_speed").verified is False


def test_gaps_are_counted_in_frames_of_the_title():
    short = SAMPLES["ko"]["short"]
    # 80 ms is two frames at 25 fps but less than two at 24 fps.
    track = [cue(1, 0, 2000, short), cue(2, 2080, 4000, short)]
    assert check_track(track, language="ko", frame_rate=25) == []
    issue = only(check_track(track, language="ko", frame_rate=24), "gap")
    assert issue.message == "The gap between cues 1 and 2 is 1 frames; the minimum is 2 frames."


def test_a_gap_of_exactly_twelve_frames_is_chained():
    short = SAMPLES["ko"]["short"]
    twelve = [cue(1, 0, 2000, short), cue(2, 2500, 4000, short)]
    issue = only(check_track(twelve, language="ko"), "chaining")
    assert issue.message == ("The gap between cues 1 and 2 is 12 frames; a gap of 12 frames "
                             "or less should be closed to 2 frames.")
    assert issue.fixable


def test_overlap_is_reported_on_the_earlier_cue_and_not_fixable():
    short = SAMPLES["ko"]["short"]
    issue = only(check_track([cue(4, 0, 2100, short), cue(5, 2000, 4000, short)],
                             language="ko"), "overlap")
    assert (issue.cue_index, issue.fixable) == (4, False)
    assert issue.message == "Cue 4 ends 100 ms after cue 5 starts."


def test_glossary_term_split_by_a_line_break_still_counts():
    rule = GlossaryRule("김 부장", "キム部長")
    track = [cue(text="来たのは\nキム\n部長", source="김 부장이 왔어요", end=3000)]
    assert "glossary" not in rules(check_track(track, language="ja", glossary=[rule]))


def test_glossary_ignores_terms_the_source_does_not_use_and_ignores_case():
    rule = GlossaryRule("넷플릭스", "Netflix")
    assert check_track([cue(text="NETFLIX 자막", source="넷플릭스 자막")], language="ko",
                       glossary=[rule]) == []
    assert check_track([cue(text="자막", source="자막")], language="ko", glossary=[rule]) == []
    issue = only(check_track([cue(text="자막", source="넷플릭스 자막")], language="ko",
                             glossary=[rule]), "glossary")
    assert issue.message == ("The source has “넷플릭스”; the glossary asks for “Netflix”, "
                             "which is missing.")


def test_issue_as_dict():
    issue = Issue(3, "gap", "error", "The gap is 1 frames.", fixable=True)
    assert issue.as_dict() == {"cue_index": 3, "rule": "gap", "severity": "error",
                               "message": "The gap is 1 frames.", "fixable": True}


def test_issues_are_in_cue_order():
    short = SAMPLES["ko"]["short"]
    track = [cue(1, 0, 500, short), cue(2, 2000, 2300, "😀"), cue(3, 4000, 4100, "")]
    assert [issue.cue_index for issue in check_track(track, language="ko")] == [
        1, 1, 2, 2, 3, 3]


def test_unknown_language_is_refused():
    with pytest.raises(LookupError):
        check_track([cue(text="hello")], language="xx")
