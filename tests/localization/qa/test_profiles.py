"""Subtitle profiles are data (profiles.json) that a studio can override with a file."""

import json

import pytest

from localization import qa
from localization.qa import QACue, check_cue, get_profile
from localization.subtitles import profiles
from localization.subtitles.profiles import PROFILES, profile_for, reload_profiles


@pytest.fixture
def override(monkeypatch, tmp_path):
    """Lay a profiles file over the shipped one through SUBTITLE_PROFILES_FILE."""

    def lay(data: dict):
        path = tmp_path / "studio-profiles.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        monkeypatch.setenv("SUBTITLE_PROFILES_FILE", str(path))
        return reload_profiles()

    yield lay
    monkeypatch.undo()
    reload_profiles()


def check_track(cues, **options):
    """QA at 24 fps, the frame rate of these tests' media (tests of other rates pass theirs)."""
    return qa.check_track(cues, **{"frame_rate": 24, **options})


def cue(index=1, start=0, end=2000, text="今日は天気がいい"):
    return QACue(index=index, start_ms=start, end_ms=end, text=text)


@pytest.mark.parametrize(("language", "line", "speeds"), [
    ("ko", 16, (12, 9, 14)),
    ("ja", 13, (4, 4, 7)),
    ("zh-Hans", 16, (9, 7, 11)),
    ("th", 35, (17, 13, 20)),
    ("en", 42, (20, 17, 20)),
])
def test_shipped_profiles_hold_the_published_numbers(language, line, speeds):
    profile = get_profile(language)
    assert profile.max_characters_per_line == line
    assert tuple(profile.characters_per_second(audience)
                 for audience in ("adult", "children", "sdh")) == speeds
    assert profile.max_lines == 2
    assert (profile.min_duration_ms, profile.max_duration_ms) == (834, 7000)
    assert (profile.min_gap_frames, profile.chaining_gap_frames) == (2, 12)
    # What the Korean segmenter reads.
    assert (profile.min_gap_ms, profile.chaining_gap_ms) == (84, 500)
    assert profile.width("가") == 1


def test_the_numbers_live_in_the_data_file():
    data = json.loads(profiles.PROFILES_FILE.read_text(encoding="utf-8"))
    assert data["languages"]["ja"]["reading_speed"] == {"adult": 4, "children": 4, "sdh": 7}
    assert set(data["languages"]) == {"ko", "ja", "zh-Hans", "th", "en"}


def test_an_override_file_relaxes_a_language(override):
    track = [cue(end=1500)]  # 8 characters in 1.5 s: 5.3 per second
    assert [issue.rule for issue in check_track(track, language="ja")] == ["reading_speed"]
    override({"languages": {"ja": {"reading_speed": {"adult": 6}}}})
    assert get_profile("ja").characters_per_second() == 6
    # Only what the file names changes.
    assert get_profile("ja").characters_per_second("sdh") == 7
    assert get_profile("ja").max_characters_per_line == 13
    assert check_track(track, language="ja") == []


def test_an_override_file_tightens_every_language_and_changes_severity(override):
    override({"defaults": {"max_duration_ms": 6000, "severities": {"chaining": "error"}}})
    for language in ("ko", "ja", "zh-Hans", "th"):
        assert get_profile(language).max_duration_ms == 6000
    assert [issue.rule for issue in check_track([cue(end=6500)], language="ja")] == [
        "max_duration"]
    chained = check_track([cue(1, 0, 2000), cue(2, 2250, 4500)], language="ja")
    assert [(issue.rule, issue.severity) for issue in chained] == [("chaining", "error")]
    # The shipped language entries still win over the override's defaults.
    assert get_profile("ko").severity("ellipsis") == "error"


def test_an_override_file_adds_a_language(override):
    override({"languages": {"vi": {"max_characters_per_line": 42,
                                   "reading_speed": {"adult": 17}}}})
    # Modules that imported PROFILES see the new language too.
    assert "vi" in PROFILES
    assert profile_for("vi").max_duration_ms == 7000
    issues = check_track([QACue(1, 0, 2000, "x" * 43)], language="vi")
    assert [issue.rule for issue in issues] == ["line_length", "reading_speed"]


@pytest.mark.parametrize("data", [
    {"languages": {"vi": {"reading_speed": {"adult": 17}}}},
    {"languages": {"ja": {"line_breaking": "syllables"}}},
    {"languages": {"ja": {"severities": {"gap": "fatal"}}}},
    {"profiles": {}},
    {"languages": {"ja": {"sound_brackets": "["}}},
    {"languages": {"ja": {"sources": {"reading_speed": {"guide": "no-such-guide"}}}}},
])
def test_a_broken_override_file_is_refused(override, data):
    with pytest.raises(ValueError):
        override(data)


@pytest.mark.parametrize(("key", "now"), [("chaining_gap_frames", "chaining_gap_seconds"),
                                          ("forbidden_ranges", "glyphs")])
def test_a_renamed_setting_is_refused_naming_its_new_key(override, key, now):
    with pytest.raises(ValueError, match=now):
        override({"languages": {"ja": {key: 10}}})


def test_an_override_may_cite_its_own_guide_and_allow_more_glyphs(override):
    override({"guides": {"studio": {"title": "Studio house guide",
                                    "url": "https://example.com/guide"}},
              "languages": {"ko": {
                  "glyphs": ["0020-007E", "AC00-D7A3", "3041-3096"],
                  "sources": {"glyphs": {"guide": "studio", "section": "2", "house_rule": True,
                                         "reason": "Kana for a Japanese song title."}}}}})
    profile = get_profile("ko")
    assert profile.allows("あ") and not profile.allows("♪")
    source = profile.source("glyphs")
    assert (source.guide, source.url, source.house_rule) == (
        "Studio house guide", "https://example.com/guide", True)
    # The other sources of the language stay (merged key by key).
    assert profile.source("dialogue_dash").guide == "Korean Timed Text Style Guide"


def test_without_the_variable_the_shipped_profiles_are_used(monkeypatch):
    monkeypatch.delenv("SUBTITLE_PROFILES_FILE", raising=False)
    reload_profiles()
    assert get_profile("ja").characters_per_second() == 4


def test_check_cue_reports_the_gaps_to_both_neighbours():
    previous = cue(4, 0, 2000)
    current = cue(5, 2250, 4500)  # six frames after the previous cue: chain
    following = cue(6, 4400, 6400)  # starts before this one ends
    issues = check_cue(current, language="ja", previous=previous, next=following)
    assert [(issue.cue_index, issue.rule, issue.fixable) for issue in issues] == [
        (4, "chaining", True), (5, "overlap", False)]
    assert check_cue(current, language="ja") == []


def test_check_cue_checks_the_cue_itself():
    issues = check_cue(cue(7, 0, 500, "今日は天気がとても良いので公園に行こう"), language="ja")
    assert [issue.rule for issue in issues] == ["line_length", "min_duration", "reading_speed"]
    assert all(issue.cue_index == 7 for issue in issues)


def test_a_profile_built_in_code_has_the_default_severities():
    from localization.subtitles.profiles import SubtitleProfile

    profile = SubtitleProfile("xx", max_characters_per_line=20)
    assert profile.severity("reading_speed") == "warning"
    assert profile.severity("line_length") == "error"
