"""What every reader shares: decoding, time limits, notes, and the checks run on read cues."""

from __future__ import annotations

import math
import re
from dataclasses import replace

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from localization.subtitles.cues import (
    MAX_CUE_TIME_HOURS,
    MAX_CUE_TIME_MS,
    Cue,
    ImportNote,
    SubtitleFileError,
    normalize_markup,
)

# Characters that PostgreSQL text (NUL) or XML 1.0, and so TTML, cannot hold.
UNSTORABLE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Notes:
    """Import notes in file order. ``repeat`` notes are gathered: a problem that touches
    200 cues is one note naming its first line and how many more there are."""

    def __init__(self):
        self._notes: list[ImportNote | list] = []
        self._gathered: dict[str, list] = {}

    def add(self, line: int | None, message: str) -> None:
        self._notes.append(ImportNote(line, message))

    def repeat(self, line: int | None, message: str) -> None:
        if message in self._gathered:
            self._gathered[message][2] += 1
            return
        entry = [line, message, 0]
        self._gathered[message] = entry
        self._notes.append(entry)

    def extend(self, notes) -> None:
        self._notes.extend(notes)

    def as_list(self) -> list[ImportNote]:
        result = []
        for note in self._notes:
            if isinstance(note, ImportNote):
                result.append(note)
                continue
            line, message, more = note
            if more:
                message = ngettext("%(message)s (and %(count)d more cue like it)",
                                   "%(message)s (and %(count)d more cues like it)", more) % {
                    "message": message, "count": more}
            result.append(ImportNote(line, message))
        return result


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


def clock_ms(hours: str, minutes: str, seconds: str, millis: str) -> float:
    """Milliseconds of a clock time given as digit strings; infinity for an absurd hour."""
    if len(hours.lstrip("0")) > 6:
        # Far past any limit, and int() refuses a string of thousands of digits.
        return math.inf
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def past_limit_message(written: str) -> str:
    return (_("The time '%(time)s' is past %(hours)d hours, the longest a subtitle file "
              "may run.") % {"time": shorten(written), "hours": MAX_CUE_TIME_HOURS})


def check_time_limit(ms: float, written: str | None, line: int | None) -> None:
    """Refuse a time past MAX_CUE_TIME_MS (or NaN); written is the time as the file has it."""
    if not ms <= MAX_CUE_TIME_MS:
        raise SubtitleFileError(past_limit_message(written or clock_text(int(ms))), line=line)


def shorten(text: str, limit: int = 40) -> str:
    """A value quoted back in a message, cut so that a megabyte of digits stays readable, its
    control characters shown as U+0000 (a note is stored, and PostgreSQL refuses NUL)."""
    text = text if len(text) <= limit else f"{text[:limit]}…"
    return UNSTORABLE_CHARACTERS.sub(lambda match: f"U+{ord(match.group()):04X}", text)


def clock_text(ms: int) -> str:
    """00:00:00.000, the form WebVTT and TTML write and messages quote."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def check_cues(cues: list[Cue], line_numbers: list[int]) -> tuple[list[Cue], list[ImportNote]]:
    """Refuse impossible times; repair and note control characters, order, overlaps and
    empty cues. A cue that starts and ends at the same moment is kept, as players keep it."""
    notes: list[ImportNote] = []
    kept: list[tuple[Cue, int]] = []
    for cue, line in zip(cues, line_numbers, strict=True):
        for ms in (cue.start_ms, cue.end_ms):
            check_time_limit(ms, None, line)
        if cue.end_ms < cue.start_ms:
            raise SubtitleFileError(_("The cue ends before it starts."), line=line)
        cleaned = {name: UNSTORABLE_CHARACTERS.sub("", getattr(cue, name))
                   for name in ("text", "speaker", "identifier")}
        if any(cleaned[name] != getattr(cue, name) for name in cleaned):
            notes.append(ImportNote(line, _("Control characters were removed from the cue.")))
        text = normalize_markup("\n".join(part.strip() for part in
                                          cleaned["text"].strip().split("\n")))
        cue = replace(cue, text=text, speaker=cleaned["speaker"].strip(),
                      identifier=cleaned["identifier"].strip())
        if not cue.plain_text.strip():
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
