"""The Netflix Timed Text Style Guide rules per language, each with the guide's section.

Every case names the guide and section its figure comes from (the URLs are in
``localization/subtitles/profiles.json``, ``guides``). Where the profile notes that a
section was beyond the part of the guide read (``"verified": false``), the docstring
says so too.
"""

from dataclasses import dataclass

import pytest

from localization import qa
from localization.qa import QACue, apply_safe_fixes, check_cues, get_profile
from localization.qa.services import quality_check_track
from localization.subtitles.cues import Cue
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from tests.factories import TitleFactory

LANGUAGES = ("ko", "ja", "zh-Hans", "th", "en")
SHORT = {"ko": "오늘은 날씨가 좋네요", "ja": "今日はいい天気", "zh-Hans": "今天天气很好",
         "th": "วันนี้อากาศดีมาก", "en": "What a lovely day"}


def cue(index=1, start=0, end=2000, text="", **extra):
    return QACue(index=index, start_ms=start, end_ms=end, text=text, **extra)


def check(cues, language, **options):
    return check_cues(cues, language=language, **{"fps": 24, **options})


def fix(cues, language, **options):
    return apply_safe_fixes(cues, language, **{"fps": 24, **options})


def of_rule(issues, rule):
    return [issue for issue in issues if issue.rule == rule]


def only(issues, rule):
    found = of_rule(issues, rule)
    assert len(found) == 1, issues
    return found[0]


# --- dialogue dashes -------------------------------------------------------------------

DIALOGUES = {
    # language: (as the guide writes two speakers, the other spacing)
    "ko": ("- 하지만 왜\n- 몰라", "-하지만 왜\n-몰라"),
    "th": ("- ถ้าฉันรู้\n- ฉันคงไม่โทรไป", "-ถ้าฉันรู้\n-ฉันคงไม่โทรไป"),
    "en": ("-Are you coming?\n-In a minute.", "- Are you coming?\n- In a minute."),
    "zh-Hans": ("-但你说\n-我知道", "- 但你说\n- 我知道"),
    "ja": ("－どこ行くの？\n－学校", "- どこ行くの？\n- 学校"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_two_speakers_open_each_line_with_the_languages_dash(language):
    """Dual speakers. Korean Timed Text Style Guide I.6 and Thai Timed Text Style Guide 4:
    a hyphen followed by a space; English (USA) Timed Text Style Guide, Dual Speakers: a
    hyphen without a space; Simplified Chinese (PRC) guide, 3. Continuity: its examples
    put the dash straight before the text. Japanese: the full-width hyphen-minus without a
    space (the guide's section was not in the part read; the profile says so)."""
    right, wrong = DIALOGUES[language]
    assert check([cue(text=right, end=4000)], language) == []
    issue = only(check([cue(text=wrong, end=4000)], language), "dialogue_dash")
    assert (issue.severity, issue.fixable) == ("warning", True)
    assert f"“{get_profile(language).dialogue_dash.strip()}”" in issue.message
    result = fix([cue(text=wrong, end=4000)], language)
    assert result.cues[0].text == right
    assert result.remaining == []


def test_the_dash_message_names_the_space():
    issue = only(check([cue(text="-하지만 왜\n-몰라")], "ko"), "dialogue_dash")
    assert issue.message == ("Two speakers: open each line with “-” and a space, as the ko "
                             "guide asks.")
    issue = only(check([cue(text="- Are you?\n- No.")], "en"), "dialogue_dash")
    assert issue.message == ("Two speakers: open each line with “-” without a space, as the "
                             "en guide asks.")


@pytest.mark.parametrize(("language", "text"), [
    ("ko", "- 하지만 왜\n몰라"), ("en", "Are you coming?\n-In a minute."),
])
def test_a_dash_on_one_line_of_two_is_reported_for_a_person(language, text):
    """Dual speakers: one speaker per line, a dash on both (Korean guide I.6, English (USA)
    guide, Dual Speakers). Which line lacks its dash, or has one too many, is a person's
    call, so it is not fixed."""
    issue = only(check([cue(text=text, end=4000)], language), "dialogue_dash")
    assert issue.fixable is False
    assert issue.message.startswith("Only line ")


def test_a_minus_sign_or_an_interruption_is_not_a_dialogue_dash():
    assert check([cue(text="Down to -5 tonight.\n-5 or colder, they say.", end=4000)],
                 "en") == []


# --- white space -----------------------------------------------------------------------

@pytest.mark.parametrize(("language", "messy", "tidy"), [
    ("ko", " 오늘은  날씨가 좋네요 ", "오늘은 날씨가 좋네요"),
    ("ko", "정말 ?", "정말?"),
    ("ja", "本当　！　信じられない", "本当！　信じられない"),
    ("ja", "今日は\u3000\u3000いい天気", "今日は\u3000いい天気"),
    ("zh-Hans", "今天  天气很好 ", "今天 天气很好"),
    ("th", "วันนี้อากาศดีมาก  เราไปกันไหม", "วันนี้อากาศดีมาก เราไปกันไหม"),
    ("en", "Wait ... what ?", "Wait… what?"),
])
def test_white_space_is_tidied(language, messy, tidy):
    """White space: no space opening or ending a line, no two in a row, none before
    punctuation. A house rule (no guide sentence was read on it): Netflix QC reports
    stray spaces and Subtitle Edit's NetflixCheckWhiteSpace encodes these four cases.
    Japanese keeps a single full-width space between sentences."""
    issue = only(check([cue(text=messy, end=3000)], language), "whitespace")
    assert (issue.severity, issue.fixable) == ("warning", True)
    result = fix([cue(text=messy, end=3000)], language)
    assert result.cues[0].text == tidy
    assert result.remaining == []


def test_the_white_space_message_says_where():
    issue = only(check([cue(text=" 오늘은  날씨가\n좋네요 ?")], "ko"), "whitespace")
    assert issue.message == ("White space: a space opens line 1; two spaces in a row in "
                             "line 1; a space before punctuation in line 2.")


def test_the_space_after_a_dialogue_dash_is_not_a_space_before_punctuation():
    """Korean guide I.4: an ellipsis opens a mid-sentence pick-up, after the dash."""
    assert check([cue(text="- …바다에서 수영하는 게\n- 왜?", end=3000)], "ko") == []


# --- one line when it fits -------------------------------------------------------------

@pytest.mark.parametrize(("language", "two", "one"), [
    ("ko", "오늘은\n날씨가 좋네요", "오늘은 날씨가 좋네요"),
    ("ja", "今日は\nいい天気", "今日はいい天気"),
    ("zh-Hans", "今天\n天气很好", "今天天气很好"),
    ("th", "วันนี้\nอากาศดีมาก", "วันนี้ อากาศดีมาก"),
    ("en", "What a\nlovely day", "What a lovely day"),
])
def test_two_lines_that_fit_on_one_are_joined(language, two, one):
    """Timed Text Style Guide: General Requirements, 5. Line Treatment: keep the text on
    one line unless it exceeds the character limitation."""
    issue = only(check([cue(text=two)], language), "one_line")
    assert (issue.severity, issue.fixable) == ("warning", True)
    result = fix([cue(text=two)], language)
    assert result.cues[0].text == one
    assert result.remaining == []


def test_two_lines_that_need_two_stay_and_dialogue_is_never_joined():
    assert check([cue(text="오늘은 날씨가 정말 좋네요\n우리 공원에 갈까요", end=2500)],
                 "ko") == []
    assert check([cue(text="- 뭐?\n- 아니.")], "ko") == []


# --- italics ---------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["ko", "zh-Hans"])
def test_korean_and_chinese_use_no_italics(language):
    """Korean guide I.10 and the Chinese guide's italics section (beyond the part read;
    as Subtitle Edit and ../shared/subtitle-standards.md have it): no italics. The markup
    is removed by the fixer; an italic flag from a file reader is left to a person."""
    text = f"<i>{SHORT[language]}</i>"
    issue = only(check([cue(text=text)], language), "italics")
    assert (issue.severity, issue.fixable) == ("error", True)
    result = fix([cue(text=text)], language)
    assert result.cues[0].text == SHORT[language]
    assert result.remaining == []
    flagged = only(check([cue(text=SHORT[language], italic=True)], language), "italics")
    assert flagged.fixable is False


@pytest.mark.parametrize("language", ["ja", "en", "th"])
def test_japanese_english_and_thai_allow_balanced_italics(language):
    """Japanese IMSC 1.1 Creation Guide, I.2 Italicization (tts:shear 16.67%); English
    (USA) guide, italics for off-screen voices; Thai as Subtitle Edit allows them."""
    assert check([cue(text=f"<i>{SHORT[language]}</i>")], language) == []
    issue = only(check([cue(text=f"<i>{SHORT[language]}")], language), "italics")
    assert issue.message == "The italics markup is not balanced: every <i> needs its </i>."
    assert issue.fixable is False


def test_markup_takes_no_room_in_the_line_or_the_reading_speed():
    """Korean guide I.2 (16 characters a line) and Japanese guide, I. (13): markup is not
    a character on screen, nor read."""
    korean = check([cue(text="<i>가나다라마바사아자차카타파하가나</i>", end=1400)], "ko")
    assert [issue.rule for issue in korean] == ["italics"]  # not used in Korean, but short
    assert check([cue(text="<i>あいうえおかきくけこさしす</i>", end=3250)], "ja") == []


# --- sound descriptions (SDH) ----------------------------------------------------------

@pytest.mark.parametrize(("language", "wrong", "right"), [
    ("en", "(door slams)", "[door slams]"),
    ("ko", "(문 닫히는 소리)", "[문 닫히는 소리]"),
    ("ja", "[ドアが閉まる音]", "（ドアが閉まる音）"),
])
def test_sound_descriptions_take_the_languages_brackets_on_sdh(language, wrong, right):
    """SDH sound effects: English (USA) guide, I. SDH: square brackets (as Subtitle Edit's
    NetflixCheckTextForHiUseBrackets); Korean guide II.9 Sound Effects: square brackets;
    Japanese SDH: full-width parentheses (both beyond the part of the guides read, marked
    so in the profile)."""
    issue = only(check([cue(text=wrong)], language, audience="sdh"), "sound_description")
    assert (issue.severity, issue.fixable) == ("warning", True)
    result = fix([cue(text=wrong)], language, audience="sdh")
    assert result.cues[0].text == right
    assert of_rule(result.remaining, "sound_description") == []
    # Subtitles that are not SDH have no sound descriptions to check.
    assert of_rule(check([cue(text=wrong)], language), "sound_description") == []


def test_a_speaker_name_before_the_line_is_not_a_sound_description():
    """Speaker IDs may take parentheses; only a line that is one description is checked."""
    assert of_rule(check([cue(text="(민수) 어디 가?")], "ko", audience="sdh"),
                   "sound_description") == []


@pytest.mark.parametrize("language", ["zh-Hans", "th"])
def test_chinese_and_thai_brackets_are_not_checked(language):
    """No bracket style for sound descriptions was found in the part of the Chinese and
    Thai guides read (Thai guide 6: parentheses are for forced narratives)."""
    assert get_profile(language).sound_brackets == ""
    assert of_rule(check([cue(text="(音乐)")], language, audience="sdh"),
                   "sound_description") == []


# --- glyph allow-lists -----------------------------------------------------------------

@pytest.mark.parametrize(("language", "allowed", "refused"), [
    ("ko", "“괜찮아” — CD 2장, 50% 할인 ♪", "こんにちは"),
    ("ja", "「本当？」　ＢＢＣで見た ※ ♪", "안녕하세요"),
    ("zh-Hans", "“你好”，约翰·史密斯说⋯", "สวัสดี"),
    ("th", "สวัสดีครับ “FBI” ♪", "你好"),
    ("en", "Café “Zoë” — 50% off ♪", "Привет"),
])
def test_each_language_allows_only_its_glyph_list(language, allowed, refused):
    """Timed Text Style Guide: General Requirements, 4. Glyph List: only the characters of
    the language's glyph list. The ranges approximate the Netflix Glyph List (a house
    rule, named so in the profile): the script, Latin letters, common punctuation, ♪."""
    assert of_rule(check([cue(text=allowed, end=4000)], language),
                   "forbidden_character") == []
    issue = only(check([cue(text=refused, end=4000)], language), "forbidden_character")
    assert (issue.severity, issue.fixable) == ("error", False)
    assert issue.message.startswith(f"Not in the {language} glyph list: ")


@pytest.mark.parametrize("char", ["\u00a0", "\u200b", "\ufeff", "\u202e", "\t", "😀", "\ue000"])
def test_invisible_and_picture_characters_are_in_no_glyph_list(char):
    for language in LANGUAGES:
        assert of_rule(check([cue(text=SHORT[language] + char)], language),
                       "forbidden_character"), (language, char)


def test_the_chinese_guides_interpunct_and_ellipsis_are_allowed():
    """Simplified Chinese (PRC) guide, 2. Names: a full-width interpunct between the parts
    of a foreign name; 3. Continuity: its examples end on ⋯, accepted beside the
    platform's …… (a house rule, named in the profile)."""
    assert check([cue(text="约翰·史密斯")], "zh-Hans") == []
    assert check([cue(text="但你说⋯")], "zh-Hans") == []
    assert check([cue(text="但你说……")], "zh-Hans") == []
    assert get_profile("zh-Hans").source("ellipsis").house_rule


# --- Japanese: vertical subtitles, counting, minimum duration --------------------------

def test_a_vertical_japanese_line_holds_eleven_characters():
    """Japanese Timed Text Style Guide, I. Content Requirements: horizontal subtitles at
    most 13 full-width characters a line, vertical ones 11."""
    eleven, twelve = "あいうえおかきくけこさ", "あいうえおかきくけこさし"
    assert check([cue(text=twelve, end=4000)], "ja") == []  # horizontal: 13
    assert check([cue(text=eleven, end=4000, vertical=True, position=9)], "ja") == []
    issue = only(check([cue(text=twelve, end=4000, vertical=True, position=9)], "ja"),
                 "line_length")
    assert issue.message == "Line 1 has 12 characters; the limit for vertical subtitles is 11."
    text = "明日の朝は新幹線に乗って"  # 12: its phrases fit two vertical lines
    result = fix([cue(text=text, end=4000, vertical=True, position=9)], "ja")
    assert "\n" in result.cues[0].text
    assert of_rule(result.remaining, "line_length") == []


def test_only_japanese_has_vertical_subtitles():
    """General Requirements, 6. Positional Data: top or bottom of the screen, except
    Japanese, where vertical positioning is allowed."""
    issue = only(check([cue(text=SHORT["ko"], vertical=True)], "ko"), "vertical")
    assert (issue.severity, issue.fixable) == ("error", False)


@pytest.mark.parametrize(("position", "vertical", "fine"), [
    (2, "", True), (8, "", True), (5, "", False), (1, "", False), (9, "", False),
    (9, "rl", True), (7, "lr", True), (2, "rl", False), (6, "rl", False),
])
def test_subtitles_sit_centred_at_the_bottom_or_top_and_vertical_ones_at_an_edge(
        position, vertical, fine):
    """General Requirements, 6. Positional Data: centre justified at the top or bottom;
    Japanese guide, I.: vertical subtitles top-aligned at the left or right side."""
    issues = check_cues([Cue(0, 2000, "今日はいい天気", position=position, vertical=vertical)],
                        language="ja", fps=24)
    assert [issue.rule for issue in issues] == ([] if fine else ["position"])
    assert all(issue.severity == "warning" and not issue.fixable for issue in issues)


@pytest.mark.parametrize(("text", "width"), [
    ("今日は", 3), ("ＡＢＣ", 3), ("ABC", 1.5), ("今日は　いい", 6), ("今日は いい", 5.5),
    ("…", 1), ("「本当」", 4), ("<i>今日は</i>", 3),
])
def test_japanese_counts_full_width_one_and_half_width_half(text, width):
    """Japanese guide, I. Content Requirements: a full-width character, space or
    punctuation mark counts 1, a half-width one 0.5 (Subtitle Edit counts every Japanese
    character as 1; the guide is followed)."""
    assert qa.line_width(text, language="ja") == width


def test_japanese_minimum_duration_is_the_general_five_sixths():
    """General Requirements, 1. Duration: 5/6 s (20 frames at 24 fps); the part of the
    Japanese guide read sets no minimum of its own (Subtitle Edit's 0.5 s is not used)."""
    profile = get_profile("ja")
    assert (profile.min_duration_ms, profile.min_duration_frames) == (834, 20)
    assert of_rule(check([cue(text="はい", end=600)], "ja"), "min_duration")
    assert of_rule(check([cue(text="はい", end=833)], "ja"), "min_duration") == []


# --- reading speed, bridge gaps --------------------------------------------------------

def test_thai_reading_speed_is_seventeen_characters_a_second():
    """The Thai guide's reading speed was not in the part read: Subtitle Edit's 17 (adult)
    is used and the profile marks it as an assumption."""
    text = "ก" * 34  # 34 characters: 2 s at 17 a second
    assert check([cue(text=text, end=2000)], "th") == []
    assert only(check([cue(text=text, end=1900)], "th"), "reading_speed")
    assert only(check([cue(text=text, end=2000)], "th", audience="children"), "reading_speed")


@pytest.mark.parametrize(("gap_ms", "rule"), [
    (84, None),  # 2 frames: the minimum
    (125, "chaining"),  # 3 frames: the first bridged
    (500, "chaining"),  # 12 frames: the last bridged
    (542, None),  # 13 frames: left open
])
def test_the_bridged_gap_range_is_three_to_twelve_frames_at_24_fps(gap_ms, rule):
    """Subtitle Timing Guidelines, 1: Timing to audio: gaps of 12 frames or fewer are
    closed to 2 frames (chaining); the 2-frame minimum (General Requirements 3) stays."""
    track = [cue(1, 0, 2000, SHORT["ko"]), cue(2, 2000 + gap_ms, 4000, SHORT["ko"])]
    assert [issue.rule for issue in check(track, "ko")] == ([rule] if rule else [])


# --- the pure entry points -------------------------------------------------------------

def test_check_cues_takes_the_cues_a_file_reader_gives():
    cues = [Cue(0, 2000, "- 하지만 왜\n- 몰라"), Cue(2040, 4000, "글쎄...")]
    issues = check_cues(cues, language="ko", fps=24)
    assert [(issue.cue_index, issue.rule) for issue in issues] == [(1, "gap"), (2, "ellipsis")]
    result = apply_safe_fixes(cues, "ko", fps=24)
    assert all(isinstance(item, Cue) for item in result.cues)
    assert result.cues[1] == Cue(2040, 4000, "글쎄…")
    assert result.cues[0] == Cue(0, 1956, "- 하지만 왜\n- 몰라")
    assert result.remaining == []


@dataclass(frozen=True)
class ReadCue:
    """A reader's cue with the attributes a format may give (identifier, italics,
    vertical), as the subtitle formats' ``Cue`` may grow them."""

    start_ms: int
    end_ms: int
    text: str
    identifier: str = ""
    italics: bool = False
    vertical: bool = False
    position: int = 2


def test_the_readers_italics_and_vertical_attributes_are_read():
    japanese = ReadCue(0, 4000, "あいうえおかきくけこさし", identifier="c1", vertical=True,
                       position=9)
    assert [issue.rule for issue in check_cues([japanese], language="ja", fps=24)] == [
        "line_length"]
    korean = ReadCue(0, 2000, SHORT["ko"], italics=True)
    assert [issue.rule for issue in check_cues([korean], language="ko", fps=24)] == [
        "italics"]
    fixed = apply_safe_fixes([ReadCue(0, 2000, "글쎄...", identifier="c9")], "ko", fps=24)
    assert fixed.cues == [ReadCue(0, 2000, "글쎄…", identifier="c9")]


# --- sources -----------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_every_figure_names_its_guide(language):
    profile = get_profile(language)
    for key in ("max_characters_per_line", "reading_speed", "dialogue_dash",
                "min_duration_ms", "min_gap_frames", "chaining_gap_seconds", "glyphs",
                "one_line", "italics_allowed", "sound_brackets"):
        source = profile.source(key)
        assert source is not None, (language, key)
        assert source.url.startswith(("https://partnerhelp.netflixstudios.com/",
                                      "https://github.com/SubtitleEdit/")), (language, key)
        assert source.section, (language, key)
        if source.house_rule:
            assert source.reason, (language, key)
    assert profile.source("max_characters_per_line").guide.endswith(
        "Timed Text Style Guide")
    assert profile.source("max_characters_per_line").verified


def test_house_rules_are_named_with_a_reason():
    for language in LANGUAGES:
        profile = get_profile(language)
        house = {key: source for key, source in profile.sources if source.house_rule}
        assert {"glyphs", "whitespace", "frame_rate"} <= set(house), language
        assert all(source.reason for source in house.values())


@pytest.mark.django_db
def test_a_stored_vertical_cue_is_checked_at_eleven_characters():
    """Japanese guide, I.: vertical subtitles at most 11 full-width characters a line; the
    stored cue's ``vertical`` and ``position`` (what its file said) reach the checks."""
    track = SubtitleTrack.objects.create(title=TitleFactory(), language="ja", version=1,
                                         source=SubtitleTrack.Source.IMPORT)
    SubtitleCue.objects.create(track=track, index=1, start_ms=0, end_ms=4000,
                               text="あいうえおかきくけこさし", vertical="rl", position=9)
    SubtitleCue.objects.create(track=track, index=2, start_ms=5000, end_ms=9000,
                               text="あいうえおかきくけこさし")
    quality_check_track(track=track)
    stored = {cue.index: [issue["rule"] for issue in cue.qa_issues] for cue in track.cues.all()}
    assert stored == {1: ["line_length"], 2: []}
