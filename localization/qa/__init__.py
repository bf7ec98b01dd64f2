"""Subtitle QA per language: checks, language-aware line breaking and safe fixes.

Pure Python over plain values (``QACue``): callers build the cues from their models and
store the ``Issue`` values as they like. The numbers come from the language profiles in
``localization/subtitles/profiles.json`` (see ``localization.subtitles.profiles``).

Severity: a hard delivery limit is an error (line length, line count, minimum and
maximum duration, a gap under the minimum, an overlap, a forbidden character, an empty
cue); reading speed, chaining, ellipsis style and glossary terms are warnings, because
a subtitler may have reasons (a title card read at leisure, a deliberate flash, a term
the glossary did not foresee). Korean makes the ellipsis an error: its guide requires
the single character U+2026. Each profile may change any severity (``severities``).

Glyph policy (``profiles.json``): every language refuses control, format (zero-width
spaces and joiners, bidi marks), private-use and unassigned characters, emoji, dingbats
and variation selectors (music notes ♪ stay allowed); Japanese also refuses half-width
katakana. Japanese expects full-width ！ and ？ where they touch Japanese text, Chinese
full-width ，！？；：（） where they touch Chinese text (a half-width mark among Latin
letters, as in "OK!", is fine). The ellipsis is U+2026 in Korean, Japanese and Thai and
two of them (……) in Chinese; three dots, ideographic full stops or middle dots are
reported.

Line joining: before lines are re-broken they are joined with the profile's
``line_joiner``: a space in Korean and Thai (where a line end stands for a space),
nothing in Japanese and Chinese.
"""

from localization.qa.engine import check_cue, check_track, fix_track, get_profile
from localization.qa.linebreaking import break_lines, line_width, warm_up
from localization.qa.types import RULES, FixResult, GlossaryRule, Issue, QACue

__all__ = ["RULES", "FixResult", "GlossaryRule", "Issue", "QACue", "break_lines",
           "check_cue", "check_track", "fix_track", "get_profile", "line_width", "warm_up"]
