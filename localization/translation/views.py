"""Translating a track, the glossary and the translation memory pages."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coprod.catalog.models import Title
from localization.permissions import (
    check_can_edit_glossary,
    check_can_edit_memory,
    check_can_translate_track,
    check_can_view_localization,
)
from localization.subtitles.forms import text_upload_too_large
from localization.subtitles.models import SubtitleTrack
from localization.translation import glossary as translation_glossary
from localization.translation import memory as translation_memory
from localization.translation import services
from localization.translation.forms import GlossaryTermForm, MemoryImportForm
from localization.translation.models import TranslationMemoryEntry


@require_POST
def track_translate(request, track_id: int):
    track = get_object_or_404(SubtitleTrack.objects.select_related("title"), pk=track_id)
    check_can_translate_track(request.user, track)
    try:
        targets = services.track_translate(source_track=track, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Translation into %(languages)s is queued.")
                         % {"languages": ", ".join(target.language for target in targets)})
    return redirect("localization:track-detail", track_id=track.pk)


def glossary(request, title_id: int):
    check_can_view_localization(request.user)
    title = get_object_or_404(Title, pk=title_id)
    form = GlossaryTermForm(request.POST or None)
    if request.method == "POST":
        check_can_edit_glossary(request.user, title)
        if form.is_valid():
            try:
                translation_glossary.glossary_term_save(
                    title=title, source_term=form.cleaned_data["source_term"],
                    renderings=form.renderings(), kind=form.cleaned_data["kind"],
                    note=form.cleaned_data["note"], user=request.user)
                messages.success(request, _("The term is saved."))
                return redirect("localization:glossary", title_id=title.pk)
            except ValidationError as error:
                form.add_error(None, error)
    return render(request, "localization/glossary.html", {
        "title": title, "terms": translation_glossary.glossary_for(title), "form": form})


# A language code as the memory stores it: letters, digits and hyphens, within the column.
MEMORY_LANGUAGE = re.compile(r"[A-Za-z0-9_-]{1,16}")


def memory(request):
    check_can_view_localization(request.user)
    if request.GET.get("export") == "tmx":
        language = request.GET.get("language") or None
        if language is not None and not MEMORY_LANGUAGE.fullmatch(language):
            return render(request, "400.html", {"reason": _(
                "The export language must be a language code such as “ja” or “zh-Hant”.")},
                status=400)
        response = HttpResponse(translation_memory.memory_export_tmx(target_language=language),
                                content_type="application/x-tmx+xml")
        response["Content-Disposition"] = 'attachment; filename="translation-memory.tmx"'
        return response
    form = MemoryImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        check_can_edit_memory(request.user)
        if form.is_valid() and (too_large := text_upload_too_large(form.cleaned_data["file"])):
            form.add_error("file", too_large)
        elif form.is_valid():
            try:
                added = translation_memory.memory_import_tmx(data=form.cleaned_data["file"].read(),
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
