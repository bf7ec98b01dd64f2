"""Timing to shot changes: the QA rule ``shot_change`` and its safe fix (snapping).

Pure values in, values out, like the other rules: the caller passes the media's shot
changes (``ShotChanges``, frames of the video and its frame rate) and the QA engine adds
what this module finds to the track's issues and fixes.

The rules (``../shared/subtitle-standards.md``, after Netflix's Timed Text Style Guide,
subtitle timing guidelines, article 360051554394; Subtitle Edit's
``NetflixCheckSceneChange`` checks the same cases). They are written for 24 fps, where
half a second is 12 frames; the guide says to keep the seconds at other frame rates (15
frames at 30 fps), and the 2-frame gap stays 2 frames at every rate:

- an in-time 1 to 11 frames after a cut moves back onto the cut;
- an in-time 1 to 8 frames before a cut moves forward onto the cut, 9 to 11 frames
  before it moves back to 12 frames before the cut (the dialogue starts just before the
  cut: the subtitle starts early enough to be read before the picture changes);
- an out-time within 11 frames of a cut, on either side or on it, ends 2 frames (the
  profile's minimum gap) before the cut, unless it already does;
- a cue that crosses a cut with neither time near it is reported but never moved: the
  dialogue may well run across the cut, which the guide allows.

A fix moves a time only when the cue stays as good as it was on every other rule: no
overlap, the minimum gap to its neighbours, the minimum and maximum duration and the
reading speed. What it cannot move is left, with its finding, to a person.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.utils.translation import gettext

from localization.qa.checks import TOLERANCE_MS, Checker
from localization.qa.types import Issue, QACue

RULE = "shot_change"
# Guide numbers at 24 fps, as fractions of a second so they follow the frame rate.
WINDOW_SECONDS = 12 / 24  # a time this close to a cut belongs to it
SNAP_BEFORE_SECONDS = 8 / 24  # an in-time this close before a cut moves onto it


@dataclass(frozen=True)
class ShotChanges:
    """The cuts of a video: the first frame of each new shot, at ``frame_rate``."""

    frame_rate: float
    frames: tuple[int, ...]

    def __post_init__(self):
        if self.frame_rate <= 0:
            raise ValueError(f"frame rate must be positive, not {self.frame_rate!r}")
        object.__setattr__(self, "frames", tuple(sorted(set(self.frames))))

    def ms(self, frame: int) -> int:
        """When ``frame`` starts, in whole milliseconds."""
        return round(frame * 1000 / self.frame_rate)

    def frame_at(self, milliseconds: int) -> int:
        """The frame a time falls on (the nearest frame start)."""
        return round(milliseconds * self.frame_rate / 1000)

    @property
    def times_ms(self) -> list[int]:
        return [self.ms(frame) for frame in self.frames]


@dataclass(frozen=True)
class Windows:
    """The rule's numbers in frames at one frame rate."""

    window: int  # 12 at 24 fps
    snap_before: int  # 8 at 24 fps
    gap: int  # the minimum gap, 2 frames at every rate

    @classmethod
    def at(cls, frame_rate: float, *, min_gap_frames: int = 2) -> Windows:
        return cls(window=max(1, round(frame_rate * WINDOW_SECONDS)),
                   snap_before=max(1, round(frame_rate * SNAP_BEFORE_SECONDS)),
                   gap=min_gap_frames)

    def as_dict(self) -> dict:
        return {"window": self.window, "snap_before": self.snap_before, "gap": self.gap}


@dataclass(frozen=True)
class Snap:
    """Where a time belongs: ``target`` (a frame) and the cut that says so."""

    cut: int
    target: int
    distance: int  # frames from the cut: negative before it, positive after


def _neighbours(frames: tuple[int, ...], frame: int, window: int) -> list[int]:
    """Cuts less than ``window`` frames from ``frame``, nearest first (earlier on a tie)."""
    first = bisect.bisect_left(frames, frame - window + 1)
    last = bisect.bisect_right(frames, frame + window - 1)
    return sorted(frames[first:last], key=lambda cut: (abs(frame - cut), cut))


def in_snap(frame: int, shots: ShotChanges, windows: Windows) -> Snap | None:
    """Where an in-time on ``frame`` belongs, or None when it is fine where it is."""
    near = _neighbours(shots.frames, frame, windows.window)
    if not near or near[0] == frame:
        return None
    cut = near[0]
    onto_cut = frame > cut or cut - frame <= windows.snap_before
    target = cut if onto_cut else cut - windows.window
    return Snap(cut=cut, target=target, distance=frame - cut)


def out_snap(frame: int, shots: ShotChanges, windows: Windows) -> Snap | None:
    """Where an out-time on ``frame`` belongs, or None when it is fine where it is."""
    near = _neighbours(shots.frames, frame, windows.window)
    if not near:
        return None
    cut = near[0]
    target = cut - windows.gap
    if frame == target:
        return None
    return Snap(cut=cut, target=target, distance=frame - cut)


def crossed_cuts(cue: QACue, shots: ShotChanges, windows: Windows) -> list[int]:
    """Cuts inside the cue that neither of its times is near (those have their own rule;
    an in-time 12 frames before a cut is where the guide puts it)."""
    start, end = shots.frame_at(cue.start_ms), shots.frame_at(cue.end_ms)
    first = bisect.bisect_right(shots.frames, start + windows.window)
    last = bisect.bisect_right(shots.frames, end - windows.window)
    return list(shots.frames[first:last])


def _clock(milliseconds: int) -> str:
    hours, rest = divmod(max(milliseconds, 0), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _severity(checker: Checker) -> str:
    # Advice by default (a detected cut may be a flash, and dialogue may cross a cut); a
    # profile's "severities" may make it an error.
    return dict(checker.profile.severities).get(RULE, "warning")


def _frames_phrase(distance: int) -> str:
    if distance == 0:
        return gettext("on the shot change")
    if distance < 0:
        return gettext("%(frames)s frames before the shot change") % {"frames": -distance}
    return gettext("%(frames)s frames after the shot change") % {"frames": distance}


def cue_findings(cue: QACue, shots: ShotChanges, checker: Checker,
                 fixed: QACue | None = None) -> list[Issue]:
    """The shot-change issues of one cue; ``fixed`` is the cue as the safe fix leaves it
    (an issue the fix clears is marked fixable)."""
    windows = Windows.at(shots.frame_rate, min_gap_frames=checker.profile.min_gap_frames)
    severity, issues = _severity(checker), []
    start = in_snap(shots.frame_at(cue.start_ms), shots, windows)
    if start is not None:
        if start.target == start.cut:
            advice = gettext("start the cue on the shot change")
        else:
            advice = gettext("start the cue %(frames)s frames before the shot change") % {
                "frames": windows.window}
        issues.append(Issue(cue.index, RULE, severity, gettext(
            "The in-time is %(where)s at %(time)s; %(advice)s.") % {
                "where": _frames_phrase(start.distance), "time": _clock(shots.ms(start.cut)),
                "advice": advice},
            fixable=fixed is not None and fixed.start_ms == shots.ms(start.target)))
    end = out_snap(shots.frame_at(cue.end_ms), shots, windows)
    if end is not None:
        issues.append(Issue(cue.index, RULE, severity, gettext(
            "The out-time is %(where)s at %(time)s; end the cue %(gap)s frames before the "
            "shot change.") % {"where": _frames_phrase(end.distance),
                               "time": _clock(shots.ms(end.cut)), "gap": windows.gap},
            fixable=fixed is not None and fixed.end_ms == shots.ms(end.target)))
    crossed = crossed_cuts(cue, shots, windows)
    if crossed:
        issues.append(Issue(cue.index, RULE, severity, gettext(
            "The cue crosses the shot change at %(times)s; unless the dialogue runs across "
            "it, end the cue %(gap)s frames before the cut or split it there.") % {
                "times": ", ".join(_clock(shots.ms(cut)) for cut in crossed),
                "gap": windows.gap}))
    return issues


def track_findings(cues: Sequence[QACue], shots: ShotChanges,
                   checker: Checker) -> list[Issue]:
    """The shot-change issues of every cue, in the track's order."""
    fixed, _changes = snap_track(cues, shots, checker)
    issues: list[Issue] = []
    for cue, after in zip(cues, fixed, strict=True):
        issues += cue_findings(cue, shots, checker, after)
    return issues


def cue_findings_between(cue: QACue, previous: QACue | None, following: QACue | None,
                         shots: ShotChanges, checker: Checker) -> list[Issue]:
    """The shot-change issues of one cue being edited, fixable as the fix would move it
    between its neighbours."""
    around = [item for item in (previous, cue, following) if item is not None]
    fixed, _changes = snap_track(around, shots, checker)
    return cue_findings(cue, shots, checker, fixed[0 if previous is None else 1])


# --- the safe fix ------------------------------------------------------------------------

def _no_worse(before: QACue, after: QACue, checker: Checker) -> bool:
    """``after`` keeps every duration and reading-speed rule ``before`` kept."""
    profile = checker.profile
    duration, was = after.duration_ms, before.duration_ms
    if duration <= 0:
        return False
    if duration + TOLERANCE_MS < profile.min_duration_ms and duration < was:
        return False
    if duration - TOLERANCE_MS > profile.max_duration_ms and duration > was:
        return False
    shorter = duration < was
    return not (shorter and after.text.strip() and not checker.reads_in(after.text, duration))


# A move can make room for another (an in-time moving onto the cut lets the cue before it
# end 2 frames before the cut): the track is snapped again until nothing moves.
SNAP_ROUNDS = 3


def snap_track(cues: Sequence[QACue], shots: ShotChanges,
               checker: Checker) -> tuple[list[QACue], list[tuple[int, str]]]:
    """The cues with their in- and out-times snapped to the shot changes where that is
    safe, and a sentence for each change, as ``(cue index, sentence)``."""
    fixed, changes = list(cues), []
    for _round in range(SNAP_ROUNDS):
        fixed, moved = _snap_round(fixed, shots, checker)
        if not moved:
            break
        changes += moved
    return fixed, changes


def _snap_round(cues: Sequence[QACue], shots: ShotChanges,
                checker: Checker) -> tuple[list[QACue], list[tuple[int, str]]]:
    """One pass in order: a time moves only if the cue keeps the minimum gap to the
    previous cue as fixed and to the earliest the next cue may start once fixed."""
    windows = Windows.at(shots.frame_rate, min_gap_frames=checker.profile.min_gap_frames)
    gap_ms = windows.gap * 1000 / shots.frame_rate
    in_snaps = [in_snap(shots.frame_at(cue.start_ms), shots, windows) for cue in cues]
    proposed_starts = [shots.ms(snap.target) if snap else cue.start_ms
                       for cue, snap in zip(cues, in_snaps, strict=True)]
    fixed: list[QACue] = []
    changes: list[tuple[int, str]] = []
    for position, cue in enumerate(cues):
        previous_end = fixed[-1].end_ms if fixed else None
        next_start = None
        if position + 1 < len(cues):
            next_start = min(cues[position + 1].start_ms, proposed_starts[position + 1])
        new = cue
        snap = in_snaps[position]
        if snap is not None:
            start = proposed_starts[position]
            moved = replace(new, start_ms=start)
            clear = (previous_end is None or start >= cue.start_ms
                     or start - previous_end + TOLERANCE_MS >= gap_ms)
            if clear and _no_worse(new, moved, checker):
                changes.append((cue.index, gettext(
                    "In-time moved from %(old)s to %(new)s for the shot change at %(cut)s.")
                    % {"old": _clock(cue.start_ms), "new": _clock(start),
                       "cut": _clock(shots.ms(snap.cut))}))
                new = moved
        snap = out_snap(shots.frame_at(cue.end_ms), shots, windows)
        if snap is not None:
            end = shots.ms(snap.target)
            moved = replace(new, end_ms=end)
            clear = (next_start is None or end <= cue.end_ms
                     or next_start - end + TOLERANCE_MS >= gap_ms)
            if clear and end > new.start_ms and _no_worse(new, moved, checker):
                changes.append((cue.index, gettext(
                    "Out-time moved from %(old)s to %(new)s, %(gap)s frames before the shot "
                    "change at %(cut)s.") % {"old": _clock(cue.end_ms), "new": _clock(end),
                                             "gap": windows.gap,
                                             "cut": _clock(shots.ms(snap.cut))}))
                new = moved
        fixed.append(new)
    return fixed, changes
