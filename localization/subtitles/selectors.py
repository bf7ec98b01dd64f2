"""Reads for tracks: lists, cues, exports and file names."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from coprod.audit.models import Event
from localization.subtitles import formats
from localization.subtitles.cues import Cue
from localization.subtitles.models import SubtitleCue, SubtitleTrack


def track_list(*, title=None) -> QuerySet[SubtitleTrack]:
    queryset = SubtitleTrack.objects.select_related("title", "media").annotate(
        cue_count=Count("cues")).order_by("title__romanized_title", "language", "-version")
    return queryset.filter(title=title) if title is not None else queryset


def track_cues(*, track: SubtitleTrack) -> list[Cue]:
    return [Cue(row.start_ms, row.end_ms, row.text, row.speaker)
            for row in SubtitleCue.objects.filter(track=track).order_by("index")]


def track_export(*, track: SubtitleTrack, fmt: str) -> tuple[str, str, bytes]:
    """The track as a file: (file name, content type, bytes)."""
    if fmt not in formats.FORMATS:
        raise LookupError(fmt)
    _label, content_type, extension = formats.FORMATS[fmt]
    content = formats.write_subtitles(track_cues(track=track), fmt, language=track.language,
                                      title=str(track.title))
    return f"{track_file_stem(track)}.{extension}", content_type, content


def safe_file_name(name: str) -> str:
    """Letters, digits and -._ only, for file names in downloads and packages."""
    return "".join(char if char.isalnum() or char in "-._" else "_" for char in name)


def track_file_stem(track: SubtitleTrack) -> str:
    """"Seoul-ui_Bam.ja.v2": the start of every file made from a track."""
    return safe_file_name(f"{track.title.romanized_title or 'title'}.{track.language}"
                          f".v{track.version}")


def cue_state_counts(*, track: SubtitleTrack) -> list[tuple[str, int]]:
    """(state label, count) in workflow order, for the states the track has."""
    counts = dict(track.cues.values_list("state").annotate(total=Count("id")))
    return [(label, counts[value]) for value, label in SubtitleCue.State.choices
            if counts.get(value)]


def track_events(*, track: SubtitleTrack, limit: int = 300):
    """The track's history: its own events and those of its runs, dubs and packages."""
    related = [track, *track.runs.all(), *track.dub_tracks.all(),
               *track.delivery_packages.all()]
    return Event.objects.about_any(related).select_related("actor")[:limit]
