"""Subtitle QA per language: checks, language-aware line breaking and safe fixes.

Pure Python over plain values: ``check_cues(cues, language=..., fps=...)`` and
``apply_safe_fixes(cues, language, fps=...)`` take the cues of a file as read (or
``QACue`` values) and need no database; the services build the cues from their models
and store the ``Issue`` values. The numbers come from the language profiles in
``localization/subtitles/profiles.json``, each with the Netflix style guide section it
comes from (see ``localization.subtitles.profiles``). Frame-based rules are counted at
the media's frame rate; when it is unknown, at the profile's default, and a track-level
``frame_rate`` issue (cue number ``TRACK``) says so.

Severity: a hard delivery limit is an error (line length, line count, minimum and
maximum duration, a gap under the minimum, an overlap, a character outside the glyph
list, italics where the language uses none, a vertical cue outside Japanese, an empty
cue); reading speed, chaining, white space, dialogue dashes, two lines that fit on one,
a position off the centre of the bottom or top, sound-description brackets, ellipsis
style and glossary terms are warnings, because a
subtitler may have reasons (a title card read at leisure, a deliberate flash, a term the
glossary did not foresee). Korean makes the ellipsis an error: its guide requires the
single character U+2026. Each profile may change any severity (``severities``).

Glyph policy (``profiles.json``): each language has an allow-list (``glyphs``): its
script, Latin letters, common punctuation and the music note; anything else (control and
format characters, emoji, half-width katakana in Japanese) is refused. Japanese expects
full-width ！ and ？ where they touch Japanese text, Chinese full-width ，！？；：（） where
they touch Chinese text (a half-width mark among Latin letters, as in "OK!", is fine).
The ellipsis is U+2026 in Korean, Japanese, Thai and English and two of them (……) in
Chinese (⋯, as in the Chinese guide's examples, is accepted); three dots, ideographic
full stops or middle dots are reported.

Line joining: before lines are re-broken they are joined with the profile's
``line_joiner``: a space in Korean, Thai and English (where a line end stands for a
space), nothing in Japanese and Chinese.
"""

from localization.qa.engine import (
    apply_safe_fixes,
    check_cue,
    check_cues,
    check_track,
    fix_track,
    get_profile,
)
from localization.qa.linebreaking import break_lines, line_width, warm_up
from localization.qa.types import RULES, TRACK, FixResult, GlossaryRule, Issue, QACue

__all__ = ["RULES", "TRACK", "FixResult", "GlossaryRule", "Issue", "QACue",
           "apply_safe_fixes", "break_lines", "check_cue", "check_cues", "check_track",
           "fix_track", "get_profile", "line_width", "warm_up"]
