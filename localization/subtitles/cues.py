"""The in-memory form of a subtitle cue, shared by the format readers, writers and segmenter.

A ``Cue`` is neutral: every reader turns its format into it and every writer turns it back,
so what one format can say and another cannot is decided in one place
(``localization.subtitles.formats``), which reports it instead of losing it quietly.

- ``text``: lines separated by "\\n". The only markup is italics, written ``<i>…</i>``
  (balanced, never nested); any other "<" is a literal character. ``plain_text()`` gives
  the words alone, for counting characters, machine translation or speech.
- ``position``: where the cue sits on the picture, as the numeric keypad (the ASS ``\\an``
  convention): 7 8 9 top left, top, top right; 4 5 6 middle; 1 2 3 bottom. 2 (bottom
  centre) is every format's default.
- ``vertical``: "" for horizontal text, "rl" for vertical lines that follow each other
  right to left (Japanese tategaki), "lr" for left to right. ``position`` then still names
  the place on the picture: 9 is the top of the right edge, Netflix's usual vertical spot.
- ``identifier``: the cue's name in its file (a WebVTT cue identifier, a TTML ``xml:id``, an
  SRT number that is not simply the cue's place in the file).
- ``settings``: what the source format said exactly, by format ("vtt": the cue settings,
  "vtt_region": its REGION, "ttml": the region and text alignment, "ass": the line tags such
  as ``\\pos`` and the script's resolution). A writer of that format uses them when they
  still agree with ``position`` and ``vertical``, so a file comes back as it was; other
  formats work from ``position`` and ``vertical`` and say what they approximated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_lazy

# No film or series episode runs this long; a time past it is a typo or a broken file, and
# refusing it keeps absurd numbers (99999999 hours, or infinity) out of the database.
MAX_CUE_TIME_HOURS = 100
MAX_CUE_TIME_MS = MAX_CUE_TIME_HOURS * 3_600_000

ITALIC_OPEN = "<i>"
ITALIC_CLOSE = "</i>"
_ITALIC_TAG = re.compile(r"</?i>")

DEFAULT_POSITION = 2
POSITIONS = range(1, 10)
POSITION_NAMES = {
    7: gettext_lazy("top left"), 8: gettext_lazy("top"), 9: gettext_lazy("top right"),
    4: gettext_lazy("middle left"), 5: gettext_lazy("middle"), 6: gettext_lazy("middle right"),
    1: gettext_lazy("bottom left"), 2: gettext_lazy("bottom"), 3: gettext_lazy("bottom right"),
}
VERTICAL_NAMES = {"": gettext_lazy("horizontal"),
                  "rl": gettext_lazy("vertical, lines right to left"),
                  "lr": gettext_lazy("vertical, lines left to right")}


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str  # lines separated by "\n"; "<i>…</i>" marks italics
    speaker: str = ""
    identifier: str = ""
    position: int = DEFAULT_POSITION
    vertical: str = ""
    settings: dict = field(default_factory=dict, hash=False)

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def plain_text(self) -> str:
        return plain_text(self.text)

    @property
    def row(self) -> str:
        """"top", "middle" or "bottom"."""
        return position_row(self.position)

    @property
    def column(self) -> str:
        """"left", "centre" or "right"."""
        return position_column(self.position)


def position_row(position: int) -> str:
    return {0: "bottom", 1: "middle", 2: "top"}[(position - 1) // 3]


def position_column(position: int) -> str:
    return {0: "left", 1: "centre", 2: "right"}[(position - 1) % 3]


def position_from(row: str, column: str) -> int:
    return {"bottom": 0, "middle": 3, "top": 6}[row] + {"left": 1, "centre": 2, "right": 3}[column]


def placement_description(position: int, vertical: str) -> str:
    """"top left", "bottom, vertical, lines right to left": for notes and the editor."""
    described = str(POSITION_NAMES.get(position, position))
    if vertical:
        described += ", " + str(VERTICAL_NAMES.get(vertical, vertical))
    return described


# --- italics, the one piece of markup in a cue's text ----------------------------------------


def text_spans(text: str) -> list[tuple[str, bool]]:
    """The text as (piece, italic) pairs; unbalanced tags are read as a browser would
    (an unclosed <i> runs to the end, a stray </i> is ignored)."""
    spans: list[tuple[str, bool]] = []
    italic = False
    position = 0
    for tag in _ITALIC_TAG.finditer(text):
        if tag.start() > position:
            spans.append((text[position:tag.start()], italic))
        italic = tag.group() == ITALIC_OPEN
        position = tag.end()
    if position < len(text):
        spans.append((text[position:], italic))
    return spans


def spans_text(spans) -> str:
    """(piece, italic) pairs back to text, with the fewest tags: neighbours of one kind are
    joined and empty italics disappear."""
    parts: list[str] = []
    italic = False
    for piece, piece_italic in spans:
        if not piece:
            continue
        if piece_italic != italic:
            parts.append(ITALIC_OPEN if piece_italic else ITALIC_CLOSE)
            italic = piece_italic
        parts.append(piece)
    if italic:
        parts.append(ITALIC_CLOSE)
    return "".join(parts)


def normalize_markup(text: str) -> str:
    """Balanced, unnested italics, and no italic tag around nothing."""
    return spans_text(text_spans(text)) if "<" in text else text


def plain_text(text: str) -> str:
    """The words without the italic tags."""
    return _ITALIC_TAG.sub("", text) if "<" in text else text


def has_italics(text: str) -> bool:
    return any(italic for _piece, italic in text_spans(text)) if "<" in text else False


def is_all_italic(text: str) -> bool:
    """Every visible character of the text is in italics (a voice off screen, a song)."""
    spans = [(piece, italic) for piece, italic in text_spans(text) if piece.strip()]
    return bool(spans) and all(italic for _piece, italic in spans)


def split_markup(left: str, right: str) -> tuple[str, str]:
    """Two halves of one cue's text, each with balanced italics: an italic span that the
    split cut is closed in the left half and opened again in the right."""
    italic_at_cut = False
    for tag in _ITALIC_TAG.finditer(left):
        italic_at_cut = tag.group() == ITALIC_OPEN
    if italic_at_cut:
        right = ITALIC_OPEN + right
    return normalize_markup(left), normalize_markup(right)


# --- notes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportNote:
    """A problem found while reading a file that did not stop the import."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return _at_line(self.line, self.message)

    def as_dict(self) -> dict:
        return {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class ExportNote:
    """Something the target format cannot carry, and the cues (numbered from 1) it touched."""

    message: str
    cues: tuple[int, ...] = ()

    def __str__(self) -> str:
        if not self.cues:
            return self.message
        shown = ", ".join(str(number) for number in self.cues[:5])
        if len(self.cues) > 5:
            shown = gettext("%(shown)s and %(more)d more") % {"shown": shown,
                                                              "more": len(self.cues) - 5}
        return gettext("%(message)s (cues %(cues)s)") % {"message": self.message,
                                                          "cues": shown}

    def as_dict(self) -> dict:
        return {"message": self.message, "cues": list(self.cues)}


class SubtitleFileError(ValueError):
    """A subtitle file that cannot be imported without losing something; says where."""

    def __init__(self, message: str, *, line: int | None = None):
        self.line = line
        self.message = message
        super().__init__(_at_line(line, message))


class SubtitleExportError(ValueError):
    """Cues that the chosen format cannot hold at all (not a loss that a note could cover)."""


def _at_line(line: int | None, message: str) -> str:
    if not line:
        return message
    return gettext("line %(line)s: %(message)s") % {"line": line, "message": message}
