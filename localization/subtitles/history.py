"""Cue history: every write keeps the version it replaces."""

from __future__ import annotations

from localization.subtitles.models import CueRevision, SubtitleCue


def cue_snapshot_if_missing(cue: SubtitleCue) -> None:
    """The first change of a cue first records what the machine or import left there,
    so that the history can go back to it."""
    if not CueRevision.objects.filter(cue=cue, revision=cue.revision).exists():
        CueRevision.objects.create(cue=cue, revision=cue.revision, text=cue.text,
                                   start_ms=cue.start_ms, end_ms=cue.end_ms, state=cue.state,
                                   action=CueRevision.Action.ORIGINAL, author=None,
                                   engine=cue.engine, speaker=cue.speaker)


def cue_revision_record(cue: SubtitleCue, *, actor, action: str) -> None:
    CueRevision.objects.create(cue=cue, revision=cue.revision, text=cue.text,
                               start_ms=cue.start_ms, end_ms=cue.end_ms, state=cue.state,
                               action=action, author=actor, engine=cue.engine,
                               speaker=cue.speaker)
