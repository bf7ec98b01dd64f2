"""Safe automatic fixes: line breaks and out-times only, and a report of what is left."""

import pytest

from localization import qa
from localization.qa import GlossaryRule, QACue, break_lines, check_cue, fix_track
from localization.qa.types import FixResult

SHORT = "오늘은 날씨가 좋네요"  # 9 characters: 0.75 s at 12 cps
TWO_LINES = "오늘은 날씨가 정말 좋네요\n우리 공원에 갈까요"  # 21.5 characters: 1.8 s
TOO_LONG = "오늘은 날씨가 정말 좋네요 우리 공원에 산책하러 갈까요"  # 25.5, fits two lines


def cue(index=1, start=0, end=2000, text=SHORT, source=""):
    return QACue(index=index, start_ms=start, end_ms=end, text=text, source_text=source)


def fix(cues, language="ko", **options) -> FixResult:
    return fix_track(cues, language=language, **{"frame_rate": 24, **options})


def check_track(cues, **options):
    """QA at 24 fps, the frame rate of these tests' media (tests of other rates pass theirs)."""
    return qa.check_track(cues, **{"frame_rate": 24, **options})


def rules_of(issues, index=None):
    return [issue.rule for issue in issues if index is None or issue.cue_index == index]


def test_a_line_too_long_is_re_broken():
    result = fix([cue(text=TOO_LONG, end=3000)])
    assert result.cues[0].text == "오늘은 날씨가 정말 좋네요\n우리 공원에 산책하러 갈까요"
    assert result.remaining == []
    assert result.changes == [(1, "Lines re-broken: “오늘은 날씨가 정말 좋네요 우리 "
                                  "공원에 산책하러 갈까요” became “오늘은 날씨가 정말 "
                                  "좋네요 / 우리 공원에 산책하러 갈까요”.")]


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("ko", "오늘은\n날씨가\n좋네요", "오늘은 날씨가 좋네요"),
    ("ko", "오늘은\n\n좋네요", "오늘은 좋네요"),
    ("ja", "今日は\nいい\n天気", "今日はいい天気"),
    ("zh-Hans", "今天\n天气\n很好", "今天天气很好"),
    ("th", "วันนี้\nอากาศ\nดีมาก", "วันนี้ อากาศ ดีมาก"),
])
def test_too_many_lines_or_an_empty_line_are_re_broken(language, text, expected):
    issues = check_track([cue(text=text, end=3000)], language=language)
    assert rules_of(issues) and all(issue.fixable for issue in issues)
    result = fix([cue(text=text, end=3000)], language)
    assert result.cues[0].text == expected
    assert result.remaining == []


@pytest.mark.parametrize(("language", "text"), [
    ("ja", "私は明日の朝早く起きて友達と一緒に海へ行きます"),
    ("zh-Hans", "这是我第一次来到这么美丽的城市感觉非常开心"),
    ("th", "ฉันรักภาษาไทยเพราะมันสวยงามและมีประวัติศาสตร์ยาวนานมากกว่าที่เราคิดไว้"),
])
def test_each_language_is_re_broken_with_its_own_segmentation(language, text):
    result = fix([cue(text=text, end=6500)], language)
    assert result.cues[0].text == break_lines(text, language=language)
    assert "\n" in result.cues[0].text
    assert "line_length" not in rules_of(result.remaining)


def test_text_too_long_for_two_lines_is_left_as_it_was_and_reported():
    text = " ".join([TOO_LONG] * 2)
    issues = check_track([cue(text=text, end=6900)], language="ko")
    assert [(issue.rule, issue.fixable) for issue in issues] == [("line_length", False)]
    result = fix([cue(text=text, end=6900)])
    assert result.cues[0].text == text
    assert result.changes == []
    assert rules_of(result.remaining) == ["line_length"]


def test_dialogue_is_not_reflowed():
    text = "- 오늘은 날씨가 정말 좋네요 우리 공원에\n- 싫어."
    result = fix([cue(text=text, end=3000)])
    assert result.cues[0].text == text
    assert rules_of(result.remaining) == ["line_length"]


def test_a_short_cue_is_extended_into_the_free_gap():
    track = [cue(1, 0, 500, "네"), cue(2, 3000, 5000)]
    assert [(issue.rule, issue.fixable) for issue in check_track(track, language="ko")] == [
        ("min_duration", True)]
    result = fix(track)
    assert result.cues[0].end_ms == 834
    assert result.remaining == []
    assert result.changes == [(1, "Out-time moved from 00:00:00,500 to 00:00:00,834 to give the "
                                  "cue time to be read.")]


def test_a_short_cue_never_comes_closer_than_the_minimum_gap():
    track = [cue(1, 0, 500, "네"), cue(2, 700, 3000)]
    issue = check_track(track, language="ko")[0]
    assert (issue.rule, issue.fixable) == ("min_duration", False)
    result = fix(track)
    assert result.cues[0].end_ms == 700 - 84  # two frames at 24 fps
    assert rules_of(result.remaining) == ["min_duration"]
    assert result.remaining[0].fixable is False


def test_a_fast_cue_is_extended_to_its_reading_time():
    result = fix([cue(1, 0, 1000, TWO_LINES), cue(2, 5000, 7000)])
    assert result.cues[0].end_ms == 1792  # 21.5 characters at 12 per second
    assert result.remaining == []


def test_a_fast_cue_extended_close_to_the_next_is_chained():
    result = fix([cue(1, 0, 1000, TWO_LINES), cue(2, 2000, 4000)])
    assert result.cues[0].end_ms == 2000 - 84
    assert result.remaining == []


def test_a_fast_cue_without_room_is_reported():
    track = [cue(1, 0, 1000, TWO_LINES), cue(2, 1100, 4000)]
    issue = [issue for issue in check_track(track, language="ko")
             if issue.rule == "reading_speed"][0]
    assert issue.fixable is False
    result = fix(track)
    assert result.cues[0].end_ms == 1016  # as far as the minimum gap allows
    assert rules_of(result.remaining) == ["reading_speed"]


@pytest.mark.parametrize(("frame_rate", "gap_ms"), [(24, 84), (25, 80), (23.976, 84),
                                                     (30, 67)])
def test_chaining_closes_a_short_gap_to_two_frames(frame_rate, gap_ms):
    track = [cue(1, 0, 2000), cue(2, 2250, 4000)]
    issues = check_track(track, language="ko", frame_rate=frame_rate)
    assert [(issue.rule, issue.fixable) for issue in issues] == [("chaining", True)]
    result = fix(track, frame_rate=frame_rate)
    assert result.cues[1].start_ms - result.cues[0].end_ms == gap_ms
    assert result.cues[1] == track[1]
    assert result.remaining == []
    assert result.changes == [(1, f"Out-time moved from 00:00:02,000 to 00:00:02,{250 - gap_ms:03d}"
                                  " to chain it to the next cue.")]


def test_chaining_never_passes_the_maximum_duration():
    track = [cue(1, 0, 6800), cue(2, 7300, 9000)]
    issue = check_track(track, language="ko")[0]
    assert (issue.rule, issue.fixable) == ("chaining", False)
    result = fix(track)
    assert result.cues == track
    assert rules_of(result.remaining) == ["chaining"]


def test_a_gap_under_two_frames_is_opened_by_moving_the_out_time_earlier():
    track = [cue(1, 0, 2000), cue(2, 2042, 4000)]
    assert [(issue.rule, issue.fixable) for issue in check_track(track, language="ko")] == [
        ("gap", True)]
    result = fix(track)
    assert result.cues[0].end_ms == 2042 - 84
    assert result.remaining == []


def test_a_gap_is_not_opened_when_the_cue_would_become_too_short():
    track = [cue(1, 0, 850, "네"), cue(2, 880, 3000)]
    assert [(issue.rule, issue.fixable) for issue in check_track(track, language="ko")] == [
        ("gap", False)]
    result = fix(track)
    assert result.cues == track
    assert rules_of(result.remaining) == ["gap"]


def test_a_cue_over_seven_seconds_is_cut_back_when_it_stays_readable():
    result = fix([cue(1, 0, 7500)])
    assert result.cues[0].end_ms == 7000
    assert result.remaining == []


def test_a_cue_over_seven_seconds_is_kept_when_shorter_would_be_unreadable():
    text = "あいうえおかきくけこさしす\nあいうえおかきくけこさしす\nあいうえおかきくけこさしす"
    track = [cue(1, 0, 9800, text)]  # 39 characters: 9.75 s at 4 per second
    result = fix(track, "ja")
    assert result.cues == track
    assert rules_of(result.remaining) == ["line_count", "max_duration"]


def test_an_overlap_is_not_fixed():
    track = [cue(1, 0, 2100), cue(2, 2000, 4000)]
    result = fix(track)
    assert result.cues == track
    assert result.changes == []
    assert [(issue.rule, issue.fixable) for issue in result.remaining] == [("overlap", False)]


def test_what_changes_words_or_needs_judgement_is_reported_not_fixed():
    glossary = [GlossaryRule("김 부장", "김 부장님")]
    track = [
        cue(1, 0, 2000, "안녕 😀"),
        cue(2, 3000, 5000, "- 뭐?\n아니"),  # a dash on one line of two: one speaker or two?
        cue(3, 6000, 8000, "사장님", source="김 부장이 왔어요"),
        cue(4, 9000, 9500, ""),
    ]
    result = fix(track, glossary=glossary)
    assert result.cues == track
    assert [(issue.cue_index, issue.rule) for issue in result.remaining] == [
        (1, "forbidden_character"), (2, "dialogue_dash"), (3, "glossary"), (4, "empty"),
        (4, "min_duration")]
    assert not any(issue.fixable for issue in result.remaining)


def test_the_three_dot_ellipsis_is_fixed():
    """Korean Timed Text Style Guide, I.4 Continuity: the single character U+2026."""
    track = [cue(1, 0, 2000, "글쎄...")]
    issue = check_track(track, language="ko")[0]
    assert (issue.rule, issue.fixable) == ("ellipsis", True)
    result = fix(track)
    assert result.cues[0].text == "글쎄…"
    assert result.remaining == []
    assert result.changes == [(1, "Ellipsis written as “…”: “글쎄...” became “글쎄…”.")]


MESSY = [
    cue(1, 1000, 1400, TOO_LONG),
    cue(2, 1500, 2600, "네\n\n알겠어요"),
    cue(3, 2800, 10300, SHORT),
    cue(4, 10340, 12000, TWO_LINES),
    cue(5, 12050, 12600, "- 뭐?\n- 아니."),
    cue(6, 12500, 14000, "글쎄... 😀"),
    cue(7, 20000, 20300, "네"),
]


def test_fixes_never_move_an_in_time_or_change_words():
    result = fix(MESSY)
    assert len(result.cues) == len(MESSY)
    for before, after in zip(MESSY, result.cues, strict=True):
        assert (after.index, after.start_ms, after.source_text) == (
            before.index, before.start_ms, before.source_text)
        # Only the ellipsis is written again (three dots became U+2026).
        assert after.text.replace("…", "...").split() == before.text.split()
        assert after.end_ms >= after.start_ms
    assert {index for index, _sentence in result.changes} == {1, 2, 3, 6, 7}


def test_fixing_twice_changes_nothing_more():
    once = fix(MESSY)
    twice = fix(once.cues)
    assert twice.changes == []
    assert twice.cues == once.cues
    assert twice.remaining == once.remaining


def test_fixable_means_the_fixer_clears_it():
    issues = check_track(MESSY, language="ko")
    remaining = {(issue.cue_index, issue.rule) for issue in fix(MESSY).remaining}
    assert any(issue.fixable for issue in issues)
    assert any(not issue.fixable for issue in issues)
    for issue in issues:
        assert ((issue.cue_index, issue.rule) not in remaining) == issue.fixable, issue


def test_check_cue_marks_fixable_like_check_track():
    for position, current in enumerate(MESSY):
        previous = MESSY[position - 1] if position else None
        following = MESSY[position + 1] if position + 1 < len(MESSY) else None
        inline = check_cue(current, language="ko", previous=previous, next=following)
        track = check_track(MESSY, language="ko")
        own = [issue for issue in track if issue.cue_index == current.index]
        before = [issue for issue in track if previous and issue.cue_index == previous.index
                  and issue.rule in ("gap", "chaining", "overlap")]
        assert sorted(inline, key=repr) == sorted(own + before, key=repr)
