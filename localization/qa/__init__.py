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
"""

from localization.qa.engine import check_cue, check_track, fix_track, get_profile
from localization.qa.linebreaking import break_lines, line_width, warm_up
from localization.qa.types import RULES, FixResult, GlossaryRule, Issue, QACue

__all__ = ["RULES", "FixResult", "GlossaryRule", "Issue", "QACue", "break_lines",
           "check_cue", "check_track", "fix_track", "get_profile", "line_width", "warm_up"]
