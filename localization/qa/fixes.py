"""Safe automatic fixes: line breaks and out-times only.

An in-time never moves and no character other than a line break changes, so a fix
cannot put a subtitle out of sync with speech or alter the translation. What the fixer
does to one cue depends only on that cue and the in-time of the next one, so cues can be
fixed one at a time:

- lines too long, too many, or an empty line: re-break with ``break_lines``, kept only
  when the new layout passes;
- too short, or read too fast: extend the out-time into the free time after the cue,
  never closer than the minimum gap to the next cue and never past the maximum duration
  (a partial extension is kept: it only helps);
- a gap of more than the minimum and at most the chaining threshold: extend the earlier
  cue's out-time so the gap is exactly the minimum (chaining), unless that passes the
  maximum duration;
- a gap smaller than the minimum (but no overlap): move the out-time earlier to leave
  the minimum gap, when the cue still lasts long enough and stays readable;
- longer than the maximum: move the out-time back to the maximum when the cue stays
  readable.

Overlaps, empty cues, forbidden characters, ellipses and glossary terms change text or
need a person's judgement, and are never fixed.
"""

from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext

from localization.qa.checks import TOLERANCE_MS, Checker
from localization.qa.linebreaking import break_text, is_dialogue
from localization.qa.types import QACue

FIXABLE_RULES = frozenset({"line_length", "line_count", "min_duration", "max_duration",
                           "reading_speed", "gap", "chaining"})


def timecode(milliseconds: int) -> str:
    hours, rest = divmod(max(milliseconds, 0), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole_seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole_seconds:02d},{millis:03d}"


def fix_cue(cue: QACue, following: QACue | None, checker: Checker) -> tuple[QACue, list[str]]:
    """``cue`` with the safe fixes applied, and a sentence for each change."""
    changes: list[str] = []
    text = _fixed_layout(cue.text, checker)
    if text != cue.text:
        changes.append(gettext("Lines re-broken: “%(old)s” became “%(new)s”.")
                       % {"old": cue.text.replace("\n", " / "),
                          "new": text.replace("\n", " / ")})
    end, reason = _fixed_end(cue.start_ms, cue.end_ms, text,
                             following.start_ms if following else None, checker)
    if end != cue.end_ms:
        changes.append(gettext("Out-time moved from %(old)s to %(new)s %(reason)s.")
                       % {"old": timecode(cue.end_ms), "new": timecode(end), "reason": reason})
    if not changes:
        return cue, changes
    return replace(cue, text=text, end_ms=end), changes


def _fixed_layout(text: str, checker: Checker) -> str:
    if not text.strip() or is_dialogue(text) or not checker.layout_issues(0, text):
        return text
    broken = break_text(text, checker.profile)
    return broken if not checker.layout_issues(0, broken) else text


def _fixed_end(start: int, end: int, text: str, next_start: int | None,
               checker: Checker) -> tuple[int, str]:
    profile = checker.profile
    if end <= start or not text.strip() or (next_start is not None and next_start < end):
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
