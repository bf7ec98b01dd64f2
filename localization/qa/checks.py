"""The QA rules, one cue (and the gap after it) at a time, against a language profile.

Timings are whole milliseconds converted from frames, so a value within
``TOLERANCE_MS`` of a limit meets it: 20 frames at 24 fps is 833.3 ms and a cue of
833 ms lasts 20 frames. Gaps and durations are counted in whole frames of the media's
frame rate (the profile is taken ``at_frame_rate`` first): at 25 fps the minimum
duration is 21 frames (840 ms) and a gap of 13 frames (520 ms) is no longer chained.

Text rules read the text as it is shown: the italics markup ``<i>…</i>`` (the only markup
of a cue's text, ``localization.subtitles.cues``) takes no room and is not read; italics
are that markup or the cue's ``italic`` flag.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from django.utils.translation import gettext

from localization.qa.linebreaking import join_lines
from localization.qa.types import GlossaryRule, Issue, QACue
from localization.subtitles.profiles import MARKUP, SubtitleProfile, character_width

TOLERANCE_MS = 1
# Reading speeds are compared with this much slack so 12.004 cps passes a 12 cps limit.
SPEED_SLACK = 0.005
_EAST_ASIAN_SCRIPTS = re.compile(
    "[\u2e80-\u2fff\u3000-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff01-\uff60]")

# --- the text rules' patterns, shared with the fixer ------------------------------------

SPACES = " \t\u3000"
DASHES = "-\u2010\u2011\u2013\u2014\uff0d"
# A dash opening a line, then the spaces after it (not a minus before a digit, not "--").
DIALOGUE_PREFIX = re.compile(rf"^[{SPACES}]*([{DASHES}])(?![{DASHES}\d])([{SPACES}]*)")
ITALIC_TAG = re.compile(r"</?i>", re.IGNORECASE)
_DOUBLED_SPACE = re.compile(rf"[{SPACES}]{{2,}}")
# Marks that take no space before them in these languages (French is not among them).
_CLOSING_MARKS = "!?.,;:)]}\u2026\uff01\uff1f\u3002\u3001\uff0c\uff1b\uff1a\uff09\u300d\u300f\u3011"
SPACE_BEFORE_MARK = re.compile(rf"(?<=[^{SPACES}])[{SPACES}]+(?=[{re.escape(_CLOSING_MARKS)}])")
# Keypad positions (localization.subtitles.cues): centred at the bottom or the top, and for
# vertical Japanese the top of the left or right edge.
HORIZONTAL_POSITIONS = (2, 8)
VERTICAL_POSITIONS = (7, 9)
BRACKET_PAIRS = {"[": "]", "(": ")", "\uff08": "\uff09", "\uff3b": "\uff3d", "\u3010": "\u3011",
                 "{": "}", "\u3014": "\u3015"}


def number(value: float) -> str:
    """15.5 stays 15.5, 13.0 becomes 13, 4.123 becomes 4.1."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def seconds(milliseconds: int) -> str:
    return number(milliseconds / 1000) if milliseconds % 100 == 0 else f"{milliseconds / 1000:.3f}"


def audience_label(audience: str) -> str:
    return {"adult": gettext("adult viewers"), "children": gettext("children"),
            "sdh": gettext("SDH")}[audience]


def visible(text: str) -> str:
    """The text without its markup, as it is read on screen."""
    return MARKUP.sub("", text)


def dash_label(dash: str) -> str:
    """“- ” (a dash and a space) or “-” (without a space), for messages."""
    if dash.endswith(" "):
        return gettext("“%(dash)s” and a space") % {"dash": dash.strip()}
    return gettext("“%(dash)s” without a space") % {"dash": dash}


def dialogue_lines(text: str) -> list[str] | None:
    """The lines of a two-speaker cue (every line opened by a dash), else None."""
    lines = text.split("\n")
    if len(lines) < 2 or not all(DIALOGUE_PREFIX.match(visible(line)) for line in lines):
        return None
    return lines


def ellipsis_runs(profile: SubtitleProfile) -> re.Pattern[str]:
    """What the profile counts as a wrong ellipsis: ``..`` stands for any run of dots."""
    parts = []
    for mistake in profile.ellipsis_mistakes:
        if len(mistake) > 1 and len(set(mistake)) == 1:
            parts.append(f"{re.escape(mistake[0])}{{{len(mistake)},}}")
        else:
            parts.append(f"(?:{re.escape(mistake)})+")
    return re.compile("|".join(parts))


def accepted_ellipses(profile: SubtitleProfile) -> list[str]:
    """The expected ellipsis and the alternatives, longest first."""
    return sorted({profile.ellipsis, *profile.ellipsis_alternatives}, key=len, reverse=True)


def bracketed_line(line: str) -> tuple[str, str, str, str] | None:
    """(prefix, opening, inside, closing) when a whole line is one bracketed description."""
    plain = visible(line)
    match = DIALOGUE_PREFIX.match(plain)
    prefix = match.group(0) if match else ""
    body = plain[len(prefix):].strip(SPACES)
    if len(body) < 2 or body[0] not in BRACKET_PAIRS:
        return None
    opening, closing = body[0], BRACKET_PAIRS[body[0]]
    inside = body[1:-1]
    if body[-1] != closing or opening in inside or closing in inside:
        return None
    return prefix, opening, inside, closing


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
        self.ellipsis_runs = ellipsis_runs(profile)
        self._widths: dict[str, float] = {}
        self._refusals: dict[str, bool] = {}

    # --- numbers -------------------------------------------------------------------------

    def width(self, text: str) -> float:
        widths, total = self._widths, 0.0
        for char in visible(text):
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

    def line_limit(self, vertical: bool = False) -> float:
        vertical_limit = self.profile.max_characters_per_line_vertical
        return vertical_limit if vertical and vertical_limit else \
            self.profile.max_characters_per_line

    def _issue(self, cue_index: int, rule: str, message: str) -> Issue:
        return Issue(cue_index, rule, self.profile.severity(rule), message)

    # --- one cue -------------------------------------------------------------------------

    def cue_issues(self, cue: QACue) -> list[Issue]:
        issues: list[Issue] = []
        if cue.vertical and not self.profile.max_characters_per_line_vertical:
            issues.append(self._issue(cue.index, "vertical", gettext(
                "The cue is vertical; the %(language)s profile allows no vertical subtitles "
                "(only Japanese has them).") % {"language": self.profile.language}))
        if cue.position not in (VERTICAL_POSITIONS if cue.vertical else HORIZONTAL_POSITIONS):
            issues.append(self._issue(cue.index, "position", gettext(
                "Vertical subtitles sit at the top of the left or right edge.") if cue.vertical
                else gettext("Subtitles sit centred at the bottom or the top of the screen.")))
        if not visible(cue.text).strip():
            issues.append(self._issue(cue.index, "empty", gettext("The cue has no text.")))
        else:
            issues += self.layout_issues(cue.index, cue.text, vertical=cue.vertical)
            issues += self._character_issues(cue)
            issues += self.text_style_issues(cue)
        issues += self._duration_issues(cue)
        issues += self._glossary_issues(cue)
        return issues

    def layout_issues(self, index: int, text: str, *, vertical: bool = False) -> list[Issue]:
        profile, issues = self.profile, []
        lines = text.split("\n")
        limit = self.line_limit(vertical)
        if len(lines) > profile.max_lines:
            issues.append(self._issue(index, "line_count", gettext(
                "The cue has %(count)s lines; the limit is %(limit)s.")
                % {"count": len(lines), "limit": profile.max_lines}))
        empty_line = False
        for number_, line in enumerate(lines, start=1):
            if not visible(line).strip() and len(lines) > 1:
                empty_line = True
                issues.append(self._issue(index, "line_count", gettext(
                    "Line %(line)s is empty.") % {"line": number_}))
                continue
            width = self.width(line)
            if width > limit:
                message = gettext(
                    "Line %(line)s has %(width)s characters; the limit for vertical "
                    "subtitles is %(limit)s.") if limit != profile.max_characters_per_line \
                    else gettext("Line %(line)s has %(width)s characters; the limit is "
                                 "%(limit)s.")
                issues.append(self._issue(index, "line_length", message % {
                    "line": number_, "width": number(width), "limit": number(limit)}))
        # A dash opening a line may mean two speakers: those lines stay apart.
        if len(lines) == 2 and not empty_line and not any(
                DIALOGUE_PREFIX.match(visible(line)) for line in lines):
            joined = self.width(join_lines(text, profile))
            if joined <= limit:
                issues.append(self._issue(index, "one_line", gettext(
                    "The two lines fit on one (%(width)s characters; the limit is "
                    "%(limit)s): keep the text on one line.")
                    % {"width": number(joined), "limit": number(limit)}))
        return issues

    def _refused(self, char: str) -> bool:
        refused = self._refusals.get(char)
        if refused is None:
            refused = self._refusals[char] = not self.profile.allows(char)
        return refused

    def _character_issues(self, cue: QACue) -> list[Issue]:
        issues: list[Issue] = []
        text, language = visible(cue.text), self.profile.language
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
                "Not in the %(language)s glyph list: %(characters)s.")
                % {"language": language,
                   "characters": ", ".join(_describe(char) for char in refused)}))
        if halfwidth:
            issues.append(self._issue(cue.index, "forbidden_character", gettext(
                "Half-width punctuation next to %(language)s text should be full-width: "
                "%(marks)s.") % {"language": language, "marks": ", ".join(
                    f"{char} → {self.fullwidth[char]}" for char in halfwidth)}))
        rest = text
        for accepted in accepted_ellipses(self.profile):
            rest = rest.replace(accepted, "\x00")
        found = self.ellipsis_runs.search(rest)
        if found:
            issues.append(self._issue(cue.index, "ellipsis", gettext(
                "Write the ellipsis as “%(expected)s”, not “%(found)s”.")
                % {"expected": self.profile.ellipsis, "found": found.group(0)}))
        return issues

    # --- white space, dialogue dashes, italics, sound descriptions ---------------------

    def text_style_issues(self, cue: QACue) -> list[Issue]:
        issues = []
        for rule, message in (("whitespace", self._whitespace(cue.text)),
                              ("dialogue_dash", self._dialogue_dash(cue.text)),
                              ("italics", self._italics(cue)),
                              ("sound_description", self._sound_description(cue.text))):
            if message:
                issues.append(self._issue(cue.index, rule, message))
        return issues

    def _whitespace(self, text: str) -> str:
        problems: list[str] = []
        lines = visible(text).split("\n")
        for number_, line in enumerate(lines, start=1):
            if not line.strip(SPACES):
                continue
            where = {"line": number_}
            if line[0] in SPACES:
                problems.append(gettext("a space opens line %(line)s") % where)
            if line[-1] in SPACES:
                problems.append(gettext("a space ends line %(line)s") % where)
            prefix = DIALOGUE_PREFIX.match(line)
            body = line[prefix.end():] if prefix else line
            if _DOUBLED_SPACE.search(body.strip(SPACES)):
                problems.append(gettext("two spaces in a row in line %(line)s") % where)
            if SPACE_BEFORE_MARK.search(body):
                problems.append(gettext("a space before punctuation in line %(line)s")
                                % where)
        if not problems:
            return ""
        return gettext("White space: %(problems)s.") % {"problems": "; ".join(problems)}

    def _dialogue_dash(self, text: str) -> str:
        expected = self.profile.dialogue_dash
        lines = dialogue_lines(text)
        if lines is not None:
            for line in lines:
                match = DIALOGUE_PREFIX.match(visible(line))
                if visible(line)[:match.end()] != expected:
                    return gettext(
                        "Two speakers: open each line with %(dash)s, as the %(language)s "
                        "guide asks.") % {"dash": dash_label(expected),
                                          "language": self.profile.language}
            return ""
        all_lines = text.split("\n")
        if len(all_lines) == 2:
            opened = [number_ for number_, line in enumerate(all_lines, start=1)
                      if DIALOGUE_PREFIX.match(visible(line))]
            if len(opened) == 1:
                return gettext(
                    "Only line %(line)s opens with a dash: with two speakers each line "
                    "opens with %(dash)s; with one speaker neither does.") % {
                    "line": opened[0], "dash": dash_label(expected)}
        return ""

    def _italics(self, cue: QACue) -> str:
        tags = [tag.lower() for tag in ITALIC_TAG.findall(cue.text)]
        if (tags or cue.italic) and not self.profile.italics_allowed:
            return gettext("Italics are not used in %(language)s subtitles.") % {
                "language": self.profile.language}
        depth = 0
        for tag in tags:
            depth += 1 if tag == "<i>" else -1
            if depth not in (0, 1):
                break
        if depth != 0:
            return gettext("The italics markup is not balanced: every <i> needs its </i>.")
        return ""

    def _sound_description(self, text: str) -> str:
        expected = self.profile.sound_brackets
        if self.audience != "sdh" or not expected:
            return ""
        for line in text.split("\n"):
            found = bracketed_line(line)
            if found and found[1] + found[3] != expected:
                return gettext(
                    "Sound descriptions in %(language)s SDH go in %(expected)s, not "
                    "%(found)s.") % {"language": self.profile.language,
                                     "expected": f"{expected[0]} {expected[1]}",
                                     "found": f"{found[1]} {found[3]}"}
        return ""

    # --- timing --------------------------------------------------------------------------

    def _duration_issues(self, cue: QACue) -> list[Issue]:
        profile, issues = self.profile, []
        duration = cue.duration_ms
        if duration + TOLERANCE_MS < profile.min_duration_ms:
            issues.append(self._issue(cue.index, "min_duration", gettext(
                "The cue lasts %(duration)s s; the minimum is %(limit)s s (%(frames)s frames "
                "at %(fps)s fps).")
                % {"duration": seconds(duration), "limit": seconds(profile.min_duration_ms),
                   "frames": profile.min_duration_frames, "fps": number(self.fps)}))
        if duration - TOLERANCE_MS > profile.max_duration_ms:
            issues.append(self._issue(cue.index, "max_duration", gettext(
                "The cue lasts %(duration)s s; the maximum is %(limit)s s.")
                % {"duration": seconds(duration), "limit": seconds(profile.max_duration_ms)}))
        if duration > 0 and visible(cue.text).strip() and not self.reads_in(cue.text, duration):
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
        target = unicodedata.normalize("NFC", visible(cue.text)).casefold()
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


def vertical_profile(profile: SubtitleProfile) -> SubtitleProfile:
    """The profile with the vertical line limit, for re-breaking a vertical cue."""
    limit = profile.max_characters_per_line_vertical
    return replace(profile, max_characters_per_line=limit) if limit else profile


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
