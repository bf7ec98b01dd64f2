"""What a format cannot carry of a track's cues: the notes an export comes with."""

from __future__ import annotations

from django.utils.translation import gettext as _

from localization.subtitles.cues import (
    DEFAULT_POSITION,
    Cue,
    ExportNote,
    has_italics,
    placement_description,
    text_spans,
)
from localization.subtitles.formats.ass import ass_play_res, kept_line_tags
from localization.subtitles.formats.ttml import generated_region, xml_identifier
from localization.subtitles.formats.vtt import settings_for_placement, valid_identifier

FORMAT_NAMES = {"srt": "SRT", "vtt": "WebVTT", "ttml": "TTML", "ass": "ASS", "smi": "SAMI"}
CARRIES_SPEAKERS = {"vtt", "ttml", "ass"}
CARRIES_VERTICAL = {"vtt", "ttml"}
CARRIES_POSITION = {"srt", "vtt", "ttml", "ass"}


def export_notes(cues: list[Cue], fmt: str, *, language: str = "") -> list[ExportNote]:
    name = FORMAT_NAMES[fmt]
    numbered = list(enumerate(cues, start=1))
    notes: list[ExportNote] = []

    def collect(message: str, touched) -> None:
        numbers = tuple(number for number, cue in numbered if touched(number, cue))
        if numbers:
            notes.append(ExportNote(message, numbers))

    if fmt not in CARRIES_SPEAKERS:
        collect(_("%(format)s has no speaker names; they were left out.") % {"format": name},
                lambda _number, cue: cue.speaker)
    collect(*_identifier_loss(fmt, name, cues))
    if fmt not in CARRIES_POSITION:
        collect(_("%(format)s has no positions; these cues are placed at the bottom.")
                % {"format": name}, lambda _number, cue: cue.position != DEFAULT_POSITION)
    if fmt not in CARRIES_VERTICAL:
        collect(_("%(format)s has no vertical text; these cues are written horizontally.")
                % {"format": name}, lambda _number, cue: cue.vertical)
    for source, label in (("vtt", _("WebVTT cue settings")), ("vtt_region", _("WebVTT regions")),
                          ("ttml", _("TTML regions")), ("ass", _("ASS position tags"))):
        if source.split("_")[0] == fmt:
            continue
        collect(_("%(source)s (such as %(example)s) are not in %(format)s; these cues keep "
                  "their place as a position (%(placement)s).")
                % {"source": label, "example": _example(cues, source), "format": name,
                   "placement": _placement_example(cues, source)},
                lambda _number, cue, source=source: _approximated(cue, source))
    if fmt == "ass":
        play_res = ass_play_res(cues)
        collect(_("ASS keeps hundredths of a second; these cue times were rounded to the "
                  "nearest 10 ms."),
                lambda _number, cue: cue.start_ms % 10 or cue.end_ms % 10)
        collect(_("ASS reads text in braces as a comment; braces were written as "
                  "parentheses."), lambda _number, cue: "{" in cue.text or "}" in cue.text)
        collect(_("ASS speaker names cannot hold commas; they were written as spaces."),
                lambda _number, cue: "," in cue.speaker)
        collect(_("These cues' ASS position tags were made for another script resolution; "
                  "they were left out."),
                lambda _number, cue: (cue.settings.get("ass") or {}).get("tags")
                and not kept_line_tags(cue, play_res))
    if fmt in ("srt", "vtt"):
        collect(_("%(format)s ends a cue at an empty line; the empty lines inside these cues "
                  "were left out.") % {"format": name},
                lambda _number, cue: any(not line.strip() for line in cue.lines))
    if fmt == "smi":
        collect(_("SAMI shows nothing for a cue of no length or without text; these were "
                  "left out."),
                lambda _number, cue: cue.end_ms <= cue.start_ms or not cue.plain_text.strip())
        collect(_("SAMI's writer puts a space where italics start or stop inside a word."),
                lambda _number, cue: _italics_inside_word(cue.text))
    return notes


def _identifier_loss(fmt: str, name: str, cues: list[Cue]):
    if fmt == "srt":
        return (_("SRT numbers its cues 1, 2, 3…; these cues' identifiers were not kept."),
                lambda number, cue: cue.identifier and cue.identifier != str(number))
    if fmt == "vtt":
        return (_("These cue identifiers cannot be written in WebVTT (an arrow or a line "
                  "break); they were left out."),
                lambda _number, cue: cue.identifier and not valid_identifier(cue.identifier))
    if fmt == "ttml":
        seen: dict[str, int] = {}
        for number, cue in enumerate(cues, start=1):
            seen.setdefault(xml_identifier(cue.identifier), number)
        return (_("TTML identifiers must be XML names and unique; these were changed (a "
                  "leading 'cue_') or, when repeated, left out."),
                lambda number, cue: cue.identifier and (
                    xml_identifier(cue.identifier) != cue.identifier
                    or seen[xml_identifier(cue.identifier)] != number))
    return (_("%(format)s has no cue identifiers; they were left out.") % {"format": name},
            lambda _number, cue: cue.identifier)


def _approximated(cue: Cue, source: str) -> bool:
    """Whether the cue's own settings from ``source`` say more than its neutral position."""
    kept = cue.settings.get(source)
    if not kept:
        return False
    if source == "vtt":
        return kept != settings_for_placement(cue.position, cue.vertical)
    if source == "ttml":
        generated, _text_align = generated_region(cue)
        region = {key: value for key, value in (kept.get("region") or {}).items()
                  if key != "id"}
        generated.pop("id")
        return bool(region) and region != generated
    if source == "ass":
        return bool(kept.get("tags"))
    return True


def _example(cues: list[Cue], source: str) -> str:
    for cue in cues:
        if _approximated(cue, source):
            kept = cue.settings[source]
            if source == "ttml":
                region = kept.get("region") or {}
                return " ".join(f"{key}={value}" for key, value in region.items()
                                if key != "id")[:80]
            if source == "ass":
                return kept.get("tags", "")[:80]
            return str(kept)[:80]
    return ""


def _placement_example(cues: list[Cue], source: str) -> str:
    for cue in cues:
        if _approximated(cue, source):
            return placement_description(cue.position, cue.vertical)
    return ""


def _italics_inside_word(text: str) -> bool:
    if not has_italics(text):
        return False
    spans = text_spans(text)
    return any(before[0] and after[0] and not before[0][-1].isspace()
               and not after[0][0].isspace()
               for before, after in zip(spans, spans[1:], strict=False))
