"""The track pages: detail, download in every format, import."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from localization.permissions import (
    check_can_download_track,
    check_can_import_track,
    check_can_view_track,
)
from localization.qa import services as qa_services
from localization.subtitles import selectors, services
from localization.subtitles.formats import FORMATS
from localization.subtitles.forms import SubtitleImportForm, text_upload_too_large
from localization.subtitles.models import SubtitleTrack
from localization.translation import services as translation_services


def track_detail(request, track_id: int):
    track = get_object_or_404(SubtitleTrack.objects.select_related("title", "media",
                                                                   "source_track"),
                              pk=track_id)
    check_can_view_track(request.user, track)
    cues = track.cues.select_related("source_cue").order_by("index")
    try:
        engine_text = translation_services.engine_description()
    except Exception as error:  # a misconfigured engine is shown, not hidden
        engine_text = _("Translation engine not usable: %(error)s") % {"error": error}
    return render(request, "localization/track_detail.html", {
        "track": track, "cues": cues, "formats": FORMATS,
        "translations": track.translations.order_by("language", "-version"),
        "engine_description": engine_text,
        "state_counts": selectors.cue_state_counts(track=track),
        "runs": track.runs.all()[:20],
        "events": selectors.track_events(track=track),
        "error_count": sum(1 for cue in cues for issue in cue.qa_issues
                           if issue.get("severity") == "error"),
    })


def track_download(request, track_id: int, fmt: str):
    track = get_object_or_404(SubtitleTrack.objects.select_related("title"), pk=track_id)
    check_can_download_track(request.user, track)
    if fmt not in FORMATS:
        raise Http404(_("Unknown subtitle format."))
    if track.source == SubtitleTrack.Source.TRANSLATION and request.GET.get("force") != "1":
        blockers = qa_services.export_blockers(track=track)
        if blockers:
            messages.error(request, _("%(count)d QA errors remain in this track; fix them, or "
                                      "export anyway from the link below.")
                           % {"count": len(blockers)})
            return redirect("localization:track-detail", track_id=track.pk)
    try:
        filename, content_type, content = selectors.track_export(track=track, fmt=fmt)
    except LookupError:
        raise Http404(_("Unknown subtitle format.")) from None
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def track_import(request):
    check_can_import_track(request.user)
    form = SubtitleImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if too_large := text_upload_too_large(upload):
            form.add_error("file", too_large)
            return render(request, "localization/track_import.html", {"form": form},
                          status=400)
        try:
            track = services.track_import(
                title=form.cleaned_data["title"], language=form.cleaned_data["language"],
                filename=upload.name, data=upload.read(), user=request.user,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("Imported %(count)s cues as version %(version)s.")
                             % {"count": track.cues.count(), "version": track.version})
            return redirect("localization:track-detail", track_id=track.pk)
    return render(request, "localization/track_import.html", {"form": form},
                  status=400 if form.errors else 200)
