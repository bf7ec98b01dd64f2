"""Advanced SubStation Alpha, through pysubs2, and the override tags that SRT files borrow.

pysubs2 reads and writes the file (script info, styles, events); the text of an event keeps
its override tags, which are turned into the neutral cue here: ``\\i`` into italics, ``\\an``
(or the legacy ``\\a``) and the event's style into the position, the tags that place or
animate the whole line (``\\pos``, ``\\move``, ``\\fad``…) kept as the cue's ASS settings
with the script resolution they refer to. Every other tag (colours, fonts, karaoke…) is
named in an import note; a vector drawing (``\\p1``) is no text and is left out with a note.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import pysubs2
from django.utils.translation import gettext as _

from localization.subtitles.cues import (
    DEFAULT_POSITION,
    Cue,
    SubtitleExportError,
    SubtitleFileError,
    spans_text,
    text_spans,
)
from localization.subtitles.formats.common import Notes, check_cues, clock_text

# The tags that act on the whole line wherever they are written: kept as they are.
LINE_TAGS = ("pos", "move", "org", "fade", "fad", "clip", "iclip")
# Longest names first, so that \fscx is not read as \fs followed by "cx".
_TAG_NAME = re.compile(
    r"(1c|2c|3c|4c|1a|2a|3a|4a|alpha|an|a|xbord|ybord|bord|blur|be|b|iclip|clip|c|fade|fad|"
    r"fax|fay|fe|fn|frx|fry|frz|fr|fscx|fscy|fsp|fs|i|kf|ko|k|K|move|org|pos|pbo|p|q|r|"
    r"xshad|yshad|shad|s|t|u)")
# SSA's \a numbers the bottom row 1-3, the top row 5-7 and the middle row 9-11.
_LEGACY_ALIGNMENT = {1: 1, 2: 2, 3: 3, 5: 7, 6: 8, 7: 9, 9: 4, 10: 5, 11: 6}
_HTML_TAG = re.compile(r"< */? *([a-zA-Z][a-zA-Z0-9]*)[^>]*>")
# pysubs2 writes hundredths of a second with one hour digit: 9:59:59.99 at most.
ASS_MAX_MS = 35_999_990


@dataclass
class ConvertedText:
    text: str
    position: int | None = None  # from \an or \a, when the text says
    line_tags: str = ""  # "\pos(320,50)\fad(200,0)"
    dropped: list[str] = field(default_factory=list)  # tag names, in order, once each
    comment: bool = False  # a {comment} without tags was left out
    drawing: bool = False


def convert_tagged_text(text: str, *, italic: bool = False, html: bool = False
                        ) -> ConvertedText:
    """ASS event text (or SRT text with HTML tags, ``html=True``) to neutral text."""
    result = ConvertedText("")
    drawing = False
    spans: list[tuple[str, bool]] = []
    style_italic = italic
    kept_line_tags: dict[str, str] = {}
    pattern = re.compile(r"(\{[^}]*\}|< */? *[a-zA-Z][^>]*>)" if html else r"(\{[^}]*\})")
    for piece in pattern.split(text):
        if not piece:
            continue
        if html and piece.startswith("<"):
            name = _HTML_TAG.match(piece).group(1).lower()
            closing = piece.lstrip("< ").startswith("/")
            if name == "i":
                italic = not closing
            else:
                _drop(result, f"<{name}>")
            continue
        if piece.startswith("{"):
            body = piece[1:-1]
            if "\\" not in body:
                if html:  # SRT has no comments: braces are text
                    spans.append((_plain(piece), italic))
                elif body.strip():
                    result.comment = True
                continue
            italic, drawing = _apply_tags(body, italic, style_italic, drawing, result,
                                          kept_line_tags)
            continue
        if not drawing:
            spans.append((_plain(piece), italic))
    result.text = spans_text(spans)
    result.line_tags = "".join(kept_line_tags.values())
    return result


def _plain(piece: str) -> str:
    return piece.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")


def _drop(result: ConvertedText, name: str) -> None:
    if name not in result.dropped:
        result.dropped.append(name)


def _apply_tags(body: str, italic: bool, style_italic: bool, drawing: bool,
                result: ConvertedText, kept_line_tags: dict[str, str]) -> tuple[bool, bool]:
    """Read one override block; return the italic and drawing states after it."""
    index = body.find("\\")
    while index != -1 and index < len(body):
        match = _TAG_NAME.match(body, index + 1)
        if not match:
            unknown = re.match(r"[^\\(]*", body[index + 1:]).group().strip()
            if unknown:
                _drop(result, f"\\{unknown}")
            index = body.find("\\", index + 1)
            continue
        name, end = match.group(1), match.end()
        if end < len(body) and body[end] == "(":
            depth, close = 0, end
            while close < len(body):
                depth += {"(": 1, ")": -1}.get(body[close], 0)
                if depth == 0:
                    break
                close += 1
            end = close + 1
        else:
            next_tag = body.find("\\", end)
            end = len(body) if next_tag == -1 else next_tag
        argument = body[match.end():end].strip()
        if name == "i":
            italic = style_italic if argument == "" else argument not in ("0", "")
        elif name == "r":
            italic = style_italic
        elif name in ("an", "a"):
            number = int(argument) if argument.isdigit() else 0
            number = number if name == "an" else _LEGACY_ALIGNMENT.get(number, 0)
            if result.position is None and 1 <= number <= 9:
                result.position = number  # the first one counts, as in libass
        elif name == "p":
            drawing = argument not in ("", "0")
            result.drawing = result.drawing or drawing
        elif name in LINE_TAGS:
            kept_line_tags.setdefault(name, f"\\{name}{argument}")
        else:
            _drop(result, f"\\{name}")
        index = end if end < len(body) and body[end] == "\\" else body.find("\\", end)
    return italic, drawing


def read_ass(text: str) -> tuple[list[Cue], list]:
    notes = Notes()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unreadable margins and such: defaults, as players
            subs = pysubs2.SSAFile.from_string(text, format_="ass")
    except Exception as error:  # pysubs2 raises several kinds for a broken file
        raise SubtitleFileError(str(error)) from None
    file_lines = text.split("\n")
    dialogue_lines = [number for number, line in enumerate(file_lines, start=1)
                      if line.startswith("Dialogue:")]
    comment_count = sum(1 for line in file_lines if line.startswith("Comment:"))
    events = [event for event in subs if not event.is_comment]
    if len(events) != len(dialogue_lines):
        line = dialogue_lines[min(len(events), len(dialogue_lines) - 1)] if dialogue_lines \
            else None
        raise SubtitleFileError(
            _("%(found)d cues were read but the file has %(expected)d dialogue lines; "
              "the cue here could not be read.")
            % {"found": len(events), "expected": len(dialogue_lines)}, line=line)
    if comment_count:
        notes.add(None, _("%(count)d ASS Comment lines (never shown by players) were left "
                          "out.") % {"count": comment_count})
    play_res = f"{subs.info.get('PlayResX', '')}x{subs.info.get('PlayResY', '')}"
    cues, lines = [], []
    for event, line in zip(events, dialogue_lines, strict=True):
        style = subs.styles.get(event.style, pysubs2.SSAStyle.DEFAULT_STYLE)
        converted = convert_tagged_text(event.text, italic=bool(style.italic))
        if converted.drawing:
            notes.repeat(line, _("An ASS vector drawing (\\p1) is not text; it was left out."))
            if not converted.text.strip():
                continue
        _note_dropped(notes, line, converted)
        position = converted.position or int(style.alignment) or DEFAULT_POSITION
        settings = ({"ass": {"tags": converted.line_tags, "play_res": play_res}}
                    if converted.line_tags else {})
        cues.append(Cue(event.start, event.end, converted.text, event.name.strip(),
                        position=position, settings=settings))
        lines.append(line)
    if _styled_beyond_italics(subs):
        notes.add(None, _("The ASS styles' fonts, sizes, colours and margins are not kept; "
                          "italics and positions are."))
    checked, more = check_cues(cues, lines)
    return checked, notes.as_list() + more


def _note_dropped(notes: Notes, line: int, converted: ConvertedText) -> None:
    for name in converted.dropped:
        notes.repeat(line, _("The styling tag %(tag)s is not kept; its text is.")
                     % {"tag": name})
    if converted.comment:
        notes.repeat(line, _("A comment in braces {…} was left out of the cue."))


def _styled_beyond_italics(subs) -> bool:
    default = pysubs2.SSAStyle.DEFAULT_STYLE
    compared = ("fontname", "fontsize", "primarycolor", "bold", "underline", "outline",
                "marginl", "marginr", "marginv")
    return any(getattr(style, name) != getattr(default, name)
               for style in subs.styles.values() for name in compared)


def check_ass_times(cues: list[Cue]) -> None:
    """ASS cannot hold a time past 9:59:59.99 (pysubs2 would clamp it, moving the cue)."""
    late = [number for number, cue in enumerate(cues, start=1)
            if round(cue.end_ms / 10) * 10 > ASS_MAX_MS]
    if late:
        raise SubtitleExportError(
            _("ASS times stop at 9:59:59.99; cue %(number)d ends at %(time)s. Export this "
              "track as SRT, WebVTT or TTML.")
            % {"number": late[0], "time": clock_text(cues[late[0] - 1].end_ms)})


def write_ass(cues: list[Cue]) -> bytes:
    check_ass_times(cues)
    subs = pysubs2.SSAFile()
    play_res = ass_play_res(cues)
    if play_res:
        subs.info["PlayResX"], subs.info["PlayResY"] = play_res.split("x")
    for cue in cues:
        subs.append(pysubs2.SSAEvent(start=cue.start_ms, end=cue.end_ms,
                                     text=ass_text(cue, play_res),
                                     name=cue.speaker.replace(",", " ")))
    return subs.to_string("ass").encode("utf-8")


def ass_play_res(cues: list[Cue]) -> str:
    """The script resolution that the kept \\pos-like tags refer to (the most common)."""
    counts: dict[str, int] = {}
    for cue in cues:
        kept = cue.settings.get("ass") or {}
        if kept.get("tags") and kept.get("play_res", "x") != "x":
            counts[kept["play_res"]] = counts.get(kept["play_res"], 0) + 1
    return max(counts, key=counts.get) if counts else ""


def kept_line_tags(cue: Cue, play_res: str) -> str:
    kept = cue.settings.get("ass") or {}
    if not kept.get("tags") or kept.get("play_res", "x") not in (play_res, "x"):
        return ""
    return kept["tags"]


def ass_text(cue: Cue, play_res: str = "") -> str:
    parts = []
    for piece, italic in text_spans(cue.text):
        piece = piece.replace("{", "(").replace("}", ")").replace("\n", "\\N")
        parts.append(f"{{\\i1}}{piece}{{\\i0}}" if italic else piece)
    text = "".join(parts).replace("{\\i0}{\\i1}", "")
    tags = kept_line_tags(cue, play_res)
    if cue.position != DEFAULT_POSITION or tags:
        text = f"{{\\an{cue.position}{tags}}}{text}"
    return text


def srt_text(cue: Cue) -> str:
    """Neutral text as SRT writes it: <i> tags as they are, {\\anN} for a position."""
    text = cue.text
    if cue.position != DEFAULT_POSITION:
        text = f"{{\\an{cue.position}}}{text}"
    return text
