"""The subtitle editor: its page and the JSON endpoints its script calls.

Thin views over ``localization.editor``: every endpoint answers JSON, including refusals
(403 with the reason), workflow errors (400) and edit conflicts (409 with the server's
version of the cue).
"""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coprod.accounts.models import User
from coprod.accounts.roles import Role
from coprod.core.http import ranged_file_response
from localization import permissions as localization_permissions
from localization import qa
from localization.dubbing.models import DubTrack
from localization.permissions import check_can_open_editor
from localization.review import services
from localization.review import waveform as review_waveform
from localization.review.models import CueComment
from localization.subtitles.models import CueRevision, SubtitleCue, SubtitleTrack
from localization.translation import glossary as translation_glossary
from localization.translation import memory as translation_memory


def json_endpoint(view):
    """Turn the services' refusals into JSON answers the editor can show."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as denial:
            return JsonResponse({"error": str(denial) or _("Not allowed.")}, status=403)
        except services.CueConflict as conflict:
            return JsonResponse({"error": str(conflict), "conflict": True,
                                 "current": conflict.current}, status=409)
        except ValidationError as error:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        except (ValueError, KeyError, TypeError, OverflowError):
            return JsonResponse({"error": _("The request is not valid.")}, status=400)

    return wrapper


def _body(request) -> dict:
    """The JSON object the editor sends; anything else is a ValueError (a 400)."""
    try:
        data = json.loads(request.body or b"{}")
    except RecursionError:
        raise ValueError("The JSON is nested too deeply.") from None
    if not isinstance(data, dict):
        raise ValueError("The request body is not a JSON object.")
    return data


def _integer(value) -> int:
    """A whole number from the JSON body; infinity and other non-numbers are a ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"Not a whole number: {value!r}")
    try:
        return int(value)
    except OverflowError:
        raise ValueError(f"Not a whole number: {value!r}") from None


def _track(request, track_id: int) -> SubtitleTrack:
    track = get_object_or_404(
        SubtitleTrack.objects.select_related("title", "media", "source_track", "translator",
                                             "reviewer"), pk=track_id)
    check_can_open_editor(request.user, track)
    return track


def _cue(track: SubtitleTrack, cue_id: int) -> SubtitleCue:
    return get_object_or_404(track.cues.select_related("source_cue", "track__title"),
                             pk=cue_id)


def _abilities(user, track: SubtitleTrack) -> dict:
    def allowed(check) -> str:
        try:
            check(user, track)
        except PermissionDenied as denial:
            return str(denial)
        return ""

    return {"edit": allowed(localization_permissions.check_can_edit_track),
            "review": allowed(localization_permissions.check_can_review_track),
            "reopen": allowed(localization_permissions.check_can_reopen_track),
            "assign": allowed(localization_permissions.check_can_assign_track)}


def _profile(language: str) -> dict:
    try:
        profile = qa.get_profile(language)
    except (LookupError, ValueError):
        return {}
    return {"max_characters_per_line": profile.max_characters_per_line,
            "max_lines": profile.max_lines,
            "max_characters_per_second": profile.max_characters_per_second,
            "min_duration_ms": profile.min_duration_ms,
            "max_duration_ms": profile.max_duration_ms, "frame_rate": profile.frame_rate,
            "half_width_counts_half": profile.half_width_counts_half}


# --- the page ---------------------------------------------------------------------------------

def shortcuts() -> list[tuple[str, str]]:
    """(keys, what they do): the help overlay lists these; editor.js binds the same keys."""
    return [
        ("Alt+↓ / Alt+↑", _("Next / previous cue (saves first)")),
        ("Alt+P", _("Play the current cue")),
        ("Alt+K", _("Play or pause")),
        ("Alt+I / Alt+O", _("Set the in / out time from the player")),
        ("Alt+← / Alt+→", _("Move the in time by one frame")),
        ("Alt+Shift+← / Alt+Shift+→", _("Move the out time by one frame")),
        ("Shift+drag", _("Drag an edge on the waveform without snapping to shot changes")),
        ("Alt+E", _("Edit the text")),
        ("Ctrl+S", _("Save now (edits also save by themselves)")),
        ("Ctrl+Enter", _("Mark translated and go to the next cue")),
        ("Alt+R", _("Ask for review")),
        ("Alt+A", _("Approve and go to the next cue (reviewer)")),
        ("Alt+X", _("Reject with a comment (reviewer)")),
        ("Alt+S", _("Split at the player position (text at the cursor)")),
        ("Alt+M", _("Merge with the next cue")),
        ("Alt+Z", _("Undo: go back to the previous saved version")),
        ("Alt+C", _("Write a comment")),
        ("Alt+L", _("Go to the cue list (↑ ↓ Enter)")),
        ("F1", _("Show or hide this help")),
        ("Esc", _("Close a dialog")),
    ]


def labels() -> dict[str, str]:
    """The words editor.js shows, translated here so that the .po files hold them."""
    states = {value: str(label) for value, label in SubtitleCue.State.choices}
    return {
        "states": states,
        "saved": _("Saved"), "saving": _("Saving…"), "unsaved": _("Unsaved changes"),
        "conflict": _("Conflict: choose a version"), "error": _("Not saved: %(error)s"),
        "chars_per_line": _("characters per line"), "cps": _("characters per second"),
        "duration": _("duration"), "seconds": _("s"),
        "no_memory": _("No translation memory match."),
        "no_glossary": _("No glossary term in this cue."),
        "memory_use": _("Use (click)"), "no_comments": _("No comments yet."),
        "reply": _("Reply"), "rejection": _("Rejected"), "revert": _("Revert to this"),
        "original": _("original"), "by_machine": _("machine or import"),
        "progress": _("%(approved)s of %(total)s approved"),
        "locked": _("This track is approved and locked."),
        "nothing_to_undo": _("Nothing to undo for this cue."),
        "last_cue": _("This is the last cue."),
        "actions": {str(action.value): str(action.label) for action in CueRevision.Action},
        "reject_needs_comment": _("Say why the cue is rejected."),
    }


def editor_page(request, track_id: int):
    track = _track(request, track_id)
    users = User.objects.filter(is_active=True).order_by("username")
    base = reverse("localization:editor", args=[track.pk])
    config = {
        "base": base, "cues": reverse("localization:editor-cues", args=[track.pk]),
        "waveform": reverse("localization:editor-waveform", args=[track.pk]),
        "reopen": reverse("localization:editor-reopen", args=[track.pk]),
        # The QA endpoint of the track page, with the cue id put in by the script.
        "check": reverse("localization:cue-check", args=[track.pk, 0]).replace("/0/", "/{id}/"),
        "language": track.language, "has_media": track.media_id is not None,
        # The cuts of the media's video, drawn on the waveform and snapped to.
        "shots": reverse("localization:editor-shots", args=[track.pk])
        if track.media_id is not None else "",
    }
    latest_dub = track.dub_tracks.filter(state=DubTrack.State.DONE).order_by("-id").first()
    speakers, cast = services.track_speakers_summary(track), services.cast_characters(track)
    return render(request, "localization/editor.html", {
        "track": track, "abilities": _abilities(request.user, track), "latest_dub": latest_dub,
        "translators": users.filter(groups__name__in=[Role.TRANSLATOR, Role.REVIEWER])
        .distinct(),
        "reviewers": users.filter(groups__name=Role.REVIEWER).distinct(),
        "config": config, "labels": labels(), "shortcuts": shortcuts(),
        # The speakers the speaker field offers: the track's and the cast's characters.
        "speakers": speakers, "cast": cast,
        "speaker_names": list(dict.fromkeys(
            [speaker["name"] for speaker in speakers if speaker["name"]] + cast)),
    })


@require_POST
def track_assign(request, track_id: int):
    track = _track(request, track_id)

    def user_or_none(field):
        value = request.POST.get(field)
        return get_object_or_404(User, pk=value) if value else None

    try:
        services.track_assign(track=track, translator=user_or_none("translator"),
                            reviewer=user_or_none("reviewer"), actor=request.user)
    except ValidationError as error:
        from django.contrib import messages

        messages.error(request, " ".join(error.messages))
    return redirect("localization:editor", track_id=track.pk)


@require_POST
@json_endpoint
def track_reopen(request, track_id: int):
    track = _track(request, track_id)
    track = services.track_reopen(track=track, actor=request.user,
                                reason=str(_body(request).get("reason", "")))
    return JsonResponse({"track": services.track_as_dict(track),
                         "abilities": _abilities(request.user, track)})


# --- cues ----------------------------------------------------------------------------

@require_GET
@json_endpoint
def cue_list(request, track_id: int):
    from django.db.models import Count

    track = _track(request, track_id)
    cues = (track.cues.select_related("source_cue").annotate(comment_count=Count("comments"))
            .order_by("index"))
    return JsonResponse({"track": services.track_as_dict(track),
                         "abilities": _abilities(request.user, track),
                         "profile": _profile(track.language),
                         "cues": [services.cue_as_dict(cue) for cue in cues]})


@require_POST
@json_endpoint
def cue_save(request, track_id: int, cue_id: int):
    track = _track(request, track_id)
    data = _body(request)
    cue = services.cue_save(cue=_cue(track, cue_id), text=str(data["text"]),
                          start_ms=_integer(data["start"]), end_ms=_integer(data["end"]),
                          expected_revision=_integer(data["revision"]), actor=request.user)
    return JsonResponse({"cue": services.cue_as_dict(cue)})


@require_POST
@json_endpoint
def cue_speaker(request, track_id: int, cue_id: int):
    """Give the cue to another speaker."""
    track = _track(request, track_id)
    data = _body(request)
    cue = services.cue_speaker_set(cue=_cue(track, cue_id), speaker=str(data["speaker"]),
                                   expected_revision=_integer(data["revision"]),
                                   actor=request.user)
    return JsonResponse({"cue": services.cue_as_dict(cue)})


@require_POST
def speaker_rename(request, track_id: int):
    """Rename a speaker on every cue (naming another of the track's speakers merges them)."""
    track = _track(request, track_id)
    try:
        changed = services.speaker_rename(track=track, old=request.POST.get("old", ""),
                                          new=request.POST.get("new", ""), actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except PermissionDenied as denial:
        messages.error(request, str(denial))
    else:
        messages.success(request, _("%(count)d cues now have the speaker “%(name)s”.")
                         % {"count": changed, "name": " ".join(request.POST["new"].split())})
    # Back where the form was: the track page or the editor of this same track.
    back = reverse("localization:track-detail", args=[track.pk])
    if request.POST.get("next") == reverse("localization:editor", args=[track.pk]):
        back = request.POST["next"]
    return redirect(f"{back}#speakers")


@require_POST
@json_endpoint
def cue_split(request, track_id: int, cue_id: int):
    track = _track(request, track_id)
    data = _body(request)
    left, right = services.cue_split(cue=_cue(track, cue_id), at_ms=_integer(data["at"]),
                                   text_left=str(data["left"]), text_right=str(data["right"]),
                                   expected_revision=_integer(data["revision"]),
                                   actor=request.user)
    return JsonResponse({"cues": [services.cue_as_dict(left), services.cue_as_dict(right)]})


@require_POST
@json_endpoint
def cue_merge(request, track_id: int, cue_id: int):
    track = _track(request, track_id)
    data = _body(request)
    cue = _cue(track, cue_id)
    following = track.cues.filter(index=cue.index + 1).first()
    if following is None:
        raise ValidationError(_("This is the last cue; there is nothing to merge it with."))
    merged = services.cue_merge(cue=cue, next_cue=following,
                              expected_revision=_integer(data["revision"]),
                              next_expected_revision=_integer(data["next_revision"]),
                              actor=request.user)
    return JsonResponse({"cue": services.cue_as_dict(merged), "removed": following.pk})


@require_POST
@json_endpoint
def cue_state(request, track_id: int, cue_id: int):
    track = _track(request, track_id)
    data = _body(request)
    revision = data.get("revision")
    cue = services.cue_set_state(cue=_cue(track, cue_id), action=str(data["action"]),
                               actor=request.user, comment=str(data.get("comment", "")),
                               expected_revision=_integer(revision) if revision is not None
                               else None)
    track.refresh_from_db()
    return JsonResponse({"cue": services.cue_as_dict(cue), "track": services.track_as_dict(track),
                         "abilities": _abilities(request.user, track)})


@json_endpoint
def cue_comments(request, track_id: int, cue_id: int):
    track = _track(request, track_id)
    cue = _cue(track, cue_id)
    if request.method == "POST":
        data = _body(request)
        parent = data.get("parent")
        services.cue_comment_add(cue=cue, text=str(data.get("text", "")), actor=request.user,
                               parent_id=_integer(parent) if parent not in (None, "") else None)
    comments = CueComment.objects.filter(cue=cue).select_related("author")
    return JsonResponse({"comments": [services.comment_as_dict(item) for item in comments]})


@require_GET
@json_endpoint
def cue_history(request, track_id: int, cue_id: int):
    track = _track(request, track_id)
    cue = _cue(track, cue_id)
    revisions = CueRevision.objects.filter(cue=cue).select_related("author")
    return JsonResponse({"revisions": [services.revision_as_dict(item) for item in revisions]})


@require_POST
@json_endpoint
def cue_revert(request, track_id: int, cue_id: int):
    track = _track(request, track_id)
    data = _body(request)
    cue = services.cue_revert(cue=_cue(track, cue_id),
                            revision_id=_integer(data["revision_id"]),
                            expected_revision=_integer(data["revision"]), actor=request.user)
    return JsonResponse({"cue": services.cue_as_dict(cue)})


@require_GET
@json_endpoint
def cue_assist(request, track_id: int, cue_id: int):
    """Translation-memory matches and the glossary terms found in the Korean source."""
    track = _track(request, track_id)
    cue = _cue(track, cue_id)
    source = cue.source_cue.text if cue.source_cue_id else ""
    matches = translation_memory.memory_matches(
        source_text=source, target_language=track.language,
        source_language=track.source_track.language if track.source_track else "ko") \
        if source else []
    terms = [{"source": term.source_term, "rendering": term.renderings.get(track.language, ""),
              "kind": term.get_kind_display(), "note": term.note}
             for term in translation_glossary.glossary_for(track.title)
             if term.source_term in source]
    return JsonResponse({
        "memory": [{"percent": match.percent, "source": match.source_text,
                    "target": match.target_text} for match in matches],
        "glossary": terms})


# --- media ---------------------------------------------------------------------------

@require_GET
@json_endpoint
def track_waveform(request, track_id: int):
    track = _track(request, track_id)
    if track.media is None:
        return JsonResponse({"peaks_per_second": 0, "peaks": []})
    waveform = review_waveform.media_waveform(media=track.media)
    return JsonResponse({"peaks_per_second": waveform.peaks_per_second,
                         "peaks": waveform.peaks})


def track_media(request, track_id: int):
    """The track's media file, with HTTP Range support so that the player can seek."""
    track = _track(request, track_id)
    if track.media is None or not track.media.file:
        raise Http404(_("This track has no media file."))
    return ranged_file_response(request, track.media.file, _content_type(track.media))


def _content_type(media) -> str:
    import mimetypes

    guessed, _encoding = mimetypes.guess_type(media.original_name or media.file.name)
    if guessed:
        return guessed
    return "video/mp4" if media.has_video else "audio/ogg"
