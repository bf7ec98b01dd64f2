"""Safe automatic fixes: the text corrections the guides allow, line breaks and out-times.

An in-time never moves and no word changes, so a fix cannot put a subtitle out of sync
with speech or alter the translation. What the fixer does to one cue depends only on
that cue and the in-time of the next one, so cues can be fixed one at a time:

- white space: a space opening or ending a line goes, a run of spaces becomes one (a
  full-width space where the run had one), a space before punctuation goes;
- dialogue dashes: each line of a two-speaker cue opens with the language's dash, with
  or without a space as its guide asks (``- `` in Korean and Thai, ``-`` in English and
  Chinese, ``－`` in Japanese);
- ellipses: three dots (and ideographic full stops or middle dots) become the language's
  ellipsis (U+2026; …… in Chinese);
- italics in a language that uses none (Korean, Chinese): the ``<i>`` markup goes;
- a sound description on an SDH track: its brackets become the language's;
- lines too long, too many, an empty line, or two lines that fit on one: re-break with
  ``break_lines`` (a vertical Japanese cue at 11 characters a line), kept only when the
  new layout passes;
- too short, or read too fast: extend the out-time into the free time after the cue,
  never closer than the minimum gap to the next cue and never past the maximum duration
  (a partial extension is kept: it only helps);
- a gap of more than the minimum and at most the chaining threshold (half a second in
  frames of the title): extend the earlier cue's out-time so the gap is exactly the
  minimum (chaining), unless that passes the maximum duration;
- a gap smaller than the minimum (but no overlap): move the out-time earlier to leave
  the minimum gap, when the cue still lasts long enough and stays readable;
- longer than the maximum: move the out-time back to the maximum when the cue stays
  readable.

Overlaps, empty cues, characters outside the glyph list, a dash on one line of two,
unbalanced italics and glossary terms need a person's judgement, and are never fixed.
"""

from __future__ import annotations

import re
from dataclasses import replace

from django.utils.translation import gettext

from localization.qa.checks import (
    DIALOGUE_PREFIX,
    ITALIC_TAG,
    SPACE_BEFORE_MARK,
    SPACES,
    TOLERANCE_MS,
    Checker,
    accepted_ellipses,
    bracketed_line,
    dialogue_lines,
    vertical_profile,
    visible,
)
from localization.qa.linebreaking import break_text, is_dialogue
from localization.qa.types import QACue

FIXABLE_RULES = frozenset({"line_length", "line_count", "one_line", "min_duration",
                           "max_duration", "reading_speed", "gap", "chaining", "whitespace",
                           "dialogue_dash", "ellipsis", "italics", "sound_description"})
_SPACE_RUN = re.compile(rf"[{SPACES}]{{2,}}")


def timecode(milliseconds: int) -> str:
    hours, rest = divmod(max(milliseconds, 0), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole_seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole_seconds:02d},{millis:03d}"


def _shown(text: str) -> str:
    return text.replace("\n", " / ")


def fix_cue(cue: QACue, following: QACue | None, checker: Checker) -> tuple[QACue, list[str]]:
    """``cue`` with the safe fixes applied, and a sentence for each change."""
    changes: list[str] = []
    text = cue.text
    for fixer, sentence in (
            (_fixed_italics, gettext("Italics removed (the %(language)s guide uses none)")),
            (_fixed_dashes, gettext("Dialogue dashes written as the %(language)s guide asks")),
            (_fixed_whitespace, gettext("White space tidied")),
            (_fixed_ellipses, gettext("Ellipsis written as “%(ellipsis)s”")),
            (_fixed_brackets, gettext("Sound description put in the %(language)s brackets"))):
        fixed = fixer(text, checker)
        if fixed != text:
            what = sentence % {"language": checker.profile.language,
                               "ellipsis": checker.profile.ellipsis}
            changes.append(gettext("%(what)s: “%(old)s” became “%(new)s”.")
                           % {"what": what, "old": _shown(text), "new": _shown(fixed)})
            text = fixed
    laid_out = _fixed_layout(text, checker, vertical=cue.vertical)
    if laid_out != text:
        changes.append(gettext("Lines re-broken: “%(old)s” became “%(new)s”.")
                       % {"old": _shown(text), "new": _shown(laid_out)})
        text = laid_out
    end, reason = _fixed_end(cue.start_ms, cue.end_ms, text,
                             following.start_ms if following else None, checker)
    if end != cue.end_ms:
        changes.append(gettext("Out-time moved from %(old)s to %(new)s %(reason)s.")
                       % {"old": timecode(cue.end_ms), "new": timecode(end), "reason": reason})
    if not changes:
        return cue, changes
    return replace(cue, text=text, end_ms=end), changes


# --- text ---------------------------------------------------------------------------------

def _fixed_italics(text: str, checker: Checker) -> str:
    return text if checker.profile.italics_allowed else ITALIC_TAG.sub("", text)


def _fixed_dashes(text: str, checker: Checker) -> str:
    lines = dialogue_lines(text)
    if lines is None or "<" in text:
        return text
    dash = checker.profile.dialogue_dash
    return "\n".join(dash + line[DIALOGUE_PREFIX.match(line).end():] for line in lines)


def _collapse(run: re.Match[str]) -> str:
    return "\u3000" if "\u3000" in run.group(0) else " "


def _fixed_whitespace(text: str, checker: Checker) -> str:
    lines = []
    for line in text.split("\n"):
        line = line.strip(SPACES)
        prefix = DIALOGUE_PREFIX.match(line)
        head, body = (line[:prefix.end()], line[prefix.end():]) if prefix else ("", line)
        body = SPACE_BEFORE_MARK.sub("", _SPACE_RUN.sub(_collapse, body))
        lines.append(head + body)
    return "\n".join(lines)


def _fixed_ellipses(text: str, checker: Checker) -> str:
    accepted = accepted_ellipses(checker.profile)
    pieces = re.split("(" + "|".join(re.escape(item) for item in accepted) + ")", text)
    return "".join(piece if piece in accepted
                   else checker.ellipsis_runs.sub(checker.profile.ellipsis, piece)
                   for piece in pieces)


def _fixed_brackets(text: str, checker: Checker) -> str:
    expected = checker.profile.sound_brackets
    if checker.audience != "sdh" or not expected or "<" in text:
        return text
    lines = []
    for line in text.split("\n"):
        found = bracketed_line(line)
        if found and found[1] + found[3] != expected:
            prefix, _opening, inside, _closing = found
            line = f"{prefix}{expected[0]}{inside}{expected[1]}"
        lines.append(line)
    return "\n".join(lines)


# --- layout -------------------------------------------------------------------------------

def _fixed_layout(text: str, checker: Checker, *, vertical: bool = False) -> str:
    if (not visible(text).strip() or is_dialogue(visible(text))
            or not checker.layout_issues(0, text, vertical=vertical)):
        return text
    profile = checker.profile
    if visible(text) != text and profile.line_breaking != "spaces":
        # A segmenter may cut inside the markup; a person re-breaks marked-up text.
        return text
    broken = break_text(text, vertical_profile(profile) if vertical else profile)
    return broken if not checker.layout_issues(0, broken, vertical=vertical) else text


# --- timing -------------------------------------------------------------------------------

def _fixed_end(start: int, end: int, text: str, next_start: int | None,
               checker: Checker) -> tuple[int, str]:
    profile = checker.profile
    if end <= start or not visible(text).strip() or (next_start is not None
                                                      and next_start < end):
        # A negative duration, an empty cue or an overlap: what is wrong needs a person.
        return end, ""
    longest = start + profile.max_duration_ms
    latest = longest if next_start is None else min(longest, next_start - profile.min_gap_ms)
    reason = ""
    needed = max(start + profile.min_duration_ms, start + checker.reading_ms(text))
    if end < needed and latest > end:
        end = min(needed, latest)
        reason = gettext("to give the cue time to be read")
    if (end - start - TOLERANCE_MS > profile.max_duration_ms
            and checker.reads_in(text, longest - start)):
        end = longest
        reason = gettext("to keep within the maximum duration")
    if next_start is None:
        return end, reason
    frames = checker.frames(next_start - end)
    chained = next_start - profile.min_gap_ms
    if frames < profile.min_gap_frames:
        if (chained - start + TOLERANCE_MS >= profile.min_duration_ms
                and checker.reads_in(text, chained - start)):
            end = chained
            reason = gettext("to keep the minimum gap before the next cue")
    elif (profile.min_gap_frames < frames <= profile.chaining_gap_frames
          and chained - start - TOLERANCE_MS <= profile.max_duration_ms):
        end = chained
        reason = gettext("to chain it to the next cue")
    return end, reason
