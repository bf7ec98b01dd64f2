"""Running QA on a track, and checking one cue inline."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coprod.core.http import query_whole_number
from localization.permissions import check_can_check_quality
from localization.qa import services
from localization.subtitles.models import SubtitleTrack


@require_POST
def track_quality(request, track_id: int):
    """Whole-track QA runs on the cpu queue; the safe fixes run at once."""
    track = get_object_or_404(SubtitleTrack.objects.select_related("title"), pk=track_id)
    check_can_check_quality(request.user, track)
    if request.POST.get("action") == "fix":
        try:
            result = services.quality_fix_track(track=track, user=request.user)
        except PermissionDenied as denial:
            messages.error(request, str(denial))
            return redirect("localization:track-detail", track_id=track.pk)
        messages.success(request, _("%(fixed)d automatic fixes applied; %(left)d issues need "
                                    "a person.") % {"fixed": len(result.changes),
                                                   "left": len(result.remaining)})
    else:
        services.quality_check_enqueue(track=track, user=request.user)
        messages.info(request, _("The quality check is running."))
    return redirect("localization:track-detail", track_id=track.pk)


def cue_check(request, track_id: int, cue_id: int):
    """Inline QA of one cue, optionally with unsaved text and times (for the editor)."""
    from django.http import JsonResponse


    track = get_object_or_404(SubtitleTrack.objects.select_related("title"), pk=track_id)
    check_can_check_quality(request.user, track)
    cue = get_object_or_404(track.cues.select_related("source_cue", "track__title"),
                            pk=cue_id)

    def number(name):
        return query_whole_number(request.GET.get(name), max_digits=9)

    issues = services.quality_check_cue(cue=cue, text=request.GET.get("text"),
                                           start_ms=number("start_ms"),
                                           end_ms=number("end_ms"))
    return JsonResponse({"issues": [issue.as_dict() for issue in issues]})
