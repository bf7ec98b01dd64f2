"""A track as a subtitle file to download, the same for the track page and the API: the
file with the notes of what its format could not carry, and the sentence for each QA
error that holds it back (``qa.services.export_blockers``)."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _

from localization.qa.types import TRACK, Issue
from localization.subtitles import selectors
from localization.subtitles.models import SubtitleTrack

# What the format could not carry, as a JSON list of sentences (for scripts; the track
# page lists it for people).
EXPORT_NOTES_HEADER = "X-Subtitle-Export-Notes"


def blocker_sentence(issue: Issue) -> str:
    if issue.cue_index == TRACK:
        return _("Track (%(rule)s): %(message)s") % {"rule": issue.rule,
                                                    "message": issue.message}
    return _("Cue %(number)d (%(rule)s): %(message)s") % {
        "number": issue.cue_index, "rule": issue.rule, "message": issue.message}


def track_file_response(*, track: SubtitleTrack, fmt: str) -> HttpResponse:
    """The track as an attachment in ``fmt``. Raises LookupError for an unknown format and
    SubtitleExportError when the format cannot hold the track."""
    filename, content_type, content, notes = selectors.track_export_with_notes(
        track=track, fmt=fmt)
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if notes:
        response[EXPORT_NOTES_HEADER] = json.dumps([str(note) for note in notes])
    return response
