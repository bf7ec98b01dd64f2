"""Property tests: whatever bytes are uploaded, the readers answer with cues or a
SubtitleFileError (a reason the import page shows), never another exception (a 500)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localization.subtitles.cues import (
    MAX_CUE_TIME_MS,
    Cue,
    SubtitleExportError,
    SubtitleFileError,
    normalize_markup,
)
from localization.subtitles.formats import (
    FORMATS,
    UNSTORABLE_CHARACTERS,
    read_subtitles,
    write_subtitles,
)

# Deterministic (the same examples on every run) and without an example database on disk.
FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

SAMPLE_CUES = [
    Cue(1000, 2500, "안녕하세요.\n별빛 식당입니다.", "민수"),
    Cue(2600, 4200, "김치찌개 하나 & 밥 <두> 개"),
    Cue(3_601_000, 3_603_250, "한 시간 뒤의 대사"),
]
HANDWRITTEN = {
    "srt": ["1\n00:00:01,000 --> 00:00:02,000\n첫 번째\n\n2\n00:00:03,000 --> 00:00:04,000\n둘\n"],
    "vtt": ["WEBVTT\n\nNOTE by hand\n\nintro\n00:01.000 --> 00:02.000 align:start\n"
            "<v 지우>하나 &amp; 둘\n\n00:00:03.000 --> 00:00:04.500\n셋\n"],
    "ttml": ['<?xml version="1.0" encoding="UTF-8"?>\n'
             '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"'
             ' ttp:frameRate="24" ttp:frameRateMultiplier="1000 1001" ttp:tickRate="10000000">\n'
             '<body><div begin="10s">\n<p begin="00:00:01:12" end="00:00:02.000">하나<br/>둘</p>\n'
             '<p begin="3s" dur="15000000t"><span>셋</span></p>\n</div></body></tt>\n'],
    "ass": ["[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, End, Style, "
            "Name, MarginL, MarginR, MarginV, Effect, Text\n"
            "Comment: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,메모\n"
            "Dialogue: 0,0:00:01.00,0:00:02.50,Default,민수,0,0,0,,{\\i1}하나{\\i0}\\N둘\n"],
    "smi": ["<SAMI>\n<HEAD>\n<STYLE TYPE=\"text/css\">\n<!--\n.KRCC { Name:한국어; lang:ko-KR; }\n"
            ".ENCC { Name:English; lang:en-US; }\n-->\n</STYLE>\n</HEAD>\n<BODY>\n"
            "<SYNC Start=1000><P Class=KRCC>하나<br><i>둘</i>\n<SYNC Start=1000><P Class=ENCC>one\n"
            "<SYNC Start=2500><P Class=KRCC>&nbsp;\n<SYNC Start=3000><P Class=KRCC>셋\n"
            "</BODY>\n</SAMI>\n"],
}
SAMPLES = {fmt: [write_subtitles(SAMPLE_CUES, fmt, language="ko", title="별빛").decode()]
           + HANDWRITTEN[fmt] for fmt in FORMATS}

# Fragments that have broken readers before or sit on a parser's edges.
TOKENS = [
    "-->", " --> ", ":", ".", ",", "\n", "\n\n", "\r\n", "\ufeff", "\x00", "99999999", "9" * 5000,
    "100:00:00.001", "00:00:00,000", "0", "-1", "nan", "inf", "1e400", "h", "ms", "f", "t",
    "<!-- note -->", "<?pi x?>", "&nbsp;", "&amp;", "&#0;", "&#x110000;", "<br/>", "<span>",
    "</p>", '<!DOCTYPE tt SYSTEM "x.dtd">', 'ttp:frameRate="0"', 'ttp:tickRate="0"',
    'ttp:frameRateMultiplier="1 0"', 'begin="', 'end="', 'dur="', "WEBVTT", "Dialogue: ",
    "[Events]", "Format: ", "{\\i1}", "\\N", "<v ", "<c.", "<00:00:01.000>",
]


def sample_text(fmt: str):
    """Mostly valid files of fmt, sometimes one of another format."""
    other = st.sampled_from(sorted(FORMATS)).flatmap(lambda name: st.sampled_from(SAMPLES[name]))
    return st.one_of(st.sampled_from(SAMPLES[fmt]), st.sampled_from(SAMPLES[fmt]), other)


@st.composite
def mutated_text(draw, base):
    """A file with a few pieces replaced, inserted, cut or repeated."""
    text = draw(base)
    piece = st.one_of(st.sampled_from(TOKENS), st.sampled_from(TOKENS), st.text(max_size=12),
                      st.from_regex(r"\A[0-9:.,]{1,14}\Z"))
    for _step in range(draw(st.integers(1, 5))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 20)))
        action = draw(st.sampled_from(["replace", "insert", "cut", "repeat"]))
        if action == "replace":
            text = text[:start] + draw(piece) + text[end:]
        elif action == "insert":
            text = text[:start] + draw(piece) + text[start:]
        elif action == "cut":
            text = text[:start] + text[end:]
        else:
            text = text[:end] + text[start:end] * draw(st.integers(2, 3)) + text[end:]
    return text


# A valid document with one part (a rate, a time, a piece of the text) made odd, so that
# the odd value reaches the code that reads it.
VALID_TTML_PARTS = {"frameRate": "24", "tickRate": "10000000", "frameRateMultiplier": "1000 1001",
                    "offset": "10s", "begin": "00:00:01:12", "end": "20000000t"}
PARAGRAPH_CONTENT = ["하나", "둘 ", "<br/>", "<span>셋</span>", "<!-- note -->", "<?pi x?>",
                     "&amp;", "&#160;"]
ODD_CONTENT = ["&nbsp;", "&name;", "<span>", "</span>", "&#0;", "\x00", "\x1f",
               "<p begin='1s' end='2s'>", "<br>", "<!-- -- -->", "<?xml version='1.0'?>"]
# Any text an attribute can hold (XML refuses control characters there).
attribute_text = st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=10)
rate = st.one_of(st.sampled_from(["24", "25", "29.97", "30", "10000000"]),
                 st.sampled_from(["0", "nan", "inf", "-1", "", " 25 ", "1e3", "9" * 400]),
                 attribute_text)
multiplier = st.one_of(st.just("1000 1001"),
                       st.sampled_from(["0 1", "1 0", "x y", "1", "1 2 3", "9" * 400 + " 1"]),
                       attribute_text)
time_expression = st.one_of(
    st.from_regex(r"\A[0-9]{1,12}(\.[0-9]{1,6})?(h|m|s|ms|f|t)\Z"),
    st.from_regex(r"\A[0-9]{2,12}:[0-9]{2}:[0-9]{2}([.:][0-9]{1,6})?\Z"),
    st.sampled_from(["1s", "2s", "00:00:01:12", "99h", "100h", "9" * 400 + "h",
                     "00:00:00:" + "9" * 5000]),
    attribute_text,
)
ODD_TTML_PARTS = {"frameRate": rate, "tickRate": rate, "frameRateMultiplier": multiplier,
                  "offset": time_expression, "begin": time_expression, "end": time_expression}


@st.composite
def ttml_with_an_odd_part(draw):
    parts = dict(VALID_TTML_PARTS)
    odd = draw(st.sampled_from([*sorted(parts), "content"]))
    content = draw(st.lists(st.sampled_from(PARAGRAPH_CONTENT), min_size=1, max_size=5))
    if odd == "content":
        content.insert(draw(st.integers(0, len(content))), draw(st.sampled_from(ODD_CONTENT)))
    else:
        parts[odd] = draw(ODD_TTML_PARTS[odd])
    parts = {name: _attribute(value) for name, value in parts.items()}
    end = draw(st.sampled_from(["end", "dur"]))
    doctype = draw(st.sampled_from(["", '<!DOCTYPE tt SYSTEM "ttml.dtd">',
                                    '<!DOCTYPE tt [<!ENTITY name "민수">]>']))
    return (f'{doctype}<tt xmlns="http://www.w3.org/ns/ttml" '
            'xmlns:ttp="http://www.w3.org/ns/ttml#parameter" '
            f'ttp:frameRate="{parts["frameRate"]}" ttp:tickRate="{parts["tickRate"]}" '
            f'ttp:frameRateMultiplier="{parts["frameRateMultiplier"]}">'
            f'<body><div begin="{parts["offset"]}">'
            f'<p begin="{parts["begin"]}" {end}="{parts["end"]}">{"".join(content)}</p>'
            '</div></body></tt>')


def _attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


text_encoding = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp949"])


def _read_or_refuse(data: bytes, fmt: str) -> None:
    """Read the file; a refusal is fine, any other exception fails the test."""
    try:
        cues, notes = read_subtitles(data, fmt)
    except SubtitleFileError as error:
        assert str(error)
        return
    assert cues
    for cue in cues:
        assert isinstance(cue.start_ms, int) and isinstance(cue.end_ms, int)
        # A cue of no length is kept, as players keep it (the import then gives it 1 ms).
        assert 0 <= cue.start_ms <= cue.end_ms <= MAX_CUE_TIME_MS
        # What was read can be saved (PostgreSQL) and exported again (TTML is XML 1.0).
        assert not UNSTORABLE_CHARACTERS.search(cue.text + cue.speaker + cue.identifier)
        assert 1 <= cue.position <= 9 and cue.vertical in ("", "rl", "lr")
        assert cue.text == normalize_markup(cue.text)
    assert all(str(note) for note in notes)


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_are_read_or_refused(fmt, data):
    _read_or_refuse(data, fmt)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@FUZZ
@given(text=st.text(max_size=300), encoding=text_encoding)
def test_random_text_is_read_or_refused(fmt, text, encoding):
    _read_or_refuse(_encode(text, encoding), fmt)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@FUZZ
@given(data=st.data(), encoding=text_encoding)
def test_mutated_valid_files_are_read_or_refused(fmt, data, encoding):
    text = data.draw(mutated_text(sample_text(fmt)), label="text")
    _read_or_refuse(_encode(text, encoding), fmt)


@FUZZ
@given(text=st.one_of(ttml_with_an_odd_part(), mutated_text(ttml_with_an_odd_part())))
def test_ttml_with_odd_rates_times_and_content_is_read_or_refused(text):
    _read_or_refuse(text.encode(), "ttml")


ASS_HEADER = ("[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, End, Style, "
              "Name, MarginL, MarginR, MarginV, Effect, Text\n")
TIMED_FILE = {
    "srt": "1\n{start} --> {end}\n하나\n",
    "vtt": "WEBVTT\n\n{start} --> {end}\n하나\n",
    "ass": ASS_HEADER + "Dialogue: 0,{start},{end},Default,,0,0,0,,하나\n",
}
# Edges first: the largest two-digit values, the first past the limit, absurd lengths.
HOURS = st.one_of(st.sampled_from(["0", "00", "01", "99", "100", "99999999", "9" * 5000]),
                  st.from_regex(r"\A[0-9]{1,12}\Z"))
TWO_DIGITS = st.one_of(st.sampled_from(["00", "59", "99"]), st.from_regex(r"\A[0-9]{2}\Z"))
# Well-formed for the format apart from the hours, or loosely formed.
WELL_FORMED_CLOCK = {
    fmt: st.builds(f"{{}}:{{}}:{{}}{separator}{{}}".format, HOURS, TWO_DIGITS, TWO_DIGITS,
                   st.from_regex(rf"\A[0-9]{{{digits}}}\Z"))
    for fmt, separator, digits in (("srt", ",", 3), ("vtt", ".", 3), ("ass", ".", 2))
}
LOOSE_CLOCK = st.builds(
    "{}:{}:{}{}{}".format, HOURS, st.from_regex(r"\A[0-9]{1,3}\Z"),
    st.from_regex(r"\A[0-9]{1,3}\Z"), st.sampled_from([".", ","]),
    st.from_regex(r"\A[0-9]{1,4}\Z"),
)


@pytest.mark.parametrize("fmt", sorted(TIMED_FILE))
@FUZZ
@given(data=st.data())
def test_any_clock_times_are_read_or_refused(fmt, data):
    clock = st.one_of(WELL_FORMED_CLOCK[fmt], WELL_FORMED_CLOCK[fmt], LOOSE_CLOCK)
    start, end = data.draw(clock, label="start"), data.draw(clock, label="end")
    _read_or_refuse(TIMED_FILE[fmt].format(start=start, end=end).encode(), fmt)


# Cues as the database holds them: what an import lets through, or what the editor saves.
# Under 10 hours, since the ASS writer has a single hour digit.
storable_characters = st.characters(exclude_categories=["Cs", "Cc"], include_characters="\n")
cue_strategy = st.builds(
    Cue,
    start_ms=st.integers(0, 9 * 3_600_000 - 2),
    end_ms=st.integers(1, 9 * 3_600_000 - 1),
    text=st.lists(st.one_of(st.text(storable_characters, min_size=1, max_size=12),
                            st.sampled_from(["<i>", "</i>", "{", "}", "-->", "\n\n"])),
                  min_size=1, max_size=6).map("".join),
    speaker=st.text(storable_characters, max_size=10),
    identifier=st.one_of(st.just(""), st.text(storable_characters, max_size=8)),
    position=st.integers(1, 9),
    vertical=st.sampled_from(["", "", "rl", "lr"]),
)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@FUZZ
@given(cues=st.lists(cue_strategy, min_size=1, max_size=5))
def test_files_we_write_from_any_cues_are_read_or_refused(fmt, cues):
    try:
        data = write_subtitles(cues, fmt, language="ko")
    except SubtitleExportError as error:  # the only refusal: ASS past 9:59:59.99
        assert fmt == "ass" and "9:59:59.99" in str(error)
        return
    _read_or_refuse(data, fmt)
