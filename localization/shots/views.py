"""The shot-changes section of a track page, its button, and the cuts the editor draws."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from localization import qa
from localization.permissions import (
    check_can_detect_shots,
    check_can_open_editor,
    check_can_view_track,
)
from localization.qa.shot_checks import Windows
from localization.shots import selectors, services
from localization.subtitles.models import SubtitleTrack

# Cut times listed on the track page; the editor shows them all.
LISTED_CUTS = 50


def _track(track_id: int) -> SubtitleTrack:
    return get_object_or_404(SubtitleTrack.objects.select_related("title", "media"),
                             pk=track_id)


def shots_section(request, track_id: int):
    """The section, loaded into the track page and polled while a detection runs."""
    track = _track(track_id)
    check_can_view_track(request.user, track)
    detection = selectors.latest_detection(media=track.media)
    finished = selectors.latest_finished(media=track.media)
    return render(request, "localization/shots/section.html", {
        "track": track, "detection": detection, "finished": finished,
        "cuts": finished.times_ms[:LISTED_CUTS] if finished else [],
        "frame_rate": selectors.media_frame_rate(media=track.media),
        "polling": detection is not None and detection.is_active,
    })


@require_POST
def shots_detect(request, track_id: int):
    track = _track(track_id)
    if track.media is None:
        messages.error(request, _("This track has no media file."))
        return redirect("localization:track-detail", track_id=track.pk)
    check_can_detect_shots(request.user, track.media)
    try:
        detection = services.shot_detection_create(media=track.media, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Shot detection #%(id)s is queued.") % {"id": detection.pk})
    return redirect(reverse("localization:track-detail", args=[track.pk]) + "#shots")


@require_GET
def track_shots(request, track_id: int):
    """The cuts of the track's media, for the editor: times, frame rate and the rule's
    windows in frames (the editor snaps with the same numbers QA checks)."""
    track = _track(track_id)
    check_can_open_editor(request.user, track)
    shots = selectors.shot_changes_for(media=track.media)
    if shots is None:
        return JsonResponse({"frame_rate": selectors.media_frame_rate(media=track.media),
                             "frames": [], "times_ms": [], "windows": None})
    try:
        min_gap_frames = qa.get_profile(track.language).min_gap_frames
    except LookupError:
        min_gap_frames = Windows.at(shots.frame_rate).gap
    windows = Windows.at(shots.frame_rate, min_gap_frames=min_gap_frames)
    return JsonResponse({"frame_rate": shots.frame_rate, "frames": list(shots.frames),
                         "times_ms": shots.times_ms, "windows": windows.as_dict()})
