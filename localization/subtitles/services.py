"""Writes for tracks: numbering versions, creating tracks, importing subtitle files."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from coprod.audit.models import Event
from localization.events import pipeline_event
from localization.permissions import check_can_import_track
from localization.subtitles import formats
from localization.subtitles.cues import Cue, SubtitleFileError
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
                    text=cue.text, speaker=cue.speaker)
        for number, cue in enumerate(cues, start=1)
    )
    return track


def track_import(*, title, language: str, filename: str, data: bytes, user=None,
                 media=None) -> SubtitleTrack:
    """Import a subtitle file as a new track version; ValidationError says what and where."""
    if user is not None:
        check_can_import_track(user)
    try:
        fmt = formats.format_for_filename(filename)
        cues, notes = formats.read_subtitles(data, fmt)
    except SubtitleFileError as error:
        raise ValidationError(str(error), code="bad_subtitles") from None
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
                   "warnings": [str(note) for note in notes]},
        )
    return track
