"""Check a whole track or one cue being edited, and fix what is safe to fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from localization.qa.checks import Checker
from localization.qa.fixes import FIXABLE_RULES, fix_cue
from localization.qa.types import RULES, FixResult, GlossaryRule, Issue, QACue
from localization.subtitles.profiles import SubtitleProfile, profile_for

_RULE_ORDER = {rule: position for position, rule in enumerate(RULES)}


def get_profile(language: str) -> SubtitleProfile:
    """The language's profile as loaded (``SUBTITLE_PROFILES_FILE`` laid over the shipped one)."""
    return profile_for(language)


def _checker(language: str, frame_rate: float, glossary: Sequence[GlossaryRule],
             audience: str) -> Checker:
    if frame_rate <= 0:
        raise ValueError(f"frame rate must be positive, not {frame_rate!r}")
    profile = profile_for(language).at_frame_rate(frame_rate)
    return Checker(profile, audience=audience, glossary=glossary)


def _sorted(issues: list[Issue]) -> list[Issue]:
    return sorted(issues, key=lambda issue: (issue.cue_index, _RULE_ORDER.get(issue.rule, 99)))


def _issues_of(cue: QACue, following: QACue | None, checker: Checker) -> list[Issue]:
    """The cue's own issues and those of the gap after it, marked fixable where the fixer
    would clear them."""
    issues = checker.cue_issues(cue) + checker.gap_issues(cue, following)
    if not any(issue.rule in FIXABLE_RULES for issue in issues):
        return issues
    fixed, _changes = fix_cue(cue, following, checker)
    if fixed is cue:
        return issues
    left = {issue.rule for issue in checker.cue_issues(fixed) + checker.gap_issues(fixed,
                                                                                    following)}
    return [replace(issue, fixable=True)
            if issue.rule in FIXABLE_RULES and issue.rule not in left else issue
            for issue in issues]


def check_track(cues: Sequence[QACue], *, language: str, frame_rate: float = 24.0,
                glossary: Sequence[GlossaryRule] = (), audience: str = "adult") -> list[Issue]:
    """Every issue of a track, in cue order; a gap issue is reported on the earlier cue.

    The cues are taken in the order given (the track's order).
    """
    checker = _checker(language, frame_rate, glossary, audience)
    issues: list[Issue] = []
    for position, cue in enumerate(cues):
        following = cues[position + 1] if position + 1 < len(cues) else None
        issues += _issues_of(cue, following, checker)
    return _sorted(issues)


def check_cue(cue: QACue, *, language: str, previous: QACue | None = None,
              next: QACue | None = None, frame_rate: float = 24.0,
              glossary: Sequence[GlossaryRule] = (), audience: str = "adult") -> list[Issue]:
    """The issues of one cue being edited, with the gaps to its neighbours.

    The gap before the cue is reported on ``previous`` (as ``check_track`` does), so the
    union of ``check_cue`` over a track equals ``check_track``.
    """
    checker = _checker(language, frame_rate, glossary, audience)
    issues = _issues_of(cue, next, checker)
    if previous is not None:
        before = checker.gap_issues(previous, cue)
        if before:
            fixed, _changes = fix_cue(previous, cue, checker)
            left = {issue.rule for issue in checker.gap_issues(fixed, cue)}
            issues += [replace(issue, fixable=issue.rule not in left) for issue in before]
    return _sorted(issues)


def fix_track(cues: Sequence[QACue], *, language: str, frame_rate: float = 24.0,
              glossary: Sequence[GlossaryRule] = (), audience: str = "adult") -> FixResult:
    """The track with the safe fixes applied, what changed, and what is left to a person."""
    checker = _checker(language, frame_rate, glossary, audience)
    fixed: list[QACue] = []
    changes: list[tuple[int, str]] = []
    for position, cue in enumerate(cues):
        following = cues[position + 1] if position + 1 < len(cues) else None
        new_cue, sentences = fix_cue(cue, following, checker)
        fixed.append(new_cue)
        changes += [(cue.index, sentence) for sentence in sentences]
    remaining: list[Issue] = []
    for position, cue in enumerate(fixed):
        following = fixed[position + 1] if position + 1 < len(fixed) else None
        remaining += checker.cue_issues(cue) + checker.gap_issues(cue, following)
    return FixResult(cues=fixed, changes=changes, remaining=_sorted(remaining))
