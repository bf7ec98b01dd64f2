"""SAMI (.smi): the legacy Korean format, in cp949 with several language classes."""

import pytest

from localization.subtitles.cues import Cue, SubtitleFileError
from localization.subtitles.formats import (
    default_language_class,
    format_for_filename,
    read_subtitles,
    sami_language_classes,
    write_subtitles_with_notes,
)

# As Korean tools write it: upper-case tags, unclosed <P>, &nbsp; syncs ending cues, CRLF,
# cp949 (똠 is in cp949 but not in plain EUC-KR).
SAMI = """<SAMI>
<HEAD>
<TITLE>별빛 식당</TITLE>
<STYLE TYPE="text/css">
<!--
P { margin-left:8pt; margin-right:8pt; text-align:center; font-size:20pt; font-family:굴림; }
.KRCC { Name:한국어; lang:ko-KR; SAMIType:CC; }
.ENCC { Name:English; lang:en-US; SAMIType:CC; }
-->
</STYLE>
</HEAD>
<BODY>
<SYNC Start=1000><P Class=KRCC>안녕하세요<br>똠방각하 식당입니다
<SYNC Start=1000><P Class=ENCC>Hello<br>This is Starlight
<SYNC Start=2500><P Class=KRCC>&nbsp;
<SYNC Start=2500><P Class=ENCC>&nbsp;
<SYNC Start=3000><P Class=KRCC><i>속삭임</i> 보통 &amp; 끝
<SYNC Start=4200><P Class=KRCC>&nbsp;
<SYNC Start=5000><P Class=KRCC><font color="#ffff00">노란</font> 마지막
<SYNC Start=6500><P Class=KRCC>&nbsp;
</BODY>
</SAMI>
"""


def cp949(text: str = SAMI) -> bytes:
    return text.replace("\n", "\r\n").encode("cp949")


def test_cp949_file_with_two_classes_imports_krcc_by_default_with_nbsp_ends():
    assert format_for_filename("별빛.SMI") == "smi" and format_for_filename("a.sami") == "smi"
    cues, notes = read_subtitles(cp949(), "smi")
    assert [(cue.start_ms, cue.end_ms, cue.text) for cue in cues] == [
        (1000, 2500, "안녕하세요\n똠방각하 식당입니다"),
        (3000, 4200, "<i>속삭임</i> 보통 & 끝"),
        (5000, 6500, "노란 마지막"),
    ]
    messages = [note.message for note in notes]
    assert "The file was not UTF-8; it was read as Korean EUC-KR (cp949)." in messages
    assert "Windows line endings (CRLF) were converted." in messages
    assert ("The SAMI file has 2 language classes: KRCC (한국어, ko-KR, 3 cues), ENCC "
            "(English, en-US, 1 cues); KRCC was imported.") in messages
    colour = [note for note in notes if "<font>" in note.message]
    assert len(colour) == 1 and colour[0].line == 19


def test_the_other_class_is_imported_when_chosen():
    cues, _notes = read_subtitles(cp949(), "smi", language_class="encc")
    assert cues == [Cue(1000, 2500, "Hello\nThis is Starlight")]


def test_classes_are_listed_and_the_default_follows_the_track_language():
    classes = sami_language_classes(cp949())
    assert [(found.name, found.language, found.label, found.cues) for found in classes] == [
        ("KRCC", "ko-KR", "한국어", 3), ("ENCC", "en-US", "English", 1)]
    assert default_language_class(classes) == "KRCC"
    assert default_language_class(classes, "ko") == "KRCC"
    assert default_language_class(classes, "en") == "ENCC"
    assert default_language_class(classes, "th") == "KRCC"
    cues, _notes = read_subtitles(cp949(), "smi", language="en")
    assert cues[0].text.startswith("Hello")


def test_a_missing_class_is_refused_naming_the_classes_found():
    with pytest.raises(SubtitleFileError) as caught:
        read_subtitles(cp949(), "smi", language_class="JPCC")
    assert "no language class 'JPCC'" in str(caught.value)
    assert "KRCC (한국어, ko-KR, 3 cues)" in str(caught.value)


def test_classes_without_a_style_block_stay_apart():
    text = ("<SAMI><BODY>\n<SYNC Start=0><P Class=KRCC>하나\n<SYNC Start=0><P Class=ENCC>one\n"
            "<SYNC Start=900><P Class=KRCC>&nbsp;\n<SYNC Start=900><P Class=ENCC>&nbsp;\n"
            "</BODY></SAMI>")
    assert [found.name for found in sami_language_classes(text.encode())] == ["KRCC", "ENCC"]
    assert read_subtitles(text.encode(), "smi")[0] == [Cue(0, 900, "하나")]


def test_a_last_cue_without_an_end_sync_gets_four_seconds_with_a_note():
    text = ("<SAMI><BODY>\n<SYNC Start=1000><P Class=KRCC>하나\n\n"
            "<SYNC Start=3000><P Class=KRCC>끝\n")
    cues, notes = read_subtitles(text.encode(), "smi")
    assert [(cue.start_ms, cue.end_ms) for cue in cues] == [(1000, 3000), (3000, 7000)]
    assert [(note.line, "4 seconds" in note.message) for note in notes] == [(4, True)]


@pytest.mark.parametrize("start", ["abc", "", "-5", "1e3"])
def test_an_unreadable_start_is_refused_with_its_line(start):
    text = f"<SAMI><BODY>\n<SYNC Start=1000><P Class=KRCC>하나\n<SYNC Start={start}><P>둘\n"
    with pytest.raises(SubtitleFileError) as caught:
        read_subtitles(text.encode(), "smi")
    assert caught.value.line == 3


def test_a_start_past_100_hours_is_refused():
    text = "<SAMI><BODY>\n<SYNC Start=360000001><P Class=KRCC>하나\n"
    with pytest.raises(SubtitleFileError, match="100 hours") as caught:
        read_subtitles(text.encode(), "smi")
    assert caught.value.line == 2


def test_html_or_other_files_are_refused():
    for text in ("<html><body>no</body></html>", "1\n00:00:01,000 --> 00:00:02,000\nx\n"):
        with pytest.raises(SubtitleFileError):
            read_subtitles(text.encode(), "smi")


def test_export_writes_the_language_class_nbsp_ends_and_italics_and_reads_back():
    cues = [Cue(1000, 2500, "안녕하세요\n<i>별빛</i> 식당 & <집>", "민수", identifier="a1"),
            Cue(2500, 4000, "이어서", position=8), Cue(5000, 6000, "縦", vertical="rl")]
    data, notes = write_subtitles_with_notes(cues, "smi", language="ko")
    text = data.decode("utf-8")
    assert ".KRCC {" in text and "lang: ko-KR;" in text
    assert '<p class="KRCC">' in text and "&nbsp;" in text
    assert "<i>별빛</i>" in text and "&amp; &lt;집&gt;" in text
    read_back, read_notes = read_subtitles(data, "smi")
    assert [(cue.start_ms, cue.end_ms, cue.text) for cue in read_back] == [
        (1000, 2500, "안녕하세요\n<i>별빛</i> 식당 & <집>"), (2500, 4000, "이어서"),
        (5000, 6000, "縦")]
    assert read_notes == []
    assert {note.message.split(";")[0]: note.cues for note in notes} == {
        "SAMI has no speaker names": (1,), "SAMI has no cue identifiers": (1,),
        "SAMI has no positions": (2,), "SAMI has no vertical text": (3,)}


def test_japanese_export_uses_the_jpcc_class():
    data, _notes = write_subtitles_with_notes([Cue(0, 900, "こんにちは")], "smi", language="ja")
    assert '<p class="JPCC">' in data.decode() and "lang: ja-JP;" in data.decode()
    assert read_subtitles(data, "smi", language="ja")[0] == [Cue(0, 900, "こんにちは")]
