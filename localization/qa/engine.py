"""Check a whole track or one cue being edited, and fix what is safe to fix.

``check_cues`` and ``apply_safe_fixes`` are the pure entry points (no database): they
take the cues of a file as read (``localization.subtitles.cues.Cue``, or anything with
``start_ms``, ``end_ms`` and ``text``, plus ``vertical`` and ``italics`` where the
reader gives them) or ``QACue`` values, the language and the media's frame rate. When
the frame rate is unknown (``None``) the frame-based rules are counted at the profile's
default rate and a track-level ``frame_rate`` issue (cue number ``TRACK``, 0) says so.
``check_track`` and ``fix_track`` are the same, under the names the services use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import replace

from django.utils.translation import gettext

from localization.qa import shot_checks
from localization.qa.checks import Checker, number
from localization.qa.fixes import FIXABLE_RULES, fix_cue
from localization.qa.types import RULES, TRACK, FixResult, GlossaryRule, Issue, QACue
from localization.subtitles.profiles import SubtitleProfile, profile_for

_RULE_ORDER = {rule: position for position, rule in enumerate(RULES)}


def get_profile(language: str) -> SubtitleProfile:
    """The language's profile as loaded (``SUBTITLE_PROFILES_FILE`` laid over the shipped one)."""
    return profile_for(language)


def _checker(language: str, frame_rate: float | None, glossary: Sequence[GlossaryRule],
             audience: str) -> Checker:
    """The rules at the media's frame rate, or at the profile's default when it is unknown."""
    profile = profile_for(language)
    if frame_rate is not None:
        if not frame_rate > 0:
            raise ValueError(f"frame rate must be positive, not {frame_rate!r}")
        profile = profile.at_frame_rate(frame_rate)
    return Checker(profile, audience=audience, glossary=glossary)


def _frame_rate_note(checker: Checker) -> Issue:
    profile = checker.profile
    return Issue(TRACK, "frame_rate", profile.severity("frame_rate"), gettext(
        "The media's frame rate is unknown, so frame-based rules (minimum gap, chaining, "
        "minimum duration) were counted at the %(language)s profile's default of %(fps)s "
        "fps.") % {"language": profile.language, "fps": number(profile.frame_rate)})


def as_qa_cue(cue, position: int = 0) -> QACue:
    """A ``QACue`` for a cue of any reader: number ``position + 1`` unless it has one."""
    if isinstance(cue, QACue):
        return cue
    italics = getattr(cue, "italics", None)
    if italics is None:
        italics = getattr(cue, "italic", False)
    index = getattr(cue, "index", None)
    return QACue(index=index if isinstance(index, int) else position + 1,
                 start_ms=int(cue.start_ms), end_ms=int(cue.end_ms), text=cue.text,
                 source_text=getattr(cue, "source_text", "") or "",
                 vertical=bool(getattr(cue, "vertical", False)), italic=bool(italics),
                 position=getattr(cue, "position", None) or QACue.position)


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


def check_cues(cues: Sequence, *, language: str, fps: float | None = None,
               glossary: Sequence[GlossaryRule] = (), audience: str = "adult",
               shot_changes: shot_checks.ShotChanges | None = None) -> list[Issue]:
    """Every issue of a track, in cue order; a gap issue is reported on the earlier cue.

    The cues are taken in the order given (the track's order). ``fps`` is the media's
    frame rate; ``None`` (unknown) counts frames at the profile's default and adds a
    ``frame_rate`` issue about the whole track.
    """
    checker = _checker(language, fps, glossary, audience)
    cues = [as_qa_cue(cue, position) for position, cue in enumerate(cues)]
    issues: list[Issue] = [] if fps is not None else [_frame_rate_note(checker)]
    for position, cue in enumerate(cues):
        following = cues[position + 1] if position + 1 < len(cues) else None
        issues += _issues_of(cue, following, checker)
    if shot_changes is not None:  # timing to the media's cuts (qa/shot_checks.py)
        issues += shot_checks.track_findings(cues, shot_changes, checker)
    return _sorted(issues)


def check_track(cues: Sequence, *, language: str, frame_rate: float | None = None,
                glossary: Sequence[GlossaryRule] = (), audience: str = "adult",
                shot_changes: shot_checks.ShotChanges | None = None) -> list[Issue]:
    """``check_cues`` with the media's frame rate as ``frame_rate``."""
    return check_cues(cues, language=language, fps=frame_rate, glossary=glossary,
                      audience=audience, shot_changes=shot_changes)


def check_cue(cue: QACue, *, language: str, previous: QACue | None = None,
              next: QACue | None = None, frame_rate: float | None = None,
              glossary: Sequence[GlossaryRule] = (), audience: str = "adult",
              shot_changes: shot_checks.ShotChanges | None = None) -> list[Issue]:
    """The issues of one cue being edited, with the gaps to its neighbours.

    The gap before the cue is reported on ``previous`` (as ``check_track`` does), so the
    union of ``check_cue`` over a track equals ``check_track`` (less the track's
    ``frame_rate`` note, which an unknown frame rate adds there only).
    """
    checker = _checker(language, frame_rate, glossary, audience)
    cue = as_qa_cue(cue)
    previous = as_qa_cue(previous, cue.index - 2) if previous is not None else None
    next = as_qa_cue(next, cue.index) if next is not None else None
    issues = _issues_of(cue, next, checker)
    if previous is not None:
        before = checker.gap_issues(previous, cue)
        if before:
            fixed, _changes = fix_cue(previous, cue, checker)
            left = {issue.rule for issue in checker.gap_issues(fixed, cue)}
            issues += [replace(issue, fixable=issue.rule not in left) for issue in before]
    if shot_changes is not None:
        issues += shot_checks.cue_findings_between(cue, previous, next, shot_changes, checker)
    return _sorted(issues)


def apply_safe_fixes(cues: Sequence, language: str, *, fps: float | None = None,
                     glossary: Sequence[GlossaryRule] = (), audience: str = "adult",
                     shot_changes: shot_checks.ShotChanges | None = None) -> FixResult:
    """The track with the safe fixes applied, what changed, and what is left to a person.

    The cues come back of the type given (a reader's ``Cue`` stays a ``Cue``, with only
    its times and text replaced); ``remaining`` is ``check_cues`` of the fixed track.
    """
    checker = _checker(language, fps, glossary, audience)
    originals = list(cues)
    qa_cues = [as_qa_cue(cue, position) for position, cue in enumerate(originals)]
    fixed: list[QACue] = []
    changes: list[tuple[int, str]] = []
    for position, cue in enumerate(qa_cues):
        following = qa_cues[position + 1] if position + 1 < len(qa_cues) else None
        new_cue, sentences = fix_cue(cue, following, checker)
        fixed.append(new_cue)
        changes += [(cue.index, sentence) for sentence in sentences]
    if shot_changes is not None:
        fixed, snapped = shot_checks.snap_track(fixed, shot_changes, checker)
        changes += snapped
    remaining: list[Issue] = [] if fps is not None else [_frame_rate_note(checker)]
    for position, cue in enumerate(fixed):
        following = fixed[position + 1] if position + 1 < len(fixed) else None
        remaining += checker.cue_issues(cue) + checker.gap_issues(cue, following)
    if shot_changes is not None:
        remaining += shot_checks.track_findings(fixed, shot_changes, checker)
    return FixResult(cues=[_like(original, cue) for original, cue in zip(originals, fixed,
                                                                          strict=True)],
                     changes=changes, remaining=_sorted(remaining))


def fix_track(cues: Sequence, *, language: str, frame_rate: float | None = None,
              glossary: Sequence[GlossaryRule] = (), audience: str = "adult",
              shot_changes: shot_checks.ShotChanges | None = None) -> FixResult:
    """``apply_safe_fixes`` with the media's frame rate as ``frame_rate``."""
    return apply_safe_fixes(cues, language, fps=frame_rate, glossary=glossary,
                            audience=audience, shot_changes=shot_changes)


def _like(original, fixed: QACue):
    """``fixed``'s times and text on the caller's own cue type."""
    if isinstance(original, QACue):
        return fixed
    if (original.start_ms, original.end_ms, original.text) == (fixed.start_ms, fixed.end_ms,
                                                                fixed.text):
        return original
    if dataclasses.is_dataclass(original):
        return replace(original, start_ms=fixed.start_ms, end_ms=fixed.end_ms, text=fixed.text)
    return fixed
