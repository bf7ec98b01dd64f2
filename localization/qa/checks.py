"""The QA rules, one cue (and the gap after it) at a time, against a language profile.

Timings are whole milliseconds converted from frames, so a value within
``TOLERANCE_MS`` of a limit meets it: 20 frames at 24 fps is 833.3 ms and a cue of
833 ms lasts 20 frames. Gaps are counted in whole frames of the title's frame rate.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

from django.utils.translation import gettext

from localization.qa.types import GlossaryRule, Issue, QACue
from localization.subtitles.profiles import SubtitleProfile, character_width

TOLERANCE_MS = 1
# Reading speeds are compared with this much slack so 12.004 cps passes a 12 cps limit.
SPEED_SLACK = 0.005
_EAST_ASIAN_SCRIPTS = re.compile(
    "[\u2e80-\u2fff\u3000-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff01-\uff60]")


def number(value: float) -> str:
    """15.5 stays 15.5, 13.0 becomes 13, 4.123 becomes 4.1."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def seconds(milliseconds: int) -> str:
    return number(milliseconds / 1000) if milliseconds % 100 == 0 else f"{milliseconds / 1000:.3f}"


def audience_label(audience: str) -> str:
    return {"adult": gettext("adult viewers"), "children": gettext("children"),
            "sdh": gettext("SDH")}[audience]


class Checker:
    """The rules of one profile, frame rate, audience and glossary, with per-call caches."""

    def __init__(self, profile: SubtitleProfile, *, audience: str,
                 glossary: Sequence[GlossaryRule] = ()):
        self.profile = profile
        self.audience = audience
        self.characters_per_second = profile.characters_per_second(audience)
        self.fps = profile.frame_rate
        self.glossary = [(unicodedata.normalize("NFC", rule.source_term),
                          unicodedata.normalize("NFC", rule.rendering).casefold(), rule)
                         for rule in glossary if rule.source_term and rule.rendering]
        self.fullwidth = dict(profile.fullwidth_punctuation)
        self._widths: dict[str, float] = {}
        self._refusals: dict[str, bool] = {}

    # --- numbers -------------------------------------------------------------------------

    def width(self, text: str) -> float:
        widths, total = self._widths, 0.0
        for char in text:
            width = widths.get(char)
            if width is None:
                width = widths[char] = character_width(
                    char, self.profile.half_width_counts_half,
                    self.profile.ambiguous_width_is_full)
            total += width
        return total

    def frames(self, milliseconds: int) -> int:
        return math.floor((milliseconds + TOLERANCE_MS) * self.fps / 1000)

    def reading_characters(self, text: str) -> float:
        return self.width(text.replace("\n", ""))

    def reading_ms(self, text: str) -> int:
        """The shortest duration that keeps ``text`` within the reading speed."""
        return math.ceil(self.reading_characters(text) * 1000 / self.characters_per_second)

    def reads_in(self, text: str, duration_ms: int) -> bool:
        if duration_ms <= 0:
            return False
        speed = self.reading_characters(text) * 1000 / duration_ms
        return speed <= self.characters_per_second + SPEED_SLACK

    def _issue(self, cue_index: int, rule: str, message: str) -> Issue:
        return Issue(cue_index, rule, self.profile.severity(rule), message)

    # --- one cue -------------------------------------------------------------------------

    def cue_issues(self, cue: QACue) -> list[Issue]:
        issues: list[Issue] = []
        if not cue.text.strip():
            issues.append(self._issue(cue.index, "empty", gettext("The cue has no text.")))
        else:
            issues += self.layout_issues(cue.index, cue.text)
            issues += self._character_issues(cue)
        issues += self._duration_issues(cue)
        issues += self._glossary_issues(cue)
        return issues

    def layout_issues(self, index: int, text: str) -> list[Issue]:
        profile, issues = self.profile, []
        lines = text.split("\n")
        if len(lines) > profile.max_lines:
            issues.append(self._issue(index, "line_count", gettext(
                "The cue has %(count)s lines; the limit is %(limit)s.")
                % {"count": len(lines), "limit": profile.max_lines}))
        for number_, line in enumerate(lines, start=1):
            if not line.strip() and len(lines) > 1:
                issues.append(self._issue(index, "line_count", gettext(
                    "Line %(line)s is empty.") % {"line": number_}))
                continue
            width = self.width(line)
            if width > profile.max_characters_per_line:
                issues.append(self._issue(index, "line_length", gettext(
                    "Line %(line)s has %(width)s characters; the limit is %(limit)s.")
                    % {"line": number_, "width": number(width),
                       "limit": number(profile.max_characters_per_line)}))
        return issues

    def _refused(self, char: str) -> bool:
        refused = self._refusals.get(char)
        if refused is None:
            profile, code = self.profile, ord(char)
            refused = (
                (unicodedata.category(char) in profile.forbidden_categories and char != "\n")
                or any(first <= code <= last for first, last in profile.forbidden_ranges)
                or char in profile.forbidden_characters)
            self._refusals[char] = refused
        return refused

    def _character_issues(self, cue: QACue) -> list[Issue]:
        issues: list[Issue] = []
        text, language = cue.text, self.profile.language
        refused: dict[str, None] = {}
        halfwidth: dict[str, None] = {}
        for position, char in enumerate(text):
            if self._refused(char):
                refused[char] = None
            elif (char in self.fullwidth
                  and _touches_east_asian_text(text, position, self.fullwidth)):
                halfwidth[char] = None
        if refused:
            issues.append(self._issue(cue.index, "forbidden_character", gettext(
                "Not allowed in %(language)s subtitles: %(characters)s.")
                % {"language": language,
                   "characters": ", ".join(_describe(char) for char in refused)}))
        if halfwidth:
            issues.append(self._issue(cue.index, "forbidden_character", gettext(
                "Half-width punctuation next to %(language)s text should be full-width: "
                "%(marks)s.") % {"language": language, "marks": ", ".join(
                    f"{char} → {self.fullwidth[char]}" for char in halfwidth)}))
        expected = self.profile.ellipsis
        rest = text.replace(expected, "\x00")
        for mistake in self.profile.ellipsis_mistakes:
            if mistake in rest:
                found = re.search(re.escape(mistake) + "+", rest).group(0)
                issues.append(self._issue(cue.index, "ellipsis", gettext(
                    "Write the ellipsis as “%(expected)s”, not “%(found)s”.")
                    % {"expected": expected, "found": found}))
                break
        return issues

    def _duration_issues(self, cue: QACue) -> list[Issue]:
        profile, issues = self.profile, []
        duration = cue.duration_ms
        if duration + TOLERANCE_MS < profile.min_duration_ms:
            issues.append(self._issue(cue.index, "min_duration", gettext(
                "The cue lasts %(duration)s s; the minimum is %(limit)s s (%(frames)s frames).")
                % {"duration": seconds(duration), "limit": seconds(profile.min_duration_ms),
                   "frames": self.frames(profile.min_duration_ms)}))
        if duration - TOLERANCE_MS > profile.max_duration_ms:
            issues.append(self._issue(cue.index, "max_duration", gettext(
                "The cue lasts %(duration)s s; the maximum is %(limit)s s.")
                % {"duration": seconds(duration), "limit": seconds(profile.max_duration_ms)}))
        if duration > 0 and cue.text.strip() and not self.reads_in(cue.text, duration):
            speed = self.reading_characters(cue.text) * 1000 / duration
            issues.append(self._issue(cue.index, "reading_speed", gettext(
                "Reading speed is %(speed)s characters per second; the limit for %(audience)s "
                "is %(limit)s.") % {"speed": number(speed),
                                     "audience": audience_label(self.audience),
                                     "limit": number(self.characters_per_second)}))
        return issues

    def _glossary_issues(self, cue: QACue) -> list[Issue]:
        if not self.glossary or not cue.source_text:
            return []
        source = unicodedata.normalize("NFC", cue.source_text)
        target = unicodedata.normalize("NFC", cue.text).casefold()
        # A line break may fall inside a rendering: look in every way of joining the lines.
        readings = {target, target.replace("\n", ""), target.replace("\n", " "),
                    target.replace("\n", self.profile.line_joiner)}
        issues = []
        for source_term, rendering, rule in self.glossary:
            if source_term in source and not any(rendering in text for text in readings):
                issues.append(self._issue(cue.index, "glossary", gettext(
                    "The source has “%(term)s”; the glossary asks for “%(rendering)s”, which "
                    "is missing.") % {"term": rule.source_term, "rendering": rule.rendering}))
        return issues

    # --- the gap after a cue -------------------------------------------------------------

    def gap_issues(self, earlier: QACue, later: QACue | None) -> list[Issue]:
        """Overlap, gap and chaining between two cues, reported on the earlier one."""
        if later is None:
            return []
        profile = self.profile
        gap = later.start_ms - earlier.end_ms
        pair = {"earlier": earlier.index, "later": later.index}
        if gap < 0:
            return [self._issue(earlier.index, "overlap", gettext(
                "Cue %(earlier)s ends %(overlap)s ms after cue %(later)s starts.")
                % {**pair, "overlap": -gap})]
        frames = self.frames(gap)
        if frames < profile.min_gap_frames:
            return [self._issue(earlier.index, "gap", gettext(
                "The gap between cues %(earlier)s and %(later)s is %(frames)s frames; the "
                "minimum is %(limit)s frames.") % {**pair, "frames": frames,
                                                   "limit": profile.min_gap_frames})]
        if profile.min_gap_frames < frames <= profile.chaining_gap_frames:
            return [self._issue(earlier.index, "chaining", gettext(
                "The gap between cues %(earlier)s and %(later)s is %(frames)s frames; a gap "
                "of %(chaining)s frames or less should be closed to %(limit)s frames.")
                % {**pair, "frames": frames, "chaining": profile.chaining_gap_frames,
                   "limit": profile.min_gap_frames})]
        return []


def _describe(char: str) -> str:
    """“😀” (U+1F600), or a name for a character that cannot be seen."""
    code = f"U+{ord(char):04X}"
    if unicodedata.category(char).startswith("C") or char.isspace():
        return f"{unicodedata.name(char, 'control character').lower()} ({code})"
    return f"“{char}” ({code})"


def _touches_east_asian_text(text: str, position: int, marks: dict[str, str]) -> bool:
    """Whether the run of half-width marks around ``position`` touches CJK text ("本当!?")."""
    before, after = position - 1, position + 1
    while before >= 0 and text[before] in marks:
        before -= 1
    while after < len(text) and text[after] in marks:
        after += 1
    return bool((before >= 0 and _EAST_ASIAN_SCRIPTS.match(text[before]))
                or (after < len(text) and _EAST_ASIAN_SCRIPTS.match(text[after])))
