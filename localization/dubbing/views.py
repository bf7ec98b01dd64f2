"""The dub section of a track: voice roles, building a dub, its audio."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coprod.core.http import ranged_file_response
from localization.delivery.models import DeliveryPackage
from localization.dubbing import services
from localization.dubbing.forms import DubForm, PackageForm
from localization.dubbing.models import DubTrack
from localization.permissions import DELIVERY_ROLES, check_can_dub, check_can_listen_to_dub
from localization.subtitles.disclosure import track_disclosure
from localization.subtitles.models import SubtitleTrack


def dubbing_track(request, track_id: int) -> SubtitleTrack:
    track = get_object_or_404(SubtitleTrack.objects.select_related("title", "media"),
                              pk=track_id)
    check_can_dub(request.user, track)
    return track


def refusal_message(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def dub_section(request, track_id: int):
    """The section, loaded into the track page and polled while work is running."""
    track = dubbing_track(request, track_id)
    roles = services.voice_roles_for(track=track)
    proposed = services.voice_roles_proposed(track=track)
    speakers = [{"name": speaker, "number": number,
                 "voice": roles.get(speaker) or proposed.get(speaker, ""),
                 "proposed": speaker in proposed}
                for number, speaker in enumerate(services.track_speakers(track=track))]
    dubs = list(track.dub_tracks.all()[:5])
    packages = list(DeliveryPackage.objects.filter(track__title=track.title,
                                                   language=track.language)
                    .select_related("licensee")[:10])
    return render(request, "localization/dubbing/section.html", {
        "track": track, "speakers": speakers,
        "voices": services.voices_for_language(track.language),
        "dubs": dubs, "latest_dub": dubs[0] if dubs else None, "packages": packages,
        "disclosure": track_disclosure(track),
        "dub_form": DubForm(), "package_form": PackageForm(),
        "can_deliver": request.user.has_role(*DELIVERY_ROLES),
        "polling": any(dub.is_active for dub in dubs) or any(
            package.is_active for package in packages),
    })


@require_POST
def voice_roles_save(request, track_id: int):
    track = dubbing_track(request, track_id)
    check_can_dub(request.user, track)
    speakers = services.track_speakers(track=track)
    try:
        for number, speaker in enumerate(speakers):
            voice_key = request.POST.get(f"voice-{number}", "")
            if voice_key != services.voice_roles_for(track=track).get(speaker, ""):
                services.voice_role_set(title=track.title, language=track.language,
                                        speaker=speaker, voice_key=voice_key,
                                        actor=request.user)
        messages.success(request, _("Voice roles saved for every episode of %(title)s.")
                         % {"title": track.title.root})
    except ValidationError as error:
        refusal_message(request, error)
    return redirect("localization:track-detail", track_id=track.pk)


@require_POST
def dub_build(request, track_id: int):
    track = dubbing_track(request, track_id)
    check_can_dub(request.user, track)
    form = DubForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("localization:track-detail", track_id=track.pk)
    try:
        services.dub_create(track=track, actor=request.user,
                            max_speedup=float(form.cleaned_data["max_speedup"]),
                            duck_original=form.cleaned_data["duck_original"])
        messages.success(request, _("The dub is queued; progress shows below."))
    except ValidationError as error:
        refusal_message(request, error)
    return redirect("localization:track-detail", track_id=track.pk)


def dub_audio(request, dub_id: int, kind: str):
    dub = get_object_or_404(DubTrack.objects.select_related("track"), pk=dub_id)
    check_can_listen_to_dub(request.user, dub)
    field = {"wav": dub.wav, "aac": dub.aac}.get(kind)
    if field is None or not field:
        raise Http404(_("This dub has no such audio file."))
    content_type = "audio/wav" if kind == "wav" else "audio/mp4"
    return ranged_file_response(request, field, content_type,
                                filename=field.name.rsplit("/", 1)[-1],
                                as_attachment=request.GET.get("download") == "1")
