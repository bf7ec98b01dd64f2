"""The media upload page and the demo clip."""

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from localization.media import services
from localization.media.forms import MediaUploadForm
from localization.permissions import (
    check_can_upload_media,
)
from localization.transcription import services as transcription_services

DEMO_CLIP = Path(__file__).resolve().parent.parent / "demo_media" / "korean-demo.ogg"


def media_upload(request):
    check_can_upload_media(request.user)
    form = MediaUploadForm(request.POST or None, request.FILES or None,
                           initial={"title": request.GET.get("title")})
    if request.method == "POST" and form.is_valid():
        try:
            _asset, job = transcription_services.media_transcribe(
                title=form.cleaned_data["title"], uploaded_file=form.cleaned_data["file"],
                episode_label=form.cleaned_data["episode_label"], user=request.user,
                speakers_requested=form.cleaned_data["speakers"],
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
