"""Reading and writing SRT, WebVTT, TTML (IMSC 1.1), ASS and SAMI: the functions the import
page, the exports and the command line share.

- ``read_subtitles(data, fmt, *, language_class=None)`` → (cues, import notes). Raises
  ``SubtitleFileError`` (with the line) for a file that cannot be imported; what it repairs
  or cannot keep is an ``ImportNote``.
- ``write_subtitles(cues, fmt, *, language, title="")`` → bytes;
  ``write_subtitles_with_notes(...)`` → (bytes, export notes): what the format could not
  carry (speakers in SRT, vertical text in ASS…), by cue. Raises ``SubtitleExportError``
  when the format cannot hold the cues at all (ASS past 9:59:59.99).
- ``sami_language_classes(data)`` → the language classes of a SAMI file, and
  ``default_language_class(classes, language)`` the one imported when none is chosen.

SRT and ASS go through pysubs2, SAMI through pycaption, TTML through lxml, WebVTT is read
by the W3C parsing algorithm (``vtt.py`` says why) and written by webvtt-py. Cues meet in
one neutral form, ``localization.subtitles.cues.Cue``: text with italics, speaker,
identifier, a keypad position, a vertical flag and each format's exact settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from django.utils.translation import gettext as _

from localization.subtitles.cues import (
    Cue,
    ExportNote,
    ImportNote,
    SubtitleExportError,
    SubtitleFileError,
)
from localization.subtitles.formats import sami
from localization.subtitles.formats.ass import check_ass_times, read_ass, write_ass
from localization.subtitles.formats.common import UNSTORABLE_CHARACTERS, decode_text
from localization.subtitles.formats.losses import export_notes
from localization.subtitles.formats.sami import LanguageClass
from localization.subtitles.formats.srt import read_srt, write_srt
from localization.subtitles.formats.ttml import (
    IMSC11_TEXT_PROFILE,
    TTML_NS,
    read_ttml,
    write_ttml,
)
from localization.subtitles.formats.vtt import read_vtt, write_vtt

__all__ = [
    "EXTENSIONS", "FORMATS", "IMSC11_TEXT_PROFILE", "TTML_NS", "UNSTORABLE_CHARACTERS",
    "Cue", "ExportNote", "ImportNote", "LanguageClass", "SubtitleExportError",
    "SubtitleFileError", "decode_text", "default_language_class", "export_losses",
    "export_notes",
    "format_for_filename", "read_subtitles", "sami_language_classes", "write_subtitles",
    "write_subtitles_with_notes",
]

FORMATS = {
    "srt": ("SubRip (.srt)", "application/x-subrip", "srt"),
    "vtt": ("WebVTT (.vtt)", "text/vtt", "vtt"),
    "ttml": ("TTML / IMSC 1.1 (.ttml)", "application/ttml+xml", "ttml"),
    "ass": ("Advanced SubStation Alpha (.ass)", "text/x-ssa", "ass"),
    "smi": ("SAMI (.smi)", "application/x-sami", "smi"),
}
EXTENSIONS = {"srt": "srt", "vtt": "vtt", "webvtt": "vtt", "ttml": "ttml", "dfxp": "ttml",
              "xml": "ttml", "ass": "ass", "ssa": "ass", "smi": "smi", "sami": "smi"}


def format_for_filename(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise SubtitleFileError(
            _("Unknown subtitle file type '.%(extension)s'; use .srt, .vtt, .ttml, .ass or "
              ".smi.") % {"extension": extension}
        )
    return EXTENSIONS[extension]


def read_subtitles(data: bytes, fmt: str, *, language_class: str | None = None,
                   language: str | None = None) -> tuple[list[Cue], list[ImportNote]]:
    """Parse a subtitle file; return its cues in time order and the notes on what was
    repaired or could not be kept. ``language_class`` picks a SAMI file's class (default:
    the class of ``language``, else KRCC, else the first)."""
    if fmt not in FORMATS:
        raise SubtitleFileError(_("Unknown subtitle format '%(format)s'.") % {"format": fmt})
    if not data.strip():
        raise SubtitleFileError(_("The file is empty."))
    if fmt == "ttml":
        cues, notes = read_ttml(data)
    else:
        text, notes = decode_text(data)
        if fmt == "smi":
            cues, more = sami.read_sami(text, language_class=language_class, language=language)
        else:
            cues, more = {"srt": read_srt, "vtt": read_vtt, "ass": read_ass}[fmt](text)
        notes += more
    if not cues:
        raise SubtitleFileError(_("The file has no subtitle cues."))
    return cues, notes


def sami_language_classes(data: bytes) -> list[LanguageClass]:
    """The language classes (KRCC, ENCC…) of a SAMI file that have cues."""
    text, _notes = decode_text(data)
    return sami.language_classes(text)


def default_language_class(classes: list[LanguageClass], language: str | None = None) -> str:
    return sami.default_class(classes, language)


def write_subtitles(cues: Iterable[Cue], fmt: str, *, language: str, title: str = "") -> bytes:
    return write_subtitles_with_notes(cues, fmt, language=language, title=title)[0]


def write_subtitles_with_notes(cues: Iterable[Cue], fmt: str, *, language: str,
                               title: str = "") -> tuple[bytes, list[ExportNote]]:
    """The file and what it could not carry of the cues."""
    cues, notes = _prepare(list(cues), fmt, language=language)
    if fmt == "ttml":
        content = write_ttml(cues, language=language, title=title)
    elif fmt == "smi":
        content = sami.write_sami(cues, language=language)
    else:
        content = {"srt": write_srt, "vtt": write_vtt, "ass": write_ass}[fmt](cues)
    return content, notes


def export_losses(cues: Iterable[Cue], fmt: str, *, language: str) -> list[ExportNote]:
    """The notes write_subtitles_with_notes would give, without writing the file."""
    return _prepare(list(cues), fmt, language=language)[1]


def _prepare(cues: list[Cue], fmt: str, *, language: str
             ) -> tuple[list[Cue], list[ExportNote]]:
    if fmt not in FORMATS:
        raise SubtitleExportError(_("Unknown subtitle format '%(format)s'.") % {"format": fmt})
    if fmt == "ass":
        check_ass_times(cues)
    cues, notes = _storable(cues)
    return cues, notes + export_notes(cues, fmt, language=language)


def _storable(cues: list[Cue]) -> tuple[list[Cue], list[ExportNote]]:
    """Control characters (an editor can type them) have no place in any subtitle file, and
    XML refuses them."""
    touched = []
    cleaned = []
    for number, cue in enumerate(cues, start=1):
        text = UNSTORABLE_CHARACTERS.sub("", cue.text)
        speaker = UNSTORABLE_CHARACTERS.sub("", cue.speaker)
        if (text, speaker) != (cue.text, cue.speaker):
            touched.append(number)
            cue = replace(cue, text=text, speaker=speaker)
        cleaned.append(cue)
    notes = [ExportNote(_("Control characters were left out of these cues."), tuple(touched))
             ] if touched else []
    return cleaned, notes
