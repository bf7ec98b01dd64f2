from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coprod.accounts.permissions import roles_required
from coprod.catalog.selectors import title_list
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
    form = MediaUploadForm(request.POST or None, request.FILES or None,
                           initial={"title": request.GET.get("title")})
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
    from localization import translation

    track = get_object_or_404(SubtitleTrack.objects.select_related("title", "media",
                                                                   "source_track"),
                              pk=track_id)
    check_can_download_track(request.user, track)
    cues = track.cues.select_related("source_cue").order_by("index")
    try:
        engine_text = translation.engine_description()
    except Exception as error:  # a misconfigured engine is shown, not hidden
        engine_text = _("Translation engine not usable: %(error)s") % {"error": error}
    return render(request, "localization/track_detail.html", {
        "track": track, "cues": cues, "formats": FORMATS,
        "translations": track.translations.order_by("language", "-version"),
        "engine_description": engine_text,
        "state_counts": selectors.cue_state_counts(track=track),
        "error_count": sum(1 for cue in cues for issue in cue.qa_issues
                           if issue.get("severity") == "error"),
    })


def track_download(request, track_id: int, fmt: str):
    from localization import translation

    track = get_object_or_404(SubtitleTrack.objects.select_related("title"), pk=track_id)
    check_can_download_track(request.user, track)
    if fmt not in FORMATS:
        raise Http404(_("Unknown subtitle format."))
    if track.source == SubtitleTrack.Source.TRANSLATION and request.GET.get("force") != "1":
        blockers = translation.export_blockers(track=track)
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
    check_can_upload_media(request.user)
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


# --- translation, QA, glossary, translation memory -------------------------------------------

@require_POST
def track_translate(request, track_id: int):
    from localization import translation

    track = get_object_or_404(SubtitleTrack.objects.select_related("title"), pk=track_id)
    check_can_upload_media(request.user)
    try:
        targets = translation.track_translate(source_track=track, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Translation into %(languages)s is queued.")
                         % {"languages": ", ".join(target.language for target in targets)})
    return redirect("localization:track-detail", track_id=track.pk)


@require_POST
def track_quality(request, track_id: int):
    """Whole-track QA runs on the cpu queue; the safe fixes run at once."""
    from localization import translation
    from localization.tasks import check_track_quality

    track = get_object_or_404(SubtitleTrack.objects.select_related("title"), pk=track_id)
    check_can_upload_media(request.user)
    if request.POST.get("action") == "fix":
        try:
            result = translation.quality_fix_track(track=track, user=request.user)
        except PermissionDenied as denial:
            messages.error(request, str(denial))
            return redirect("localization:track-detail", track_id=track.pk)
        messages.success(request, _("%(fixed)d automatic fixes applied; %(left)d issues need "
                                    "a person.") % {"fixed": len(result.changes),
                                                   "left": len(result.remaining)})
    else:
        check_track_quality.apply_async(args=[track.pk])
        messages.info(request, _("The quality check is running."))
    return redirect("localization:track-detail", track_id=track.pk)


def cue_check(request, track_id: int, cue_id: int):
    """Inline QA of one cue, optionally with unsaved text and times (for the editor)."""
    from django.http import JsonResponse

    from localization import translation

    track = get_object_or_404(SubtitleTrack.objects.select_related("title"), pk=track_id)
    check_can_download_track(request.user, track)
    cue = get_object_or_404(track.cues.select_related("source_cue", "track__title"),
                            pk=cue_id)

    def number(name):
        value = request.GET.get(name)
        return int(value) if value and value.isdigit() else None

    issues = translation.quality_check_cue(cue=cue, text=request.GET.get("text"),
                                           start_ms=number("start_ms"),
                                           end_ms=number("end_ms"))
    return JsonResponse({"issues": [issue.as_dict() for issue in issues]})


def glossary(request, title_id: int):
    from coprod.catalog.models import Title
    from localization import translation
    from localization.forms import GlossaryTermForm

    check_can_view_localization(request.user)
    title = get_object_or_404(Title, pk=title_id)
    form = GlossaryTermForm(request.POST or None)
    if request.method == "POST":
        check_can_upload_media(request.user)
        if form.is_valid():
            try:
                translation.glossary_term_save(
                    title=title, source_term=form.cleaned_data["source_term"],
                    renderings=form.renderings(), kind=form.cleaned_data["kind"],
                    note=form.cleaned_data["note"])
                messages.success(request, _("The term is saved."))
                return redirect("localization:glossary", title_id=title.pk)
            except ValidationError as error:
                form.add_error(None, error)
    return render(request, "localization/glossary.html", {
        "title": title, "terms": translation.glossary_for(title), "form": form})


def memory(request):
    from localization import translation
    from localization.forms import MemoryImportForm
    from localization.models import TranslationMemoryEntry

    check_can_view_localization(request.user)
    if request.GET.get("export") == "tmx":
        response = HttpResponse(translation.memory_export_tmx(
            target_language=request.GET.get("language") or None),
            content_type="application/x-tmx+xml")
        response["Content-Disposition"] = 'attachment; filename="translation-memory.tmx"'
        return response
    form = MemoryImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        check_can_upload_media(request.user)
        if form.is_valid() and (too_large := text_upload_too_large(form.cleaned_data["file"])):
            form.add_error("file", too_large)
        elif form.is_valid():
            try:
                added = translation.memory_import_tmx(data=form.cleaned_data["file"].read(),
                                                      user=request.user)
                messages.success(request, _("%(count)d translation pairs imported.")
                                 % {"count": added})
                return redirect("localization:memory")
            except ValidationError as error:
                form.add_error("file", error)
    from django.db.models import Count

    counts = (TranslationMemoryEntry.objects.values("source_language", "target_language")
              .annotate(entries=Count("id")).order_by("target_language"))
    return render(request, "localization/memory.html", {"counts": counts, "form": form})


def text_upload_too_large(upload) -> str:
    """The refusal for a subtitle or TMX file over TEXT_MAX_UPLOAD_SIZE, else ""."""
    from django.conf import settings

    limit = settings.TEXT_MAX_UPLOAD_SIZE
    if upload.size <= limit:
        return ""
    return _("The file is %(size)d MB; the largest accepted is %(limit)d MB.") % {
        "size": upload.size // 1024**2, "limit": limit // 1024**2}
