"""Verify: read the Content Credentials of a dub's files or of a delivery package back,
check the signature and the hashes, and show who made what."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from coprod.core.http import ranged_file_response
from localization.credentials import services as credentials
from localization.delivery.models import DeliveryPackage
from localization.dubbing.models import DubTrack
from localization.permissions import check_can_download_package, check_can_listen_to_dub


def verification_context(results: list, *, subject: str) -> dict:
    return {"subject": subject, "results": results,
            "all_intact": bool(results) and all(result.verification.intact
                                                for result in results),
            "signer_status": credentials.signer_status()}


def dub_verify(request, dub_id: int):
    dub = get_object_or_404(DubTrack.objects.select_related("track__title"), pk=dub_id)
    check_can_listen_to_dub(request.user, dub)
    if dub.state != DubTrack.State.DONE:
        raise Http404(_("This dub is not finished."))
    context = verification_context(credentials.dub_verify(dub),
                                   subject=_("Dub #%(id)d of %(track)s")
                                   % {"id": dub.pk, "track": dub.track})
    return render(request, "localization/credentials/verify.html",
                  {**context, "back": ("localization:track-detail", dub.track_id)})


def package_verify(request, package_id: int):
    package = get_object_or_404(DeliveryPackage.objects.select_related("title", "licensee"),
                                pk=package_id)
    check_can_download_package(request.user, package)
    if not package.file:
        raise Http404(_("This package is not built."))
    context = verification_context(credentials.package_verify(package),
                                   subject=_("Delivery package #%(id)d for %(licensee)s")
                                   % {"id": package.pk, "licensee": package.licensee})
    return render(request, "localization/credentials/verify.html",
                  {**context, "back": ("localization:track-detail", package.track_id)})


def package_credentials_download(request, package_id: int):
    """The ZIP's sidecar manifest store (NAME.zip.c2pa), to verify the ZIP anywhere."""
    package = get_object_or_404(DeliveryPackage, pk=package_id)
    check_can_download_package(request.user, package)
    return credentials_file_response(request, package)


def credentials_file_response(request, package: DeliveryPackage):
    if not package.credentials_file:
        raise Http404(_("This package has no Content Credentials."))
    return ranged_file_response(request, package.credentials_file, "application/c2pa",
                                filename=package.credentials_file.name.rsplit("/", 1)[-1],
                                as_attachment=True)
