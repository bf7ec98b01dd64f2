"""WebVTT as browsers read it (W3C WebVTT 1 parsing): what a browser keeps is kept, what it
drops is reported at its own line while the rest imports, and cue settings survive."""

import pytest

from localization.subtitles.cues import Cue, SubtitleFileError
from localization.subtitles.formats import read_subtitles, write_subtitles_with_notes
from localization.subtitles.formats.vtt import (
    collect_timestamp,
    parse_settings,
    settings_for_placement,
    settings_placement,
)


def read(text: str):
    return read_subtitles(text.encode(), "vtt")


def sixty_cues(bad_number: int, bad_times: str) -> tuple[str, int]:
    """A 60-cue file, cue ``bad_number`` with ``bad_times``; and that timing line's number."""
    lines = ["WEBVTT", ""]
    bad_line = 0
    for number in range(1, 61):
        start = number * 2
        times = f"00:{start // 60:02d}:{start % 60:02d}.000 --> " \
                f"00:{(start + 1) // 60:02d}:{(start + 1) % 60:02d}.500"
        lines.append(str(number))
        if number == bad_number:
            times, bad_line = bad_times, len(lines) + 1
        lines += [times, f"대사 {number}", ""]
    return "\n".join(lines), bad_line


def test_one_bad_cue_among_sixty_is_reported_at_its_own_line_and_the_others_import():
    text, bad_line = sixty_cues(37, "00:00:60.000 --> 00:01:15.500")
    assert bad_line == 4 + 36 * 4  # WEBVTT, blank, then 4 lines a cue: id, times, text, blank
    cues, notes = read(text)
    assert len(cues) == 59
    assert "대사 37" not in [cue.text for cue in cues]
    assert [cue.text for cue in cues][35:37] == ["대사 36", "대사 38"]
    assert cues[36].identifier == "38" and cues[36].start_ms == 76_000
    assert len(notes) == 1
    assert notes[0].line == bad_line
    assert "00:00:60.000" in notes[0].message and "minutes and seconds stop at 59" in \
        notes[0].message


@pytest.mark.parametrize("bad_times, reason", [
    ("00:00:01.0000 --> 00:00:02.000", "three digits"),
    ("00:00:01,000 --> 00:00:02.000", "full stop"),
    ("00:1:00.000 --> 00:02:00.000", "two digits"),
    ("00:00:01.000 -> 00:00:02.000", None),  # no arrow: not a cue at all
    ("x00:00:01.000 --> 00:00:02.000", "start with a digit"),
    ("00:00:01.000 --> 00:00:02.000 -->", None),
])
def test_cues_browsers_drop_are_noted_at_their_line(bad_times, reason):
    text = f"WEBVTT\n\n00:00:00.500 --> 00:00:00.900\n앞\n\n{bad_times}\n뒤\n"
    if reason is None and "->" in bad_times and "-->" not in bad_times:
        cues, notes = read(text)
        assert [cue.text for cue in cues] == ["앞"]
        assert [note.line for note in notes] == [6]  # text outside any cue, as browsers skip
        assert "not part of any cue" in notes[0].message
        return
    cues, notes = read(text)
    if reason is None:  # an arrow after the end time is only an unknown setting
        assert [cue.text for cue in cues] == ["앞", "뒤"]
        assert notes[0].line == 6 and "'-->'" in notes[0].message
        return
    assert [cue.text for cue in cues] == ["앞"]
    assert notes[0].line == 6 and reason in notes[0].message


def test_one_digit_hours_a_nul_after_a_timestamp_and_zero_length_cues_are_kept():
    text = ("WEBVTT\n\n0:00:01.000 --> 0:00:02.000\n한 자리 시\n\n"
            "00:00:03.000 --> 00:00:04.000\x00\n널 뒤\n\n"
            "00:00:05.000 --> 00:00:05.000\n길이 없음\n\n"
            "00:00:09.000 --> 00:00:08.000\n끝난 뒤에 시작\n")
    cues, notes = read(text)
    assert [(cue.start_ms, cue.end_ms, cue.text) for cue in cues] == [
        (1000, 2000, "한 자리 시"), (3000, 4000, "널 뒤"), (5000, 5000, "길이 없음")]
    # The NUL is a setting a browser ignores; the cue ending before it starts is left out.
    assert [note.line for note in notes] == [6, 12]
    assert "U+0000" in notes[0].message
    assert "before it starts" in notes[1].message


def test_timestamp_collector_follows_the_specification():
    assert collect_timestamp("01:02.003", 0) == (62_003, 9)
    assert collect_timestamp("1:02:03.004 -->", 0) == (3_723_004, 11)
    assert collect_timestamp("120:00:00.000", 0)[0] == 432_000_000
    # 60 cannot be minutes, so it is hours, which need minutes and seconds after them.
    for bad in ("60:00.000", "01:60.000", "01:02.03", "01:02", "1:2:03.000", "a1:02.000"):
        with pytest.raises(ValueError):
            collect_timestamp(bad, 0)


def test_header_signature_is_checked_as_browsers_do():
    for good in ("WEBVTT\n\n", "WEBVTT - 별빛 식당\n\n", "WEBVTT\tx\nKind: captions\n\n"):
        assert read(good + "00:01.000 --> 00:02.000\n하나\n")[0][0].text == "하나"
    for bad in ("WEBVTTX\n\n", "webvtt\n\n", "WEBVTT-\n\n"):
        with pytest.raises(SubtitleFileError) as caught:
            read(bad + "00:01.000 --> 00:02.000\n하나\n")
        assert caught.value.line == 1


def test_a_cue_without_a_blank_line_before_the_next_one_is_two_cues():
    cues, notes = read("WEBVTT\n\n00:01.000 --> 00:02.000\n하나\n00:03.000 --> 00:04.000\n둘\n")
    assert [cue.text for cue in cues] == ["하나", "둘"]
    assert notes == []


def test_style_blocks_classes_bold_ruby_karaoke_and_second_voices_are_noted():
    text = ("WEBVTT\n\nSTYLE\n::cue { color: yellow }\n\n"
            "00:01.000 --> 00:02.000\n<v.loud 지우>하나 <b>둘</b> <c.red>셋</c>\n<v 민수>넷\n\n"
            "00:03.000 --> 00:04.000\n"
            "<ruby>漢字<rt>かんじ</rt></ruby> <00:03.500>다섯 <u>여섯</u>\n\n"
            "NOTE 주석은 조용히 빠진다\n")
    cues, notes = read(text)
    assert [(cue.text, cue.speaker) for cue in cues] == [("하나 둘 셋\n넷", "지우"),
                                                         ("漢字 다섯 여섯", "")]
    messages = [(note.line, note.message) for note in notes]
    assert messages[0][0] == 3 and "STYLE block" in messages[0][1]
    joined = " ".join(message for _line, message in messages)
    for lost in ("<v.loud>", "<b>", "<c.red>", "Ruby readings", "karaoke timestamps", "<u>",
                 "several voices", "민수"):
        assert lost in joined
    assert "주석" not in joined


def test_identifiers_settings_and_regions_survive_a_round_trip():
    text = ("WEBVTT\n\nREGION\nid:fred\nwidth:40%\nlines:3\nregionanchor:0%,100%\n"
            "viewportanchor:10%,90%\nscroll:up\n\n"
            "intro\n00:01.000 --> 00:02.000 line:10% position:20%,line-left align:start "
            "size:50%\n<i>속삭임</i> 보통\n\n"
            "tate\n00:03.000 --> 00:04.000 vertical:rl line:0 align:start\n縦書き\n\n"
            "00:05.000 --> 00:06.000 region:fred\n영역\n\n"
            "00:07.000 --> 00:08.000 align:middle line:auto\n무효\n")
    cues, notes = read(text)
    intro, tate, region, invalid = cues
    assert (intro.identifier, intro.position, intro.vertical) == ("intro", 7, "")
    assert intro.text == "<i>속삭임</i> 보통"
    assert intro.settings == {"vtt": "line:10% position:20%,line-left align:start size:50%"}
    assert (tate.identifier, tate.position, tate.vertical) == ("tate", 9, "rl")
    assert region.settings["vtt"] == "region:fred"
    assert region.position == 1  # the region's anchor: the bottom left
    assert "viewportanchor:10%,90%" in region.settings["vtt_region"]
    assert invalid.position == 2 and invalid.settings == {}
    assert sorted(note.message.split("'")[1] for note in notes) == ["align:middle",
                                                                    "line:auto"]
    assert all(note.line == 22 for note in notes)

    data, export_notes = write_subtitles_with_notes(cues, "vtt", language="ja")
    written = data.decode()
    assert "REGION\nid:fred\nwidth:40%" in written
    assert ("intro\n00:00:01.000 --> 00:00:02.000 line:10% position:20%,line-left "
            "align:start size:50%\n<i>속삭임</i> 보통") in written
    assert "00:00:03.000 --> 00:00:04.000 vertical:rl line:0 align:start" in written
    assert export_notes == []
    again, again_notes = read(written)
    assert again == [*cues[:3], Cue(7000, 8000, "무효")]
    assert again_notes == []


def test_settings_become_positions_for_other_formats_and_the_export_says_so():
    cues, _notes = read("WEBVTT\n\n00:01.000 --> 00:02.000 line:10% align:start size:50%\n"
                        "위 왼쪽\n\n00:03.000 --> 00:04.000 vertical:rl line:0 align:start\n縦\n")
    data, notes = write_subtitles_with_notes(cues, "ttml", language="ja")
    ttml_cues, _ttml_notes = read_subtitles(data, "ttml")
    assert [(cue.position, cue.vertical) for cue in ttml_cues] == [(7, ""), (9, "rl")]
    # The vertical cue's settings are the ones TTML's placement gives back: nothing lost.
    assert [note.cues for note in notes] == [(1,)]
    assert "WebVTT cue settings" in notes[0].message and "top left" in notes[0].message

    data, notes = write_subtitles_with_notes(cues, "srt", language="ja")
    assert data.decode().startswith("1\n00:00:01,000 --> 00:00:02,000\n{\\an7}위 왼쪽")
    assert {note.message.split(";")[0]: note.cues for note in notes}[
        "SRT has no vertical text"] == (2,)


@pytest.mark.parametrize("vertical", ["", "rl", "lr"])
@pytest.mark.parametrize("position", range(1, 10))
def test_generated_settings_read_back_to_the_same_place(position, vertical):
    settings = parse_settings(settings_for_placement(position, vertical))
    assert settings.ignored == ()
    assert settings_placement(settings) == (position, vertical)


def test_markup_characters_and_arrows_in_text_are_escaped():
    cues = [Cue(1000, 2000, "a --> b & <c>\n\n<i>기울임</i>", "민 <수>", identifier="x-->y")]
    data, notes = write_subtitles_with_notes(cues, "vtt", language="ko")
    text = data.decode()
    assert "<v 민 &lt;수&gt;>a --&gt; b &amp; &lt;c&gt;\n<i>기울임</i>" in text
    assert "x-->y" not in text
    assert {note.message.split(" (")[0].split(";")[0] for note in notes} == {
        "These cue identifiers cannot be written in WebVTT",
        "WebVTT ends a cue at an empty line"}
    read_back = read(text)[0][0]
    assert (read_back.text, read_back.speaker) == ("a --> b & <c>\n<i>기울임</i>", "민 <수>")
