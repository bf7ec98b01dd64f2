"""Writes for tracks: numbering versions, creating tracks, importing subtitle files."""

from __future__ import annotations

from dataclasses import replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from coprod.audit.models import Event
from localization.events import pipeline_event
from localization.permissions import check_can_import_track
from localization.subtitles import formats
from localization.subtitles.cues import Cue, ImportNote, SubtitleFileError
from localization.subtitles.formats.common import clock_text
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from localization.subtitles.profiles import profile_for


def next_track_version(*, title, language: str) -> int:
    """The next version number of a title's track in a language. Call it inside the
    transaction that creates the track: it locks the existing versions, so two writers
    cannot take the same number."""
    list(SubtitleTrack.objects.select_for_update().filter(title=title, language=language)
         .values_list("pk", flat=True))
    latest = SubtitleTrack.objects.filter(title=title, language=language).aggregate(
        latest=Max("version"))["latest"] or 0
    return latest + 1


def track_create(*, title, language: str, cues: list[Cue], source: str, media=None, job=None,
                  user=None, asr_model_name: str = "", asr_model_sha256: str = "",
                  import_warnings: list | None = None) -> SubtitleTrack:
    # Lock the title's tracks so two writers cannot take the same version number.
    track = SubtitleTrack.objects.create(
        title=title, media=media, language=language,
        version=next_track_version(title=title, language=language), source=source,
        job=job, created_by=user, asr_model_name=asr_model_name,
        asr_model_sha256=asr_model_sha256, import_warnings=import_warnings or [],
    )
    SubtitleCue.objects.bulk_create(
        SubtitleCue(track=track, index=number, start_ms=cue.start_ms, end_ms=cue.end_ms,
                    text=cue.text, speaker=cue.speaker, identifier=cue.identifier,
                    position=cue.position, vertical=cue.vertical,
                    format_settings=cue.settings or {})
        for number, cue in enumerate(cues, start=1)
    )
    return track


SPEAKER_MAX_LENGTH = SubtitleCue._meta.get_field("speaker").max_length


def cues_for_storage(cues: list[Cue]) -> tuple[list[Cue], list[ImportNote]]:
    """What a track row can hold: a cue of no length (kept by players, and by the readers)
    lasts 1 ms, a speaker name is cut to the column's length; each with a note."""
    stored, notes = [], []
    for number, cue in enumerate(cues):
        if cue.end_ms <= cue.start_ms:
            notes.append(ImportNote(None, _(
                "Cue %(number)d starts and ends at %(time)s, so no player shows it; it was "
                "kept and given 1 ms so that it can be edited.")
                % {"number": number + 1, "time": clock_text(cue.start_ms)}))
            cue = replace(cue, end_ms=cue.start_ms + 1)
        if len(cue.speaker) > SPEAKER_MAX_LENGTH:
            notes.append(ImportNote(None, _(
                "The speaker name of cue %(number)d is longer than %(limit)d characters; it "
                "was cut.") % {"number": number + 1, "limit": SPEAKER_MAX_LENGTH}))
            cue = replace(cue, speaker=cue.speaker[:SPEAKER_MAX_LENGTH])
        stored.append(cue)
    return stored, notes


def subtitle_file_language_classes(*, filename: str, data: bytes) -> list:
    """The language classes of a SAMI file (empty for other formats, or when unreadable:
    the import then says why)."""
    try:
        if formats.format_for_filename(filename) != "smi":
            return []
        return formats.sami_language_classes(data)
    except SubtitleFileError:
        return []


def track_import(*, title, language: str, filename: str, data: bytes, user=None,
                 media=None, language_class: str | None = None) -> SubtitleTrack:
    """Import a subtitle file as a new track version; ValidationError says what and where.
    ``language_class`` picks a SAMI file's class (default: the track language's, else
    KRCC)."""
    if user is not None:
        check_can_import_track(user)
    try:
        fmt = formats.format_for_filename(filename)
        cues, notes = formats.read_subtitles(data, fmt, language_class=language_class or None,
                                             language=language)
    except SubtitleFileError as error:
        raise ValidationError(str(error), code="bad_subtitles") from None
    cues, storage_notes = cues_for_storage(cues)
    notes += storage_notes
    try:
        profile_for(language)
    except LookupError:
        raise ValidationError(_("There is no subtitle profile for the language %(language)s.")
                              % {"language": language}, code="language") from None
    with transaction.atomic():
        track = track_create(title=title, language=language, cues=cues,
                              source=SubtitleTrack.Source.IMPORT, media=media, user=user,
                              import_warnings=[note.as_dict() for note in notes])
        pipeline_event(
            actor=user, action=Event.Action.TRACK_IMPORTED, about=track,
            after={"file": filename, "format": fmt, "cues": len(cues), "version": track.version,
                   "language_class": language_class or "",
                   "warnings": [str(note) for note in notes]},
        )
    return track
