"""Import and export of SRT, WebVTT, TTML (IMSC 1.1), ASS and SAMI, and broken files."""

import pytest
from lxml import etree

from localization.subtitles.cues import Cue, SubtitleFileError
from localization.subtitles.formats import (
    IMSC11_TEXT_PROFILE,
    TTML_NS,
    format_for_filename,
    read_subtitles,
    write_subtitles,
    write_subtitles_with_notes,
)

CUES = [
    Cue(1000, 2500, "안녕하세요.\n별빛 식당입니다.", "민수"),
    Cue(2600, 4200, "김치찌개 하나 & 밥 <두> 개"),
    Cue(3_601_000, 3_603_250, "한 시간 뒤의 대사"),
]


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ttml", "ass", "smi"])
def test_round_trip_keeps_times_and_text(fmt):
    data = write_subtitles(CUES, fmt, language="ko", title="별빛 식당")
    cues, notes = read_subtitles(data, fmt)
    assert notes == []
    assert [(c.start_ms, c.end_ms) for c in cues] == [(c.start_ms, c.end_ms) for c in CUES]
    assert [c.text for c in cues] == [c.text for c in CUES]


@pytest.mark.parametrize("fmt", ["vtt", "ttml", "ass"])
def test_speakers_survive_a_round_trip(fmt):
    cues, _notes = read_subtitles(write_subtitles(CUES, fmt, language="ko"), fmt)
    assert cues[0].speaker == "민수"
    assert cues[1].speaker == ""


def test_ttml_is_imsc_1_1_text_profile():
    root = etree.fromstring(write_subtitles(CUES, "ttml", language="ko", title="t"))
    assert root.tag == f"{{{TTML_NS}}}tt"
    assert root.get("{http://www.w3.org/ns/ttml#parameter}contentProfiles") == IMSC11_TEXT_PROFILE
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ko"
    paragraphs = root.findall(f".//{{{TTML_NS}}}p")
    assert [p.get("begin") for p in paragraphs] == ["00:00:01.000", "00:00:02.600",
                                                    "01:00:01.000"]
    assert len(paragraphs[0].findall(f"{{{TTML_NS}}}br")) == 1


def test_vtt_escapes_markup_characters():
    text = write_subtitles(CUES, "vtt", language="ko").decode()
    assert text.startswith("WEBVTT")
    assert "&amp; 밥 &lt;두&gt;" in text
    assert "<v 민수>" in text


SRT = "1\n00:00:01,000 --> 00:00:02,000\n첫 번째\n\n2\n00:00:03,000 --> 00:00:04,000\n두 번째\n"


def test_srt_with_bom_and_crlf_imports_with_notes():
    data = b"\xef\xbb\xbf" + SRT.replace("\n", "\r\n").encode("utf-8")
    cues, notes = read_subtitles(data, "srt")
    assert [c.text for c in cues] == ["첫 번째", "두 번째"]
    messages = " ".join(str(note) for note in notes)
    assert "byte order mark" in messages
    assert "CRLF" in messages


def test_euc_kr_file_is_read_as_korean_with_a_note():
    cues, notes = read_subtitles(SRT.encode("euc-kr"), "srt")
    assert [c.text for c in cues] == ["첫 번째", "두 번째"]
    assert any("EUC-KR" in str(note) for note in notes)


def test_cp949_only_characters_are_read():
    # 똠 is in cp949 but not in plain EUC-KR.
    cues, _notes = read_subtitles(SRT.replace("첫 번째", "똠방각하").encode("cp949"), "srt")
    assert cues[0].text == "똠방각하"


def test_bad_timestamp_fails_with_its_line_number():
    broken = SRT.replace("00:00:03,000 -->", "00:00:0x,000 -->")
    with pytest.raises(SubtitleFileError) as caught:
        read_subtitles(broken.encode(), "srt")
    assert caught.value.line == 6
    assert "line 6" in str(caught.value)


def test_cue_ending_before_it_starts_fails_with_line_number():
    broken = SRT.replace("00:00:03,000 --> 00:00:04,000", "00:00:04,000 --> 00:00:03,000")
    with pytest.raises(SubtitleFileError) as caught:
        read_subtitles(broken.encode(), "srt")
    assert caught.value.line == 6


def test_missing_blank_line_still_gives_two_cues():
    broken = SRT.replace("첫 번째\n\n2\n", "첫 번째\n2\n")
    cues, _notes = read_subtitles(broken.encode(), "srt")
    assert [c.text for c in cues] == ["첫 번째", "두 번째"]


def test_overlaps_and_disorder_import_with_line_numbered_notes():
    srt = ("1\n00:00:05,000 --> 00:00:06,000\n셋\n\n"
           "2\n00:00:01,000 --> 00:00:03,000\n하나\n\n"
           "3\n00:00:02,500 --> 00:00:04,000\n둘\n")
    cues, notes = read_subtitles(srt.encode(), "srt")
    assert [c.text for c in cues] == ["하나", "둘", "셋"]
    overlap = [note for note in notes if "overlaps" in note.message]
    assert len(overlap) == 1 and overlap[0].line == 10
    assert "500 ms" in overlap[0].message
    assert any("sorted" in note.message for note in notes)


def test_empty_cue_is_reported_not_silently_dropped():
    srt = SRT.replace("두 번째", " ")
    cues, notes = read_subtitles(srt.encode(), "srt")
    assert len(cues) == 1
    assert any(note.line == 6 and "no text" in note.message for note in notes)


def test_undecodable_bytes_fail_with_line_number():
    data = SRT.encode() + b"3\n00:00:05,000 --> 00:00:06,000\n\xff\xfe\xfa\xff\xc0\n"
    data = data.replace(b"\xff\xfe\xfa", b"\x81\x00\xfa")  # not cp949, no BOM
    with pytest.raises(SubtitleFileError) as caught:
        read_subtitles(data, "srt")
    assert caught.value.line == 10


def test_vtt_cue_with_a_bad_timestamp_is_left_out_with_its_line():
    # Browsers drop a cue whose times cannot be read and keep the others (W3C WebVTT).
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n하나\n\n00:03.0 --> 00:04.000\n둘\n"
    cues, notes = read_subtitles(vtt.encode(), "vtt")
    assert [c.text for c in cues] == ["하나"]
    assert [(note.line, "00:03.0 --> 00:04.000" in note.message) for note in notes] == [(6, True)]
    assert "milliseconds have exactly three digits" in notes[0].message


def test_vtt_with_identifiers_notes_and_settings_keeps_them():
    vtt = ("WEBVTT\n\nNOTE made by hand\n\nintro\n00:01.000 --> 00:02.000 align:start\n"
           "<v 지우>하나 &amp; 둘\n\n00:00:03.000 --> 00:00:04.500\n셋\n")
    cues, notes = read_subtitles(vtt.encode(), "vtt")
    assert cues == [Cue(1000, 2000, "하나 & 둘", "지우", identifier="intro", position=1,
                        settings={"vtt": "align:start"}),
                    Cue(3000, 4500, "셋")]
    assert notes == []


def test_vtt_without_header_fails_on_line_1():
    with pytest.raises(SubtitleFileError) as caught:
        read_subtitles(b"00:01.000 --> 00:02.000\nx\n", "vtt")
    assert caught.value.line == 1


TTML = """<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
    ttp:frameRate="24">
  <body>
    <div begin="10s">
      <p begin="00:00:01:12" end="00:00:02.000">하나<br/>둘</p>
      <p begin="3s" dur="1500ms"><span>셋</span></p>
    </div>
  </body>
</tt>
"""


def test_ttml_time_expressions_and_inherited_offsets():
    cues, notes = read_subtitles(TTML.encode(), "ttml")
    assert cues == [Cue(11500, 12000, "하나\n둘"), Cue(13000, 14500, "셋")]
    assert notes == []


def test_ttml_syntax_error_reports_line():
    broken = TTML.replace("<span>셋</span>", "<span>셋</p>")
    with pytest.raises(SubtitleFileError) as caught:
        read_subtitles(broken.encode(), "ttml")
    assert caught.value.line == 7


def test_ttml_bad_time_reports_line():
    broken = TTML.replace('begin="3s"', 'begin="three"')
    with pytest.raises(SubtitleFileError) as caught:
        read_subtitles(broken.encode(), "ttml")
    assert caught.value.line == 7


def test_empty_file_and_unknown_extension_are_refused():
    with pytest.raises(SubtitleFileError, match="empty"):
        read_subtitles(b"  \n", "srt")
    with pytest.raises(SubtitleFileError, match=".docx"):
        format_for_filename("subs.docx")
    assert format_for_filename("a.DFXP") == "ttml"


# --- bad input is refused with a reason, never a server error (issue #12) --------------------


def test_ttml_comment_inside_a_paragraph_is_ignored():
    ttml = TTML.replace("하나<br/>둘", "하나<!-- 번역 확인 -->둘<br/>셋<!-- 끝 -->")
    cues, _notes = read_subtitles(ttml.encode(), "ttml")
    assert cues[0].text == "하나둘\n셋"


def test_ttml_processing_instruction_inside_a_paragraph_is_ignored():
    ttml = TTML.replace("<span>셋</span>", "<span>셋<?editor cursor?></span> 넷")
    cues, _notes = read_subtitles(ttml.encode(), "ttml")
    assert cues[1].text == "셋 넷"


def test_ttml_undefined_entity_inside_a_paragraph_is_refused():
    ttml = TTML.replace('<tt xmlns=', '<!DOCTYPE tt SYSTEM "ttml.dtd">\n<tt xmlns=')
    ttml = ttml.replace("<span>셋</span>", "<span>셋&nbsp;넷</span>")
    with pytest.raises(SubtitleFileError) as caught:
        read_subtitles(ttml.encode(), "ttml")
    assert caught.value.line == 8
    assert "&nbsp;" in caught.value.message


@pytest.mark.parametrize("rate", ["0", "abc", "nan", "inf", "-24", ""])
def test_ttml_unusable_frame_rate_is_refused(rate):
    ttml = TTML.replace('ttp:frameRate="24"', f'ttp:frameRate="{rate}"')
    with pytest.raises(SubtitleFileError, match="ttp:frameRate") as caught:
        read_subtitles(ttml.encode(), "ttml")
    assert caught.value.line is not None


def test_ttml_zero_tick_rate_is_refused():
    ttml = TTML.replace('ttp:frameRate="24"', 'ttp:frameRate="24" ttp:tickRate="0"')
    with pytest.raises(SubtitleFileError, match="ttp:tickRate"):
        read_subtitles(ttml.encode(), "ttml")


@pytest.mark.parametrize("multiplier", ["0 1", "1 0", "x y", "1", "1 2 3", "nan 1"])
def test_ttml_unusable_frame_rate_multiplier_is_refused(multiplier):
    ttml = TTML.replace('ttp:frameRate="24"',
                        f'ttp:frameRate="24" ttp:frameRateMultiplier="{multiplier}"')
    with pytest.raises(SubtitleFileError, match="ttp:frameRateMultiplier"):
        read_subtitles(ttml.encode(), "ttml")


def test_ttml_frame_rate_multiplier_still_applies():
    ttml = TTML.replace('ttp:frameRate="24"',
                        'ttp:frameRate="30" ttp:frameRateMultiplier="1000 1001"')
    cues, _notes = read_subtitles(ttml.replace("00:00:01:12", "00:00:01:24").encode(), "ttml")
    assert cues[0].start_ms == 11801  # 24 frames at 29.97 fps are 800.8 ms


@pytest.mark.parametrize("end", ["99999999999h", "360000001ms", "100:00:00.001", "9" * 400 + "h",
                                 "9" * 5000 + ":00:00", "00:00:00:" + "9" * 5000])
def test_ttml_time_beyond_any_film_is_refused_naming_the_limit(end):
    ttml = TTML.replace('end="00:00:02.000"', f'end="{end}"')
    with pytest.raises(SubtitleFileError, match="100 hours") as caught:
        read_subtitles(ttml.encode(), "ttml")
    assert caught.value.line == 6


def test_ttml_offsets_adding_up_beyond_the_limit_are_refused():
    ttml = TTML.replace('<div begin="10s">', '<div begin="99h"><div begin="99h">')
    ttml = ttml.replace("</div>", "</div></div>")
    with pytest.raises(SubtitleFileError, match="100 hours") as caught:
        read_subtitles(ttml.encode(), "ttml")
    assert caught.value.line == 6


@pytest.mark.parametrize("times", ["99999999:00:00.000 --> 99999999:00:01.000",
                                   "00:00:01.000 --> 100:00:00.001",
                                   "00:00:01.000 --> " + "9" * 5000 + ":00:00.000"])
def test_vtt_cue_beyond_any_film_is_left_out_naming_the_limit(times):
    vtt = f"WEBVTT\n\n00:01.000 --> 00:02.000\n하나\n\n{times}\n둘\n"
    cues, notes = read_subtitles(vtt.encode(), "vtt")
    assert [c.text for c in cues] == ["하나"]
    assert len(notes) == 1 and notes[0].line == 6
    assert "100 hours" in notes[0].message and "left out" in notes[0].message


def test_vtt_file_whose_only_cue_is_beyond_any_film_is_refused():
    with pytest.raises(SubtitleFileError, match="no subtitle cues"):
        read_subtitles(b"WEBVTT\n\n00:00:01.000 --> 100:00:00.001\nx\n", "vtt")


def test_srt_time_beyond_any_film_is_refused_naming_the_limit():
    broken = SRT.replace("00:00:03,000 --> 00:00:04,000", "99:99:99,000 --> 99:99:99,999")
    with pytest.raises(SubtitleFileError, match="100 hours") as caught:
        read_subtitles(broken.encode(), "srt")
    assert caught.value.line == 6


def test_ass_time_beyond_any_film_is_refused_naming_the_limit():
    ass = write_subtitles(CUES, "ass", language="ko").decode()
    broken = ass.replace("1:00:01.00,1:00:03.25", "99:99:99.00,99:99:99.99")
    assert broken != ass
    with pytest.raises(SubtitleFileError, match="100 hours") as caught:
        read_subtitles(broken.encode(), "ass")
    assert caught.value.line == broken.split("\n").index(
        next(line for line in broken.split("\n") if "99:99:99.00" in line)) + 1


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ttml", "ass"])
def test_times_just_under_the_limit_still_import(fmt):
    cues = [Cue(1000, 2000, "하나"), Cue(359_990_000, 359_999_990, "끝")]
    # The ASS writer has one hour digit, so that file is written short and lengthened here.
    data = write_subtitles([Cue(1000, 2000, "하나"), Cue(9_000, 9_990, "끝")] if fmt == "ass"
                           else cues, fmt, language="ko")
    data = data.replace(b"0:00:09.00,0:00:09.99", b"99:59:50.00,99:59:59.99")
    read_back, _notes = read_subtitles(data, fmt)
    assert read_back == cues


CONTROL_CHARACTER_FILES = {
    "srt": "1\n00:00:01,000 --> 00:00:02,000\n하나\x00둘\x1b\n",
    "vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v 민\x01수>하나\x00둘\x1b\n",
    "ass": ("[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, End, Style, "
            "Name, MarginL, MarginR, MarginV, Effect, Text\n"
            "Dialogue: 0,0:00:01.00,0:00:02.00,Default,민\x01수,0,0,0,,하나\x00둘\x1b\n"),
}


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass"])
def test_control_characters_are_removed_with_a_note(fmt):
    # PostgreSQL refuses NUL in text and TTML cannot hold any of these: the track could be
    # neither saved nor exported.
    cues, notes = read_subtitles(CONTROL_CHARACTER_FILES[fmt].encode(), fmt)
    assert cues[0].text == "하나둘"
    assert cues[0].speaker == ("민수" if fmt != "srt" else "")
    assert [note.message for note in notes] == ["Control characters were removed from the cue."]
    assert notes[0].line is not None


def test_control_characters_typed_in_the_editor_are_left_out_of_an_export_with_a_note():
    data, notes = write_subtitles_with_notes([Cue(1000, 2000, "하나\x1b둘")], "ttml",
                                             language="ko")
    assert read_subtitles(data, "ttml")[0][0].text == "하나둘"
    assert [(note.message, note.cues) for note in notes] == [
        ("Control characters were left out of these cues.", (1,))]
