"""SubRip, through pysubs2, with the tags players read in it: <i>…</i> and {\\anN}.

pysubs2 skips what it cannot read, so the cue timing lines are found here first: a cue the
library dropped or a time it cannot read stops the import with the line number. The SRT
number of a cue is kept as its identifier when it is not simply its place in the file.
"""

from __future__ import annotations

import re
import warnings

import pysubs2
from django.utils.translation import gettext as _

from localization.subtitles.cues import DEFAULT_POSITION, Cue, SubtitleFileError
from localization.subtitles.formats.ass import convert_tagged_text, srt_text
from localization.subtitles.formats.common import (
    Notes,
    check_cues,
    check_time_limit,
    clock_ms,
    shorten,
)

SRT_TIME = re.compile(r"^\s*(\d{1,2}):(\d{1,2}):(\d{1,2})[,.](\d{1,3})\s*$")


def timing_lines(text: str) -> list[int]:
    """Line numbers of the cue timing lines; a timing line with unreadable times is an error."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        if "-->" not in line:
            continue
        start, _arrow, rest = line.partition("-->")
        end = rest.strip().split(" ")[0] if rest.strip() else ""
        start_match, end_match = SRT_TIME.match(start), SRT_TIME.match(end)
        if not start_match or not end_match:
            raise SubtitleFileError(
                _("The cue times '%(times)s' cannot be read.")
                % {"times": shorten(line.strip(), 80)},
                line=number,
            )
        for match, written in ((start_match, start), (end_match, end)):
            check_time_limit(clock_ms(*match.groups()), written.strip(), number)
        found.append(number)
    return found


def read_srt(text: str) -> tuple[list[Cue], list]:
    line_numbers = timing_lines(text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        subs = pysubs2.SSAFile.from_string(text, format_="srt", keep_html_tags=True)
    for warning in caught:
        match = re.search(r"line (\d+)", str(warning.message))
        raise SubtitleFileError(_("A cue seems to be missing here (no blank line before it?)."),
                                line=int(match.group(1)) if match else None)
    if len(subs) != len(line_numbers):
        line = line_numbers[min(len(subs), len(line_numbers) - 1)] if line_numbers else None
        raise SubtitleFileError(
            _("%(found)d cues were read but the file has %(expected)d timing lines; "
              "the cue here could not be read.")
            % {"found": len(subs), "expected": len(line_numbers)}, line=line)
    file_lines = text.split("\n")
    notes = Notes()
    cues = []
    for place, (event, line) in enumerate(zip(subs, line_numbers, strict=True), start=1):
        converted = convert_tagged_text(event.text, html=True)
        for name in converted.dropped:
            notes.repeat(line, _("The styling tag %(tag)s is not kept; its text is.")
                         % {"tag": name})
        counter = file_lines[line - 2].strip() if line >= 2 else ""
        identifier = counter if counter.isdigit() and int(counter) != place else ""
        cues.append(Cue(event.start, event.end, converted.text, identifier=identifier,
                        position=converted.position or DEFAULT_POSITION))
    checked, more = check_cues(cues, line_numbers)
    return checked, notes.as_list() + more


def write_srt(cues: list[Cue]) -> bytes:
    subs = pysubs2.SSAFile()
    for cue in cues:
        subs.append(pysubs2.SSAEvent(start=cue.start_ms, end=cue.end_ms,
                                     text=srt_text(cue).replace("\n", "\\N")))
    # keep_ssa_tags: the text is already SRT (<i>, {\an8}); pysubs2 only lays it out.
    return subs.to_string("srt", keep_ssa_tags=True).encode("utf-8")
