"""Reads for tracks: lists, cues, exports and file names."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from coprod.audit.models import Event
from localization.subtitles import formats
from localization.subtitles.cues import Cue, ExportNote, SubtitleExportError
from localization.subtitles.models import SubtitleCue, SubtitleTrack


def track_list(*, title=None) -> QuerySet[SubtitleTrack]:
    queryset = SubtitleTrack.objects.select_related("title", "media").annotate(
        cue_count=Count("cues")).order_by("title__romanized_title", "language", "-version")
    return queryset.filter(title=title) if title is not None else queryset


def track_cues(*, track: SubtitleTrack) -> list[Cue]:
    return [row.as_cue() for row in SubtitleCue.objects.filter(track=track).order_by("index")]


def track_export(*, track: SubtitleTrack, fmt: str) -> tuple[str, str, bytes]:
    """The track as a file: (file name, content type, bytes). SubtitleExportError when the
    format cannot hold the track."""
    filename, content_type, content, _notes = track_export_with_notes(track=track, fmt=fmt)
    return filename, content_type, content


def track_export_with_notes(*, track: SubtitleTrack, fmt: str
                            ) -> tuple[str, str, bytes, list[ExportNote]]:
    """The track as a file and what the format could not carry of it."""
    if fmt not in formats.FORMATS:
        raise LookupError(fmt)
    _label, content_type, extension = formats.FORMATS[fmt]
    content, notes = formats.write_subtitles_with_notes(
        track_cues(track=track), fmt, language=track.language, title=str(track.title))
    return f"{track_file_stem(track)}.{extension}", content_type, content, notes


def track_export_losses(*, track: SubtitleTrack) -> dict[str, list[str]]:
    """Per format, what an export would not carry (a refusal is one line too), for the
    track page to say beside each download link."""
    cues = track_cues(track=track)
    losses = {}
    for fmt in formats.FORMATS:
        try:
            notes = formats.export_losses(cues, fmt, language=track.language)
        except SubtitleExportError as error:
            losses[fmt] = [str(error)]
        else:
            losses[fmt] = [str(note) for note in notes]
    return losses


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
