"""Reading and writing SRT, WebVTT, TTML (IMSC 1.1 text profile) and ASS.

SRT and ASS go through pysubs2, WebVTT through webvtt-py, TTML through lxml. Those
libraries skip what they cannot read, so every reader here first finds the cue timing
lines itself: a cue the library dropped, a time it cannot read, a time past
MAX_CUE_TIME_MS or a cue that ends before it starts stops the import with the line
number (as SubtitleFileError, the only exception a reader raises), and what can be repaired
(byte order mark, Windows line endings, a legacy Korean encoding, overlaps, cues out
of order) is repaired and reported as a note. Nothing is lost without a word.
"""

from __future__ import annotations

import html
import io
import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import replace

import pysubs2
import webvtt
from django.utils.translation import gettext as _
from lxml import etree

from localization.subtitles.cues import (
    MAX_CUE_TIME_HOURS,
    MAX_CUE_TIME_MS,
    Cue,
    ImportNote,
    SubtitleFileError,
)

FORMATS = {
    "srt": ("SubRip (.srt)", "application/x-subrip", "srt"),
    "vtt": ("WebVTT (.vtt)", "text/vtt", "vtt"),
    "ttml": ("TTML / IMSC 1.1 (.ttml)", "application/ttml+xml", "ttml"),
    "ass": ("Advanced SubStation Alpha (.ass)", "text/x-ssa", "ass"),
}
EXTENSIONS = {"srt": "srt", "vtt": "vtt", "webvtt": "vtt", "ttml": "ttml", "dfxp": "ttml",
              "xml": "ttml", "ass": "ass", "ssa": "ass"}

TTML_NS = "http://www.w3.org/ns/ttml"
TTP_NS = "http://www.w3.org/ns/ttml#parameter"
TTS_NS = "http://www.w3.org/ns/ttml#styling"
TTM_NS = "http://www.w3.org/ns/ttml#metadata"
XML_NS = "http://www.w3.org/XML/1998/namespace"
IMSC11_TEXT_PROFILE = "http://www.w3.org/ns/ttml/profile/imsc1.1/text"

SRT_TIME = re.compile(r"^\s*(\d{1,2}):(\d{1,2}):(\d{1,2})[,.](\d{1,3})\s*$")
VTT_TIME = re.compile(r"^\s*(?:(\d{2,}):)?(\d{2}):(\d{2})\.(\d{3})\s*$")
# Characters that PostgreSQL text (NUL) or XML 1.0, and so TTML, cannot hold.
UNSTORABLE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def format_for_filename(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise SubtitleFileError(
            _("Unknown subtitle file type '.%(extension)s'; use .srt, .vtt, .ttml or .ass.")
            % {"extension": extension}
        )
    return EXTENSIONS[extension]


# --- reading ----------------------------------------------------------------------------


def read_subtitles(data: bytes, fmt: str) -> tuple[list[Cue], list[ImportNote]]:
    """Parse a subtitle file; return its cues in time order and the notes on repairs."""
    if not data.strip():
        raise SubtitleFileError(_("The file is empty."))
    if fmt == "ttml":
        cues, notes = _read_ttml(data)
    else:
        text, notes = decode_text(data)
        reader = {"srt": _read_srt, "vtt": _read_vtt, "ass": _read_ass}[fmt]
        cues, line_numbers = reader(text)
        cues, more = _check_cues(cues, line_numbers)
        notes += more
    if not cues:
        raise SubtitleFileError(_("The file has no subtitle cues."))
    return cues, notes


def decode_text(data: bytes) -> tuple[str, list[ImportNote]]:
    """Bytes to text with Unix line endings; a BOM, CRLF or legacy encoding becomes a note."""
    notes: list[ImportNote] = []
    if data.startswith(b"\xef\xbb\xbf"):
        text = _decode_strict(data[3:], "utf-8")
        notes.append(ImportNote(None, _("A UTF-8 byte order mark was removed.")))
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode_strict(data, "utf-16")
        notes.append(ImportNote(None, _("The file was in UTF-16; it was read as such.")))
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Korean subtitles from older tools are often EUC-KR; cp949 is its superset.
            try:
                text = data.decode("cp949")
            except UnicodeDecodeError:
                # Guessing further (Latin-1 and friends accept any bytes) would import
                # mojibake without a word; better to say where the file goes wrong.
                _raise_undecodable(data, "utf-8")
            notes.append(ImportNote(
                None, _("The file was not UTF-8; it was read as Korean EUC-KR (cp949).")))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        notes.append(ImportNote(None, _("Windows line endings (CRLF) were converted.")))
    return text, notes


def _decode_strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        _raise_undecodable(data, encoding)


def _raise_undecodable(data: bytes, encoding: str):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
    else:  # pragma: no cover - utf-8 readable data never gets here
        line = None
    raise SubtitleFileError(
        _("The text encoding cannot be recognised (not UTF-8, UTF-16 or EUC-KR)."), line=line
    )


def _timing_lines(text: str, pattern: re.Pattern) -> list[int]:
    """Line numbers of the cue timing lines; a timing line with unreadable times is an error."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        if "-->" not in line:
            continue
        start, _arrow, rest = line.partition("-->")
        end = rest.strip().split(" ")[0] if rest.strip() else ""
        start_match, end_match = pattern.match(start), pattern.match(end)
        if not start_match or not end_match:
            raise SubtitleFileError(
                _("The cue times '%(times)s' cannot be read.") % {"times": line.strip()},
                line=number,
            )
        for match, written in ((start_match, start), (end_match, end)):
            _check_time_limit(_clock_ms(match), written.strip(), number)
        found.append(number)
    return found


def _clock_ms(match: re.Match) -> float:
    """Milliseconds of an SRT_TIME or VTT_TIME match; infinity for an absurdly long hour."""
    hours, minutes, seconds, millis = (part or "0" for part in match.groups())
    if len(hours.lstrip("0")) > 6:
        # Far past any limit, and int() refuses a string of thousands of digits.
        return math.inf
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def _check_time_limit(ms: float, written: str | None, line: int | None) -> None:
    """Refuse a time past MAX_CUE_TIME_MS (or NaN); written is the time as the file has it."""
    if not ms <= MAX_CUE_TIME_MS:
        raise SubtitleFileError(
            _("The time '%(time)s' is past %(hours)d hours, the longest a subtitle file "
              "may run.")
            % {"time": _shorten(written or _vtt_time(int(ms))), "hours": MAX_CUE_TIME_HOURS},
            line=line,
        )


def _shorten(text: str, limit: int = 40) -> str:
    """A value quoted back in a message, cut so that a megabyte of digits stays readable."""
    return text if len(text) <= limit else f"{text[:limit]}…"


def _read_srt(text: str) -> tuple[list[Cue], list[int]]:
    line_numbers = _timing_lines(text, SRT_TIME)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        subs = pysubs2.SSAFile.from_string(text, format_="srt")
    for warning in caught:
        match = re.search(r"line (\d+)", str(warning.message))
        raise SubtitleFileError(_("A cue seems to be missing here (no blank line before it?)."),
                                line=int(match.group(1)) if match else None)
    cues = [Cue(event.start, event.end, event.plaintext.strip()) for event in subs]
    _check_counts(cues, line_numbers)
    return cues, line_numbers


def _read_ass(text: str) -> tuple[list[Cue], list[int]]:
    try:
        subs = pysubs2.SSAFile.from_string(text, format_="ass")
    except Exception as error:
        raise SubtitleFileError(str(error)) from None
    dialogue_lines = [number for number, line in enumerate(text.split("\n"), start=1)
                      if line.startswith("Dialogue:")]
    events = [event for event in subs if not event.is_comment]
    cues = [Cue(event.start, event.end, event.plaintext.strip(), event.name) for event in events]
    _check_counts(cues, dialogue_lines)
    return cues, dialogue_lines


def _read_vtt(text: str) -> tuple[list[Cue], list[int]]:
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise SubtitleFileError(_("A WebVTT file must start with 'WEBVTT'."), line=1)
    line_numbers = _timing_lines(text, VTT_TIME)
    try:
        captions = webvtt.from_buffer(io.StringIO(text))
    except Exception as error:  # webvtt-py raises several of its own kinds
        raise SubtitleFileError(str(error)) from None
    cues = [
        Cue(_seconds_to_ms(caption.start_in_seconds, caption.start),
            _seconds_to_ms(caption.end_in_seconds, caption.end),
            html.unescape(caption.text).strip(), caption.voice or "")
        for caption in captions
    ]
    _check_counts(cues, line_numbers)
    return cues, line_numbers


def _seconds_to_ms(_seconds: float, timestamp: str) -> int:
    # webvtt-py rounds its seconds down; the text keeps the milliseconds.
    match = VTT_TIME.match(timestamp)
    hours, minutes, seconds, millis = (int(part or 0) for part in match.groups())
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def _check_counts(cues: list[Cue], line_numbers: list[int]) -> None:
    if len(cues) != len(line_numbers):
        # The library skipped a cue: report the first timing line it did not return.
        line = line_numbers[min(len(cues), len(line_numbers) - 1)] if line_numbers else None
        raise SubtitleFileError(
            _("%(found)d cues were read but the file has %(expected)d timing lines; "
              "the cue here could not be read.")
            % {"found": len(cues), "expected": len(line_numbers)}, line=line,
        )


def _check_cues(cues: list[Cue], line_numbers: list[int]) -> tuple[list[Cue], list[ImportNote]]:
    """Refuse impossible times; repair and note control characters, order, overlaps and
    empty cues."""
    notes: list[ImportNote] = []
    kept: list[tuple[Cue, int]] = []
    for cue, line in zip(cues, line_numbers, strict=True):
        for ms in (cue.start_ms, cue.end_ms):
            _check_time_limit(ms, None, line)
        if cue.end_ms <= cue.start_ms:
            raise SubtitleFileError(_("The cue ends before it starts."), line=line)
        text = UNSTORABLE_CHARACTERS.sub("", cue.text)
        speaker = UNSTORABLE_CHARACTERS.sub("", cue.speaker)
        if (text, speaker) != (cue.text, cue.speaker):
            notes.append(ImportNote(line, _("Control characters were removed from the cue.")))
            cue = replace(cue, text=text, speaker=speaker)
        if not cue.text.strip():
            notes.append(ImportNote(line, _("The cue has no text; it was left out.")))
            continue
        kept.append((cue, line))
    if any(a[0].start_ms > b[0].start_ms for a, b in zip(kept, kept[1:], strict=False)):
        notes.append(ImportNote(None, _("The cues were not in time order; they were sorted.")))
        kept.sort(key=lambda pair: (pair[0].start_ms, pair[1]))
    for (previous, _line), (cue, line) in zip(kept, kept[1:], strict=False):
        if cue.start_ms < previous.end_ms:
            notes.append(ImportNote(line, _("The cue overlaps the previous one by %(ms)d ms.")
                                    % {"ms": previous.end_ms - cue.start_ms}))
    return [cue for cue, _line in kept], notes


# --- TTML ----------------------------------------------------------------------------------


def _read_ttml(data: bytes) -> tuple[list[Cue], list[ImportNote]]:
    notes: list[ImportNote] = []
    if data.startswith(b"\xef\xbb\xbf"):
        notes.append(ImportNote(None, _("A UTF-8 byte order mark was removed.")))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise SubtitleFileError(
            _("The XML cannot be read: %(error)s") % {"error": error.msg}, line=error.lineno
        ) from None
    if etree.QName(root).localname != "tt" or etree.QName(root).namespace != TTML_NS:
        raise SubtitleFileError(_("This is not a TTML document (no <tt> root element)."), line=1)
    frame_rate, tick_rate = _ttml_rates(root)
    agents = {
        agent.get(f"{{{XML_NS}}}id"): (agent.findtext(f"{{{TTM_NS}}}name") or "").strip()
        for agent in root.iter(f"{{{TTM_NS}}}agent")
    }
    cues: list[Cue] = []
    lines: list[int] = []
    for paragraph in root.iter(f"{{{TTML_NS}}}p"):
        line = paragraph.sourceline
        offset = sum(
            _ttml_time(ancestor.get("begin"), frame_rate, tick_rate, ancestor.sourceline)
            for ancestor in paragraph.iterancestors() if ancestor.get("begin")
        )
        begin = paragraph.get("begin")
        if begin is None:
            raise SubtitleFileError(_("The subtitle has no 'begin' time."), line=line)
        start = offset + _ttml_time(begin, frame_rate, tick_rate, line)
        if paragraph.get("end") is not None:
            end = offset + _ttml_time(paragraph.get("end"), frame_rate, tick_rate, line)
        elif paragraph.get("dur") is not None:
            end = start + _ttml_time(paragraph.get("dur"), frame_rate, tick_rate, line)
        else:
            raise SubtitleFileError(_("The subtitle has no 'end' or 'dur' time."), line=line)
        agent_ids = (paragraph.get(f"{{{TTM_NS}}}agent") or "").split()
        speaker = agents.get(agent_ids[0], "") if agent_ids else ""
        cues.append(Cue(round(start), round(end), _ttml_text(paragraph), speaker))
        lines.append(line)
    checked, more = _check_cues(cues, lines)
    return checked, notes + more


_CLOCK = re.compile(r"^(\d{2,}):(\d{2}):(\d{2})(?:\.(\d+)|:(\d{2,})(?:\.(\d+))?)?$")
_OFFSET = re.compile(r"^(\d+(?:\.\d+)?)(h|m|s|ms|f|t)$")
# TTML asks for whole numbers; decimals such as 29.97 are common enough to accept.
_RATE = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
_MULTIPLIER = re.compile(r"^\s*(\d+)\s+(\d+)\s*$")


def _ttml_rates(root) -> tuple[float, float]:
    """The frame rate (with its multiplier) and tick rate of a document, both usable divisors."""
    line = root.sourceline
    frame_rate = _ttml_rate(root, "frameRate", "30")
    multiplier = root.get(f"{{{TTP_NS}}}frameRateMultiplier")
    if multiplier is not None:
        match = _MULTIPLIER.match(multiplier)
        numerator, denominator = (float(part) for part in match.groups()) if match else (0, 0)
        frame_rate = frame_rate * numerator / denominator if numerator and denominator else 0
        if not 0 < frame_rate < math.inf:
            raise SubtitleFileError(
                _("ttp:frameRateMultiplier '%(value)s' must be two whole numbers above zero, "
                  "such as '1000 1001'.") % {"value": _shorten(multiplier)}, line=line)
    return frame_rate, _ttml_rate(root, "tickRate", "1")


def _ttml_rate(root, name: str, default: str) -> float:
    value = root.get(f"{{{TTP_NS}}}{name}", default)
    rate = float(value) if _RATE.match(value) else 0
    if not 0 < rate < math.inf:
        raise SubtitleFileError(
            _("ttp:%(name)s '%(value)s' must be a number above zero.")
            % {"name": name, "value": _shorten(value)}, line=root.sourceline)
    return rate


def _ttml_time(value: str, frame_rate: float, tick_rate: float, line: int) -> float:
    """A TTML time expression in milliseconds, at most MAX_CUE_TIME_MS."""
    value = value.strip()
    if match := _CLOCK.match(value):
        hours, minutes, seconds, fraction, frames, _subframes = match.groups()
        # float(), unlike int(), takes any number of digits: too many become infinity.
        total = (float(hours) * 3600 + int(minutes) * 60 + int(seconds)) * 1000.0
        if fraction:
            total += float(f"0.{fraction}") * 1000
        if frames:
            total += float(frames) * 1000 / frame_rate
    elif match := _OFFSET.match(value):
        number, unit = float(match.group(1)), match.group(2)
        scale = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1,
                 "f": 1000 / frame_rate, "t": 1000 / tick_rate}[unit]
        total = number * scale
    else:
        raise SubtitleFileError(_("The time '%(time)s' cannot be read.")
                                % {"time": _shorten(value)}, line=line)
    _check_time_limit(total, value, line)
    return total


def _ttml_text(element) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child, etree._Entity):
                # Entities are left unresolved (resolve_entities=False), so one in the text
                # would be lost; the five XML ones and &#...; references are already read.
                raise SubtitleFileError(
                    _("The entity reference '%(entity)s' cannot be read; write the character "
                      "itself or a numeric reference such as '&#160;'.")
                    % {"entity": _shorten(child.text)}, line=child.sourceline)
            if isinstance(child, (etree._Comment, etree._ProcessingInstruction)):
                pass  # not part of the subtitle; the text after it (its tail) is
            elif etree.QName(child).localname == "br":
                parts.append("\n")
            else:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


# --- writing ---------------------------------------------------------------------------------


def write_subtitles(cues: Iterable[Cue], fmt: str, *, language: str, title: str = "") -> bytes:
    cues = list(cues)
    if fmt == "ttml":
        return _write_ttml(cues, language=language, title=title)
    if fmt == "vtt":
        return _write_vtt(cues)
    subs = pysubs2.SSAFile()
    for cue in cues:
        subs.append(pysubs2.SSAEvent(start=cue.start_ms, end=cue.end_ms,
                                     text=cue.text.replace("\n", r"\N"), name=cue.speaker))
    return subs.to_string(fmt).encode("utf-8")


def _write_vtt(cues: list[Cue]) -> bytes:
    document = webvtt.WebVTT()
    for number, cue in enumerate(cues, start=1):
        text = html.escape(cue.text, quote=False)
        if cue.speaker:
            text = f"<v {html.escape(cue.speaker, quote=False)}>{text}"
        caption = webvtt.Caption(_vtt_time(cue.start_ms), _vtt_time(cue.end_ms), text)
        caption.identifier = str(number)
        document.captions.append(caption)
    return document.content.encode("utf-8")


def _vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _write_ttml(cues: list[Cue], *, language: str, title: str) -> bytes:
    """A TTML document in the IMSC 1.1 text profile, times as media clock time."""
    nsmap = {None: TTML_NS, "ttp": TTP_NS, "tts": TTS_NS, "ttm": TTM_NS}
    root = etree.Element(f"{{{TTML_NS}}}tt", nsmap=nsmap)
    root.set(f"{{{XML_NS}}}lang", language)
    root.set(f"{{{TTP_NS}}}timeBase", "media")
    root.set(f"{{{TTP_NS}}}contentProfiles", IMSC11_TEXT_PROFILE)
    head = etree.SubElement(root, f"{{{TTML_NS}}}head")
    metadata = etree.SubElement(head, f"{{{TTML_NS}}}metadata")
    etree.SubElement(metadata, f"{{{TTM_NS}}}title").text = title
    speakers = sorted({cue.speaker for cue in cues if cue.speaker})
    agent_ids = {}
    for number, speaker in enumerate(speakers, start=1):
        agent = etree.SubElement(metadata, f"{{{TTM_NS}}}agent", type="character")
        agent.set(f"{{{XML_NS}}}id", f"speaker{number}")
        etree.SubElement(agent, f"{{{TTM_NS}}}name", type="full").text = speaker
        agent_ids[speaker] = f"speaker{number}"
    styling = etree.SubElement(head, f"{{{TTML_NS}}}styling")
    style = etree.SubElement(styling, f"{{{TTML_NS}}}style")
    style.set(f"{{{XML_NS}}}id", "default")
    style.set(f"{{{TTS_NS}}}fontFamily", "proportionalSansSerif")
    style.set(f"{{{TTS_NS}}}fontSize", "100%")
    style.set(f"{{{TTS_NS}}}textAlign", "center")
    style.set(f"{{{TTS_NS}}}color", "white")
    layout = etree.SubElement(head, f"{{{TTML_NS}}}layout")
    region = etree.SubElement(layout, f"{{{TTML_NS}}}region")
    region.set(f"{{{XML_NS}}}id", "bottom")
    region.set(f"{{{TTS_NS}}}origin", "10% 10%")
    region.set(f"{{{TTS_NS}}}extent", "80% 80%")
    region.set(f"{{{TTS_NS}}}displayAlign", "after")
    body = etree.SubElement(root, f"{{{TTML_NS}}}body", style="default", region="bottom")
    division = etree.SubElement(body, f"{{{TTML_NS}}}div")
    for number, cue in enumerate(cues, start=1):
        paragraph = etree.SubElement(division, f"{{{TTML_NS}}}p",
                                     begin=_vtt_time(cue.start_ms), end=_vtt_time(cue.end_ms))
        paragraph.set(f"{{{XML_NS}}}id", f"cue{number}")
        if cue.speaker:
            paragraph.set(f"{{{TTM_NS}}}agent", agent_ids[cue.speaker])
        lines = cue.text.split("\n")
        paragraph.text = lines[0]
        for line in lines[1:]:
            etree.SubElement(paragraph, f"{{{TTML_NS}}}br").tail = line
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
