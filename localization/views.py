from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coprod.permissions import roles_required
from coprod.selectors import title_list
from localization import selectors, services
from localization.forms import MediaUploadForm, SubtitleImportForm
from localization.models import LocalizationJob, SubtitleTrack
from localization.permissions import (
    LOCALIZATION_ROLES,
    check_can_change_job,
    check_can_download_track,
    check_can_upload_media,
    check_can_view_localization,
)
from localization.subtitles.formats import FORMATS

DEMO_CLIP = Path(__file__).resolve().parent / "demo_media" / "korean-demo.ogg"


@roles_required(LOCALIZATION_ROLES)
def overview(request):
    return render(request, "localization/overview.html", {
        "titles": title_list(),
        "tracks": selectors.track_list()[:50],
        "formats": FORMATS,
    })


def job_list(request):
    check_can_view_localization(request.user)
    jobs = list(selectors.job_list())
    return render(request, "localization/job_list.html", {
        "jobs": jobs, "polling": selectors.jobs_active_exist(jobs), "formats": FORMATS,
    })


def job_table(request):
    """The jobs table alone, for htmx to swap in while jobs run."""
    check_can_view_localization(request.user)
    jobs = list(selectors.job_list())
    return render(request, "localization/partials/job_table.html", {
        "jobs": jobs, "polling": selectors.jobs_active_exist(jobs), "formats": FORMATS,
    })


def media_upload(request):
    check_can_upload_media(request.user)
    form = MediaUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            _asset, job = services.media_upload(
                title=form.cleaned_data["title"], uploaded_file=form.cleaned_data["file"],
                episode_label=form.cleaned_data["episode_label"], user=request.user,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("The file was accepted; job #%(id)s is queued.")
                             % {"id": job.pk})
            return redirect("localization:job-list")
    return render(request, "localization/media_upload.html", {
        "form": form, "max_size": services.media_max_upload_size(),
    }, status=400 if form.errors else 200)


def demo_clip(request):
    check_can_upload_media(request.user)
    return FileResponse(DEMO_CLIP.open("rb"), as_attachment=True, filename=DEMO_CLIP.name,
                        content_type="audio/ogg")


@require_POST
def job_retry(request, job_id: int):
    job = get_object_or_404(LocalizationJob, pk=job_id)
    check_can_change_job(request.user, job)
    try:
        services.job_retry(job=job, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Job #%(id)s is queued again.") % {"id": job.pk})
    return redirect("localization:job-list")


@require_POST
def job_cancel(request, job_id: int):
    job = get_object_or_404(LocalizationJob, pk=job_id)
    check_can_change_job(request.user, job)
    try:
        services.job_cancel(job=job, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Job #%(id)s was cancelled.") % {"id": job.pk})
    return redirect("localization:job-list")


def track_detail(request, track_id: int):
    track = get_object_or_404(SubtitleTrack.objects.select_related("title", "media"),
                              pk=track_id)
    check_can_download_track(request.user, track)
    return render(request, "localization/track_detail.html", {
        "track": track, "cues": track.cues.order_by("index"), "formats": FORMATS,
    })


def track_download(request, track_id: int, fmt: str):
    track = get_object_or_404(SubtitleTrack.objects.select_related("title"), pk=track_id)
    check_can_download_track(request.user, track)
    try:
        filename, content_type, content = selectors.track_export(track=track, fmt=fmt)
    except LookupError:
        raise Http404(_("Unknown subtitle format.")) from None
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def track_import(request):
    check_can_upload_media(request.user)
    form = SubtitleImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
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
