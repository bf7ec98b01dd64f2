"""WebVTT, read as a browser reads it and written with webvtt-py.

The reader follows the W3C WebVTT 1 parsing algorithm ("WebVTT file parsing", "collect a
WebVTT block", "collect WebVTT cue timings and settings", "collect a WebVTT timestamp",
the cue settings and the cue text tokenizer) step by step, rather than webvtt-py's reader,
because webvtt-py 0.6.0 reads files differently from browsers: it keeps cues a browser drops
(it reads ``00:03.0`` as three seconds), drops cues a browser keeps or blames the next cue
for them (``00:00:60.000`` vanishes without a word), refuses a whole file for one malformed
cue, and reports no line numbers. So here a cue a browser keeps is kept (one-digit hours, a
NUL after a timestamp, a cue of no length), and a cue a browser drops is left out with a
note naming its own line while the other cues import.

Knowing departures from a browser, each with a note: a cue that ends before it starts or
runs past 100 hours is left out (a browser keeps it but never shows it); control characters
are removed from the text (a browser shows NUL as U+FFFD); STYLE blocks (CSS), cue classes,
bold, underline, ruby readings, language spans and karaoke timestamps are not kept, only
their text; a cue with several voices keeps the first as its speaker.

Cue identifiers, settings (``line``, ``position``, ``align``, ``size``, ``vertical``,
``region`` with its REGION block) and italics are kept; the settings also give the cue's
neutral position, which other formats use.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

import webvtt
from django.utils.translation import gettext as _
from webvtt.models import Region

from localization.subtitles.cues import (
    DEFAULT_POSITION,
    MAX_CUE_TIME_MS,
    Cue,
    SubtitleFileError,
    position_from,
    spans_text,
    text_spans,
)
from localization.subtitles.formats.common import (
    Notes,
    check_cues,
    clock_text,
    past_limit_message,
    shorten,
)

ASCII_WHITESPACE = " \t\n\x0c\r"
_WHITESPACE_SPLIT = re.compile(f"[{ASCII_WHITESPACE}]+")


class _TimestampError(ValueError):
    pass


# --- timestamps and settings -------------------------------------------------------------------


def collect_timestamp(text: str, position: int) -> tuple[float, int]:
    """The spec's "collect a WebVTT timestamp" from ``position``: (milliseconds, new position);
    _TimestampError says why it fails. Hours may have any number of digits (infinity when
    absurd)."""

    def digits(at: int) -> tuple[str, int]:
        end = at
        while end < len(text) and text[end].isascii() and text[end].isdigit():
            end += 1
        return text[at:end], end

    most_significant_hours = False
    if position >= len(text) or not (text[position].isascii() and text[position].isdigit()):
        raise _TimestampError(_("a time must start with a digit"))
    first, position = digits(position)
    if len(first) != 2 or int(first) > 59:
        most_significant_hours = True
    if position >= len(text) or text[position] != ":":
        raise _TimestampError(_("a colon must follow the first number"))
    second, position = digits(position + 1)
    if len(second) != 2:
        raise _TimestampError(_("minutes and seconds have two digits"))
    if most_significant_hours or (position < len(text) and text[position] == ":"):
        if position >= len(text) or text[position] != ":":
            raise _TimestampError(_("hours need minutes and seconds"))
        third, position = digits(position + 1)
        if len(third) != 2:
            raise _TimestampError(_("minutes and seconds have two digits"))
        hours, minutes, seconds = first, second, third
    else:
        hours, minutes, seconds = "0", first, second
    if position >= len(text) or text[position] != ".":
        raise _TimestampError(_("the seconds need a full stop and three digits of "
                                "milliseconds"))
    millis, position = digits(position + 1)
    if len(millis) != 3:
        raise _TimestampError(_("milliseconds have exactly three digits"))
    if int(minutes) > 59 or int(seconds) > 59:
        raise _TimestampError(_("minutes and seconds stop at 59"))
    if len(hours.lstrip("0")) > 6:
        return math.inf, position
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis), position


@dataclass
class CueSettings:
    """What a cue's settings say, as the spec keeps it; ``kept`` the valid settings as
    written, ``ignored`` the ones a browser skips."""

    vertical: str = ""
    line: float | None = None  # None: auto
    snap_to_lines: bool = True
    position: float | None = None  # None: auto
    size: float = 100
    align: str = "center"
    region: str | None = None
    kept: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()


_PERCENTAGE = re.compile(r"^(\d+(?:\.\d+)?)%$")
_LINE_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def _percentage(value: str) -> float | None:
    match = _PERCENTAGE.match(value)
    if not match or float(match.group(1)) > 100:
        return None
    return float(match.group(1))


def parse_settings(text: str, regions: dict[str, str] | None = None) -> CueSettings:
    """The spec's "parse the WebVTT cue settings"."""
    regions = regions or {}
    settings = CueSettings()
    kept: list[tuple[str, str]] = []
    ignored: list[str] = []
    for token in _WHITESPACE_SPLIT.split(text.strip(ASCII_WHITESPACE)):
        if not token:
            continue
        name, colon, value = token.partition(":")
        if not colon or not name or not value:
            ignored.append(token)
            continue
        valid = True
        if name == "region":
            settings.region = value if value in regions else None
            valid = value in regions
        elif name == "vertical" and value in ("rl", "lr"):
            settings.vertical = value
            settings.region = None
        elif name == "line":
            number_text, _comma, line_align = value.partition(",")
            if not any(char.isdigit() for char in number_text) or (
                    _comma and line_align not in ("start", "center", "end")):
                valid = False
            elif number_text.endswith("%"):
                number = _percentage(number_text)
                valid = number is not None
                if valid:
                    settings.line, settings.snap_to_lines = number, False
            elif _LINE_NUMBER.match(number_text):
                settings.line, settings.snap_to_lines = float(number_text), True
            else:
                valid = False
            if valid:
                settings.region = None
        elif name == "position":
            number_text, _comma, position_align = value.partition(",")
            number = _percentage(number_text)
            valid = number is not None and (not _comma or position_align in (
                "line-left", "center", "line-right"))
            if valid:
                settings.position = number
        elif name == "size":
            number = _percentage(value)
            valid = number is not None
            if valid:
                settings.size = number
                if number != 100:
                    settings.region = None
        elif name == "align" and value in ("start", "center", "end", "left", "right"):
            settings.align = value
        else:
            valid = False
        if valid:
            kept.append((name, token))
        else:
            ignored.append(token)
    if settings.region is None:
        kept = [pair for pair in kept if pair[0] != "region"]
    settings.kept = tuple(token for _name, token in kept)
    settings.ignored = tuple(ignored)
    return settings


def _third(value: float) -> int:
    return 0 if value < 100 / 3 else (1 if value <= 200 / 3 else 2)


def settings_placement(settings: CueSettings, region: str = "") -> tuple[int, str]:
    """(position 1-9, vertical) that a cue's settings give; close to how a browser places
    it, to carry it to formats with coarser positions."""
    if settings.vertical:
        if settings.line is None:
            column = "left" if settings.vertical == "rl" else "right"
        elif settings.snap_to_lines:
            first = "right" if settings.vertical == "rl" else "left"
            last = "left" if settings.vertical == "rl" else "right"
            column = first if settings.line >= 0 else last
        else:
            column = ("left", "centre", "right")[_third(settings.line)]
        if settings.align in ("start", "left"):
            row = "top"
        elif settings.align in ("end", "right"):
            row = "bottom"
        else:
            row = ("top", "middle", "bottom")[_third(settings.position)] \
                if settings.position is not None else "middle"
        return position_from(row, column), settings.vertical
    if settings.region and region:
        anchor = _region_anchor(region)
        if anchor:
            return position_from(("top", "middle", "bottom")[_third(anchor[1])],
                                 ("left", "centre", "right")[_third(anchor[0])]), ""
    if settings.line is None:
        row = "bottom"
    elif settings.snap_to_lines:
        row = "top" if settings.line >= 0 else "bottom"
    else:
        row = ("top", "middle", "bottom")[_third(settings.line)]
    if settings.align in ("start", "left"):
        column = "left"
    elif settings.align in ("end", "right"):
        column = "right"
    else:
        column = ("left", "centre", "right")[_third(settings.position)] \
            if settings.position is not None else "centre"
    return position_from(row, column), ""


def _region_anchor(region: str) -> tuple[float, float] | None:
    """Where a region sits (the centre of its width, its viewport anchor's height)."""
    values = dict(part.split(":", 1) for part in region.split() if ":" in part)
    try:
        width = float(values.get("width", "100%").rstrip("%"))
        anchor_x, _anchor_y = (float(part.rstrip("%")) for part in
                               values.get("regionanchor", "0%,100%").split(","))
        view_x, view_y = (float(part.rstrip("%")) for part in
                          values.get("viewportanchor", "0%,100%").split(","))
    except ValueError:
        return None
    return view_x - anchor_x * width / 100 + width / 2, view_y


def settings_for_placement(position: int, vertical: str) -> str:
    """Cue settings that put a cue at a neutral position (settings_placement reads them back
    to the same position)."""
    row, column = (position - 1) // 3, (position - 1) % 3
    parts: list[str] = []
    if vertical:
        parts.append(f"vertical:{vertical}")
        first_column = 2 if vertical == "rl" else 0
        if column == 1:
            parts.append("line:50%,center")
        elif column == first_column:
            parts.append("line:0")
        parts.append({2: "align:start", 1: "", 0: "align:end"}[row])
    else:
        parts.append({2: "line:0", 1: "line:50%,center", 0: ""}[row])
        parts.append({0: "position:10%,line-left align:left", 1: "",
                      2: "position:90%,line-right align:right"}[column])
    return " ".join(part for part in parts if part)


# --- cue text ------------------------------------------------------------------------------


@dataclass
class CueText:
    text: str
    speaker: str = ""
    other_voices: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()  # what was not kept: "<b>", "<c.yellow>", "ruby", …


_LOST_NAMES = {"b": "<b>", "u": "<u>", "lang": "<lang>"}


def parse_cue_text(text: str) -> CueText:
    """The spec's cue text parsing rules, down to what a neutral cue keeps: text, italics
    and the voice; what else there was is listed in ``lost``."""
    spans: list[tuple[str, bool]] = []
    stack: list[str] = []
    italic_depth = 0
    voices: list[str] = []
    lost: list[str] = []

    def lose(what: str) -> None:
        if what not in lost:
            lost.append(what)

    position = 0
    while position < len(text):
        if text[position] != "<":
            end = text.find("<", position)
            end = len(text) if end == -1 else end
            piece = html.unescape(text[position:end])
            if "rt" in stack:
                lose("ruby")
            else:
                spans.append((piece, italic_depth > 0))
            position = end
            continue
        end = text.find(">", position + 1)
        tag = text[position + 1: len(text) if end == -1 else end]
        position = len(text) if end == -1 else end + 1
        if not tag:
            continue
        if tag[0] == "/":
            name = tag[1:]
            if stack and (stack[-1] == name or (name == "ruby" and stack[-1] == "rt")):
                if name == "ruby" and stack[-1] == "rt":
                    stack.pop()
                closed = stack.pop()
                italic_depth -= closed == "i"
            continue
        if tag[0].isascii() and tag[0].isdigit():
            lose(_("karaoke timestamps"))
            continue
        head = re.match(rf"[^{ASCII_WHITESPACE}]*", tag).group()
        annotation = " ".join(html.unescape(tag[len(head):]).split())
        name, *classes = head.split(".")
        if name not in ("c", "i", "b", "u", "ruby", "rt", "v", "lang") or (
                name == "rt" and (not stack or stack[-1] != "ruby")):
            if name:
                lose(f"<{name}>")
            continue
        stack.append(name)
        if any(classes):
            lose(f"<{head}>")
        if name == "i":
            italic_depth += 1
        elif name == "v":
            voices.append(annotation)
        elif name in _LOST_NAMES:
            lose(_LOST_NAMES[name])
        elif name == "ruby":
            lose("ruby")
    speaker = voices[0] if voices else ""
    others = tuple(dict.fromkeys(voice for voice in voices if voice != speaker))
    return CueText(spans_text(spans), speaker, others, tuple(lost))


# --- the file ----------------------------------------------------------------------------------


@dataclass
class _Block:
    kind: str  # "cue", "dropped", "style", "region", "text", "none"
    line: int  # where the block starts
    identifier: str = ""
    timing_line: int = 0
    timing: str = ""
    text: str = ""
    reason: str = ""


def _collect_block(lines: list[str], index: int, *, in_header: bool, seen_cue: bool
                   ) -> tuple[_Block, int]:
    """The spec's "collect a WebVTT block" from ``lines[index]``; returns the block and the
    index of the line after it."""
    block = _Block("none", index + 1)
    line_count = 0
    previous = index
    buffer: list[str] = []
    seen_arrow = False
    while index < len(lines):
        line = lines[index]
        index += 1
        line_count += 1
        if "-->" in line:
            if not in_header and (line_count == 1 or (line_count == 2 and not seen_arrow)):
                seen_arrow = True
                previous = index
                block.identifier = "\n".join(buffer)
                block.timing_line, block.timing = index, line
                try:
                    block.reason = ""
                    _timings(line)
                except _TimestampError as error:
                    block.kind, block.reason = "dropped", str(error)
                else:
                    block.kind = "cue"
                    buffer = []
                    seen_cue = True
            else:
                index = previous
                break
        elif line == "":
            break
        else:
            if not in_header and line_count == 2 and not seen_cue:
                first = "\n".join(buffer)
                for keyword, kind in (("STYLE", "style"), ("REGION", "region")):
                    if first.startswith(keyword) and not first[len(keyword):].strip(
                            ASCII_WHITESPACE):
                        block.kind = kind
                        buffer = []
            buffer.append(line)
            previous = index
    block.text = "\n".join(buffer)
    if block.kind == "none" and block.text and not in_header:
        block.kind = "text"
    return block, index


def _timings(line: str) -> tuple[float, float, str]:
    """The spec's "collect WebVTT cue timings and settings": (start, end, settings text)."""
    position = len(line) - len(line.lstrip(ASCII_WHITESPACE))
    start, position = collect_timestamp(line, position)
    position += len(line[position:]) - len(line[position:].lstrip(ASCII_WHITESPACE))
    if line[position:position + 3] != "-->":
        raise _TimestampError(_("'-->' must follow the start time"))
    position += 3
    position += len(line[position:]) - len(line[position:].lstrip(ASCII_WHITESPACE))
    end, position = collect_timestamp(line, position)
    return start, end, line[position:]


def read_vtt(text: str) -> tuple[list[Cue], list]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the file's last line break ends a line; it does not start one
    first = lines[0] if lines else ""
    if not (first == "WEBVTT" or (first.startswith("WEBVTT") and first[6] in " \t")):
        raise SubtitleFileError(_("A WebVTT file must start with 'WEBVTT'."), line=1)
    notes = Notes()
    index = 1
    if index < len(lines) and lines[index] != "":
        _header, index = _collect_block(lines, index, in_header=True, seen_cue=False)
    regions: dict[str, str] = {}
    cues: list[Cue] = []
    cue_lines: list[int] = []
    seen_cue = False
    while True:
        while index < len(lines) and lines[index] == "":
            index += 1
        if index >= len(lines):
            break
        block, index = _collect_block(lines, index, in_header=False, seen_cue=seen_cue)
        if block.kind == "cue":
            seen_cue = True
            cue = _cue_from_block(block, regions, notes)
            if cue is not None:
                cues.append(cue)
                cue_lines.append(block.timing_line)
        elif block.kind == "dropped":
            notes.add(block.timing_line, _(
                "The cue times '%(times)s' cannot be read (%(reason)s), so browsers drop "
                "this cue; it was left out.") % {"times": shorten(block.timing.strip(), 60),
                                                 "reason": block.reason})
        elif block.kind == "style":
            notes.repeat(block.line, _("A STYLE block (CSS for the cues) is not kept; the cues "
                                       "keep their text, italics and positions."))
        elif block.kind == "region":
            region = _region_definition(block.text)
            if region:
                regions[region[0]] = region[1]
        elif block.kind == "text" and not re.match(r"NOTE($|[ \t\n])", block.text):
            notes.add(block.line, _("This text is not part of any cue (no cue timing line "
                                    "comes before it); browsers ignore it, and so was it."))
    if not cues:
        raise SubtitleFileError(_("The file has no subtitle cues."))
    checked, more = check_cues(cues, cue_lines)
    return checked, notes.as_list() + more


def _region_definition(text: str) -> tuple[str, str] | None:
    """(identifier, its settings as one line) of a REGION block, or None without an id."""
    settings = [part for part in _WHITESPACE_SPLIT.split(text) if ":" in part[1:-1]]
    identifier = next((part.split(":", 1)[1] for part in settings if part.startswith("id:")),
                      "")
    if not identifier or "-->" in identifier:
        return None
    return identifier, " ".join(settings)


def _cue_from_block(block: _Block, regions: dict[str, str], notes: Notes) -> Cue | None:
    line = block.timing_line
    start, end, settings_text = _timings(block.timing)
    for ms in (start, end):
        if not ms <= MAX_CUE_TIME_MS:
            notes.add(line, past_limit_message(clock_text(int(ms)) if ms < math.inf
                                               else block.timing.strip())
                      + " " + _("The cue was left out."))
            return None
    if end < start:
        notes.add(line, _("The cue ends (%(end)s) before it starts (%(start)s); browsers never "
                          "show it, and it was left out.")
                  % {"end": clock_text(int(end)), "start": clock_text(int(start))})
        return None
    settings = parse_settings(settings_text, regions)
    for token in settings.ignored:
        notes.repeat(line, _("The cue setting '%(setting)s' is not WebVTT; browsers ignore it, "
                             "and so was it.") % {"setting": shorten(token)})
    region = regions.get(settings.region, "") if settings.region else ""
    position, vertical = settings_placement(settings, region)
    kept = {}
    if settings.kept and " ".join(settings.kept) != settings_for_placement(position, vertical):
        kept["vtt"] = " ".join(settings.kept)
    if region:
        kept["vtt_region"] = region
    parsed = parse_cue_text(block.text)
    for what in parsed.lost:
        if what == "ruby":
            notes.repeat(line, _("Ruby readings (<rt>) are not kept; the text they annotate "
                                 "is."))
        else:
            notes.repeat(line, _("%(what)s in the cue text is not kept; its text is.")
                         % {"what": what})
    if parsed.other_voices:
        notes.add(line, _("The cue has several voices; its speaker is %(first)s, and "
                          "%(others)s is not kept.")
                  % {"first": shorten(parsed.speaker),
                     "others": shorten(", ".join(parsed.other_voices), 80)})
    return Cue(int(start), int(end), parsed.text, parsed.speaker,
               identifier=block.identifier, position=position, vertical=vertical,
               settings=kept)


# --- writing -----------------------------------------------------------------------------------


def kept_settings(cue: Cue) -> tuple[str, str]:
    """(settings, region definition) from the cue's WebVTT file when they still place it
    where its neutral position says; else settings made from the position."""
    raw = cue.settings.get("vtt", "")
    region = cue.settings.get("vtt_region", "")
    if raw or region:
        region_id = region_identifier(region)
        parsed = parse_settings(raw, {region_id: region} if region_id else {})
        if settings_placement(parsed, region) == (cue.position, cue.vertical):
            return raw, region if parsed.region else ""
    if cue.position == DEFAULT_POSITION and not cue.vertical:
        return "", ""
    return settings_for_placement(cue.position, cue.vertical), ""


def vtt_text(cue: Cue) -> str:
    parts = []
    for piece, italic in text_spans(cue.text):
        escaped = html.escape(piece, quote=False)
        parts.append(f"<i>{escaped}</i>" if italic else escaped)
    text = "".join(parts)
    # A line holding "-->" would end the cue, an empty line too.
    text = "\n".join(line for line in text.replace("-->", "--&gt;").split("\n") if line.strip())
    if cue.speaker:
        speaker = html.escape(cue.speaker, quote=False).replace("\n", " ")
        text = f"<v {speaker}>{text}"
    return text


def write_vtt(cues: list[Cue]) -> bytes:
    document = webvtt.WebVTT()
    regions: dict[str, str] = {}
    for cue in cues:
        settings, region = kept_settings(cue)
        if region:
            regions.setdefault(region_identifier(region), region)
        identifier = cue.identifier if valid_identifier(cue.identifier) else None
        document.captions.append(webvtt.Caption(
            clock_text(cue.start_ms), clock_text(cue.end_ms), vtt_text(cue),
            identifier=identifier, settings=settings or None))
    document.regions.extend(Region.from_string(definition) for definition in regions.values())
    return document.content.encode("utf-8")


def region_identifier(definition: str) -> str:
    values = dict(part.split(":", 1) for part in definition.split() if ":" in part)
    return values.get("id", "")


def valid_identifier(identifier: str) -> bool:
    return bool(identifier) and "-->" not in identifier and "\n" not in identifier
