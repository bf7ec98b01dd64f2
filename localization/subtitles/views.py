"""The track pages: detail, download in every format, import."""

import base64
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from localization.permissions import (
    check_can_download_track,
    check_can_import_track,
    check_can_view_track,
)
from localization.qa import services as qa_services
from localization.review import services as review_services
from localization.subtitles import downloads, formats, selectors, services
from localization.subtitles.cues import SubtitleExportError
from localization.subtitles.disclosure import Origin, track_disclosure
from localization.subtitles.formats import FORMATS
from localization.subtitles.forms import SubtitleImportForm, text_upload_too_large
from localization.subtitles.models import SubtitleTrack
from localization.translation import services as translation_services


def track_detail(request, track_id: int):
    track = get_object_or_404(SubtitleTrack.objects.select_related("title", "media",
                                                                   "source_track"),
                              pk=track_id)
    check_can_view_track(request.user, track)
    cues = list(track.cues.select_related("source_cue").order_by("index"))
    disclosure = track_disclosure(track)
    for cue in cues:
        cue.origin = disclosure.cues.get(cue.pk, disclosure.origin)
        cue.origin_label = Origin(cue.origin).label
    try:
        engine_text = translation_services.engine_description()
    except Exception as error:  # a misconfigured engine is shown, not hidden
        engine_text = _("Translation engine not usable: %(error)s") % {"error": error}
    return render(request, "localization/track_detail.html", {
        "track": track, "cues": cues, "formats": FORMATS, "disclosure": disclosure,
        "speakers": review_services.track_speakers_summary(track),
        "cast": review_services.cast_characters(track),
        "translations": track.translations.order_by("language", "-version"),
        "engine_description": engine_text,
        "state_counts": selectors.cue_state_counts(track=track),
        "runs": track.runs.all()[:20],
        "events": selectors.track_events(track=track),
        "error_count": sum(1 for cue in cues for issue in cue.qa_issues
                           if issue.get("severity") == "error"),
        "export_losses": [(FORMATS[fmt][0], notes) for fmt, notes in
                          selectors.track_export_losses(track=track).items() if notes],
    })


def track_download(request, track_id: int, fmt: str):
    track = get_object_or_404(SubtitleTrack.objects.select_related("title"), pk=track_id)
    check_can_download_track(request.user, track)
    if fmt not in FORMATS:
        raise Http404(_("Unknown subtitle format."))
    if request.GET.get("force") != "1" and (blockers := qa_services.export_blockers(track=track)):
        messages.error(request, _("%(count)d QA errors remain in this track; fix them, or "
                                  "export anyway from the link below.")
                       % {"count": len(blockers)})
        return redirect("localization:track-detail", track_id=track.pk)
    try:
        return downloads.track_file_response(track=track, fmt=fmt)
    except LookupError:
        raise Http404(_("Unknown subtitle format.")) from None
    except SubtitleExportError as error:
        messages.error(request, str(error))
        return redirect("localization:track-detail", track_id=track.pk)


# A SAMI file waiting for its language class to be chosen is kept in the session, when it
# is small enough not to weigh on every request of the user (SAMI files rarely pass 1 MB).
PENDING_IMPORT_KEY = "subtitle_import_pending"
PENDING_IMPORT_MAX_BYTES = 2 * 1024**2


def track_import(request):
    check_can_import_track(request.user)
    form = SubtitleImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload:
            if too_large := text_upload_too_large(upload):
                form.add_error("file", too_large)
                return render(request, "localization/track_import.html", {"form": form},
                              status=400)
            filename, data = upload.name, upload.read()
        else:
            pending = request.session.get(PENDING_IMPORT_KEY) or {}
            if pending.get("token") != form.cleaned_data["pending"]:
                form.add_error("file", _("The file chosen before is no longer here; choose it "
                                         "again."))
                return render(request, "localization/track_import.html", {"form": form},
                              status=400)
            filename, data = pending["name"], base64.b64decode(pending["data"])
        language_class = form.cleaned_data["language_class"].strip()
        if not language_class:
            classes = services.subtitle_file_language_classes(filename=filename, data=data)
            if len(classes) > 1:
                return _choose_language_class(request, form, filename, data, classes)
        try:
            track = services.track_import(
                title=form.cleaned_data["title"], language=form.cleaned_data["language"],
                filename=filename, data=data, user=request.user,
                language_class=language_class or None,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            request.session.pop(PENDING_IMPORT_KEY, None)
            messages.success(request, _("Imported %(count)s cues as version %(version)s.")
                             % {"count": track.cues.count(), "version": track.version})
            return redirect("localization:track-detail", track_id=track.pk)
    return render(request, "localization/track_import.html", {"form": form},
                  status=400 if form.errors else 200)


def _choose_language_class(request, form, filename: str, data: bytes, classes):
    """The import page again, asking which of the SAMI file's classes to import."""
    token = ""
    if len(data) <= PENDING_IMPORT_MAX_BYTES:
        token = secrets.token_urlsafe(16)
        request.session[PENDING_IMPORT_KEY] = {
            "token": token, "name": filename, "data": base64.b64encode(data).decode("ascii")}
    language = form.cleaned_data["language"]
    chooser = SubtitleImportForm(classes=classes, initial={
        "title": form.cleaned_data["title"].pk, "language": language, "pending": token,
        "language_class": formats.default_language_class(classes, language)})
    return render(request, "localization/track_import.html", {
        "form": chooser, "classes": classes, "pending_name": filename if token else "",
        "reupload": not token})
