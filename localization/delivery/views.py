"""Requesting and downloading delivery packages."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coprod.core.http import ranged_file_response
from localization.delivery import services as delivery
from localization.delivery.models import DeliveryPackage
from localization.dubbing.forms import PackageForm
from localization.dubbing.views import dubbing_track, refusal_message
from localization.permissions import check_can_deliver, check_can_download_package


@require_POST
def package_build(request, track_id: int):
    track = dubbing_track(request, track_id)
    check_can_deliver(request.user)
    form = PackageForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("localization:track-detail", track_id=track.pk)
    data = form.cleaned_data
    try:
        delivery.package_create(
            title=track.title, language=track.language, licensee=data["licensee"],
            territory=data["territory"], media=data["media"], start=data["start"],
            end=data["end"] + dt.timedelta(days=1) if data["end"] else None,
            include_subtitles=data["include_subtitles"],
            include_dub=data["include_dub"], actor=request.user)
        messages.success(request, _("The rights are cleared; the package is being built."))
    except ValidationError as error:
        messages.error(request, _("No package: the venture's rights do not allow it."))
        refusal_message(request, error)
    return redirect("localization:track-detail", track_id=track.pk)


def package_download(request, package_id: int):
    package = get_object_or_404(DeliveryPackage.objects.select_related("track"), pk=package_id)
    check_can_download_package(request.user, package)
    if not package.file:
        raise Http404(_("This package is not built."))
    return ranged_file_response(request, package.file, "application/zip",
                                filename=package.file.name.rsplit("/", 1)[-1],
                                as_attachment=True)
