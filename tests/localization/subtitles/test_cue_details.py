"""Nothing is dropped without a word: identifiers, positions, vertical text, italics and
speakers survive import and export, and what a format cannot carry is said."""

import pytest
from lxml import etree

from localization.subtitles.cues import (
    Cue,
    SubtitleExportError,
    is_all_italic,
    normalize_markup,
    plain_text,
    split_markup,
)
from localization.subtitles.formats import (
    TTML_NS,
    read_subtitles,
    write_subtitles,
    write_subtitles_with_notes,
)

TTS = "{http://www.w3.org/ns/ttml#styling}"
ASS_HEADER = ("[Script Info]\nScriptType: v4.00+\nPlayResX: 1920\nPlayResY: 1080\n\n"
              "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, "
              "OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, "
              "Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, "
              "MarginV, Encoding\n"
              "Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,"
              "100,0,0,1,2,2,2,10,10,10,1\n"
              "Style: Whisper,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,-1,0,0,100,"
              "100,0,0,1,2,2,8,10,10,10,1\n\n"
              "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, "
              "Effect, Text\n")


def notes_by_start(notes) -> dict[str, tuple[int, ...]]:
    return {note.message.split(";")[0].split(" (")[0]: note.cues for note in notes}


def test_markup_helpers():
    assert normalize_markup("<i>a<i>b</i></i>c<i></i>") == "<i>ab</i>c"
    assert normalize_markup("<i>open") == "<i>open</i>"
    assert plain_text("<i>하나</i> 둘") == "하나 둘"
    assert is_all_italic("<i>하나\n둘</i> ") and not is_all_italic("<i>하나</i> 둘")
    assert split_markup("<i>하나 둘", "셋</i> 넷") == ("<i>하나 둘</i>", "<i>셋</i> 넷")
    assert split_markup("<i>하나</i>", "둘") == ("<i>하나</i>", "둘")


def test_srt_italics_and_positions_are_kept_and_other_tags_noted():
    srt = ("1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<i>위에서</i> 말한다\n\n"
           "2\n00:00:03,000 --> 00:00:04,000\n<b>굵게</b> <font color=\"#ff0\">노랑</font>\n\n"
           "7\n00:00:05,000 --> 00:00:06,000\n<i>전부\n기울임</i>\n")
    cues, notes = read_subtitles(srt.encode(), "srt")
    assert [(cue.text, cue.position, cue.identifier) for cue in cues] == [
        ("<i>위에서</i> 말한다", 8, ""), ("굵게 노랑", 2, ""), ("<i>전부\n기울임</i>", 2, "7")]
    assert [(note.line, note.message) for note in notes] == [
        (6, "The styling tag <b> is not kept; its text is."),
        (6, "The styling tag <font> is not kept; its text is.")]
    again, again_notes = read_subtitles(write_subtitles(cues, "srt", language="ko"), "srt")
    assert [(cue.text, cue.position) for cue in again] == [(c.text, c.position) for c in cues]
    assert again_notes == []


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ttml", "ass", "smi"])
def test_italics_survive_every_format(fmt):
    cues = [Cue(1000, 2000, "<i>속삭임</i> 보통\n<i>둘째 줄</i>"), Cue(3000, 4000, "<i>전부</i>")]
    data, notes = write_subtitles_with_notes(cues, fmt, language="ko")
    assert [cue.text for cue in read_subtitles(data, fmt)[0]] == [cue.text for cue in cues]
    assert notes == []


def test_ttml_italics_use_font_style_and_japanese_uses_shear():
    cues = [Cue(1000, 2000, "<i>기울임</i> 보통")]
    korean = etree.fromstring(write_subtitles(cues, "ttml", language="ko"))
    span = korean.find(f".//{{{TTML_NS}}}span")
    assert span.get(f"{TTS}fontStyle") == "italic" and span.text == "기울임"
    japanese = etree.fromstring(write_subtitles(cues, "ttml", language="ja"))
    assert japanese.find(f".//{{{TTML_NS}}}span").get(f"{TTS}shear") == "16.67%"
    assert read_subtitles(etree.tostring(japanese), "ttml")[0][0].text == "<i>기울임</i> 보통"


def test_ass_positions_italic_styles_and_line_tags_are_kept():
    ass = ASS_HEADER + (
        "Comment: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,메모\n"
        "Dialogue: 0,0:00:01.00,0:00:02.50,Default,민수,0,0,0,,{\\an7}왼쪽 위\n"
        "Dialogue: 0,0:00:03.00,0:00:04.00,Whisper,,0,0,0,,속삭임 {\\i0}보통\n"
        "Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,{\\pos(960,100)\\fad(200,0)\\b1}"
        "굵고{\\b0} {\\c&H00FFFF&}노랑{TL: 확인}\n"
        "Dialogue: 0,0:00:07.00,0:00:08.00,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100{\\p0}\n")
    cues, notes = read_subtitles(ass.encode(), "ass")
    assert [(cue.text, cue.speaker, cue.position) for cue in cues] == [
        ("왼쪽 위", "민수", 7), ("<i>속삭임 </i>보통", "", 8), ("굵고 노랑", "", 2)]
    assert cues[2].settings == {"ass": {"tags": "\\pos(960,100)\\fad(200,0)",
                                        "play_res": "1920x1080"}}
    messages = [(note.line, note.message) for note in notes]
    assert (None, "1 ASS Comment lines (never shown by players) were left out.") in messages
    assert (16, "The styling tag \\b is not kept; its text is.") in messages
    assert (16, "The styling tag \\c is not kept; its text is.") in messages
    assert (16, "A comment in braces {…} was left out of the cue.") in messages
    assert (17, "An ASS vector drawing (\\p1) is not text; it was left out.") in messages

    data, export_notes = write_subtitles_with_notes(cues, "ass", language="ko")
    text = data.decode()
    assert "PlayResX: 1920" in text and "PlayResY: 1080" in text
    assert "{\\an7}왼쪽 위" in text and "{\\an8}{\\i1}속삭임 {\\i0}보통" in text
    assert "{\\an2\\pos(960,100)\\fad(200,0)}굵고 노랑" in text
    assert export_notes == []
    again, _notes = read_subtitles(data, "ass")
    assert again == cues

    data, srt_notes = write_subtitles_with_notes(cues, "srt", language="ko")
    assert notes_by_start(srt_notes) == {"SRT has no speaker names": (1,),
                                         "ASS position tags": (3,)}
    assert "\\pos(960,100)" in str(srt_notes[1])


def test_ass_past_ten_hours_is_refused_and_centiseconds_are_noted():
    with pytest.raises(SubtitleExportError, match="9:59:59.99; cue 2 ends at 10:00:00.500"):
        write_subtitles([Cue(0, 1000, "a"), Cue(35_999_000, 36_000_500, "b")], "ass",
                        language="ko")
    data, notes = write_subtitles_with_notes([Cue(1001, 2000, "a"), Cue(3000, 4000, "b")], "ass",
                                             language="ko")
    assert notes_by_start(notes) == {
        "ASS keeps hundredths of a second": (1,)}
    assert read_subtitles(data, "ass")[0][0].start_ms == 1000


IMSC = """<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling"
    xmlns:ttp="http://www.w3.org/ns/ttml#parameter" xmlns:ttm="http://www.w3.org/ns/ttml#metadata"
    xml:lang="ja" ttp:frameRate="24" ttp:frameRateMultiplier="1000 1001">
  <head>
    <metadata>
      <ttm:agent xml:id="a1" type="character"><ttm:name>ミンス</ttm:name></ttm:agent>
    </metadata>
    <styling>
      <style xml:id="base" tts:textAlign="center"/>
      <style xml:id="lean" style="base" tts:fontStyle="italic"/>
    </styling>
    <layout>
      <region xml:id="top" tts:origin="10% 5%" tts:extent="80% 15%" tts:displayAlign="before"/>
      <region xml:id="tate" tts:origin="80% 10%" tts:extent="15% 80%" tts:writingMode="tbrl">
        <style tts:displayAlign="before"/>
      </region>
    </layout>
  </head>
  <body style="base">
    <div>
      <p xml:id="c1" begin="00:00:01:00" end="00:00:02:00" region="top" ttm:agent="a1"
         >上の<span style="lean">斜体</span></p>
      <p xml:id="c2" begin="3s" end="4s" region="tate" tts:textAlign="start">縦書き<span
         tts:ruby="container"><span tts:ruby="base">漢字</span><span
         tts:ruby="text">かんじ</span></span></p>
      <p begin="5s" end="6s" style="lean" tts:fontWeight="bold">全部</p>
    </div>
  </body>
</tt>
"""


def test_ttml_regions_writing_mode_italics_agents_and_ids_are_read():
    cues, notes = read_subtitles(IMSC.encode(), "ttml")
    first, vertical, bold = cues
    assert (first.identifier, first.speaker, first.text, first.position) == (
        "c1", "ミンス", "上の<i>斜体</i>", 8)
    assert first.settings["ttml"]["region"] == {"id": "top", "origin": "10% 5%",
                                                "extent": "80% 15%", "displayAlign": "before"}
    assert (vertical.identifier, vertical.text, vertical.position, vertical.vertical) == (
        "c2", "縦書き漢字", 9, "rl")
    assert (bold.text, bold.position) == ("<i>全部</i>", 2)
    assert [(note.line, note.message) for note in notes] == [
        (24, "Ruby readings (tts:ruby) are not kept; the text they annotate is."),
        (27, "Bold (tts:fontWeight) is not kept; the text is.")]


def test_ttml_regions_come_back_as_they_were_and_other_formats_say_what_they_lose():
    cues, _notes = read_subtitles(IMSC.encode(), "ttml")
    data, notes = write_subtitles_with_notes(cues, "ttml", language="ja")
    assert notes == []
    root = etree.fromstring(data)
    regions = {region.get("{http://www.w3.org/XML/1998/namespace}id"): region
               for region in root.iter(f"{{{TTML_NS}}}region")}
    assert regions["top"].get(f"{TTS}extent") == "80% 15%"
    assert regions["tate"].get(f"{TTS}writingMode") == "tbrl"
    assert read_subtitles(data, "ttml")[0] == cues

    data, notes = write_subtitles_with_notes(cues, "ass", language="ja")
    assert notes_by_start(notes) == {"ASS has no cue identifiers": (1, 2),
                                     "ASS has no vertical text": (2,),
                                     "TTML regions": (1, 2)}
    assert [(cue.position, cue.speaker) for cue in read_subtitles(data, "ass")[0]] == [
        (8, "ミンス"), (9, ""), (2, "")]

    data, notes = write_subtitles_with_notes(cues, "vtt", language="ja")
    vtt_cues = read_subtitles(data, "vtt")[0]
    assert [(cue.identifier, cue.position, cue.vertical, cue.speaker) for cue in vtt_cues] == [
        ("c1", 8, "", "ミンス"), ("c2", 9, "rl", ""), ("", 2, "", "")]


def test_identifiers_that_are_not_xml_names_are_changed_with_a_note():
    cues = [Cue(0, 1000, "a", identifier="1"), Cue(1000, 2000, "b", identifier="intro"),
            Cue(2000, 3000, "c", identifier="intro")]
    data, notes = write_subtitles_with_notes(cues, "ttml", language="ko")
    assert [cue.identifier for cue in read_subtitles(data, "ttml")[0]] == ["cue_1", "intro", ""]
    assert [note.cues for note in notes] == [(1, 3)]
    _data, notes = write_subtitles_with_notes(cues, "srt", language="ko")
    assert notes_by_start(notes) == {"SRT numbers its cues 1, 2, 3…": (2, 3)}


@pytest.mark.parametrize("rate, multiplier, noted", [
    ("24", None, False), ("30", "1000 1001", False), ("25", None, False), ("60", None, False),
    ("24", "999 1000", False), ("27", None, True), ("25", "1000 1001", True),
    ("120", None, True)])
def test_frame_rates_outside_the_broadcast_rates_are_read_with_a_note(rate, multiplier, noted):
    extra = f' ttp:frameRateMultiplier="{multiplier}"' if multiplier else ""
    ttml = IMSC.replace('ttp:frameRate="24" ttp:frameRateMultiplier="1000 1001"',
                        f'ttp:frameRate="{rate}"{extra}')
    cues, notes = read_subtitles(ttml.encode(), "ttml")
    frame_notes = [note for note in notes if "broadcast" in note.message]
    assert bool(frame_notes) == noted
    if noted:
        # lxml numbers an element by the line its start tag ends on.
        assert frame_notes[0].line == 4 and "23.976, 24, 25, 29.97, 30, 50, 59.94, 60" in \
            frame_notes[0].message


@pytest.mark.parametrize("fmt", ["srt", "smi"])
def test_speakers_lost_by_a_format_are_named_by_cue(fmt):
    cues = [Cue(0, 1000, "하나", "민수"), Cue(1000, 2000, "둘"), Cue(2000, 3000, "셋", "지우")]
    _data, notes = write_subtitles_with_notes(cues, fmt, language="ko")
    assert [(note.cues, "speaker names" in note.message) for note in notes] == [((1, 3), True)]
    assert "(cues 1, 3)" in str(notes[0])
