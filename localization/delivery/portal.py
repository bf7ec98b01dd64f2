"""Deliverables in the partner portal: approved subtitle tracks of the partner's titles
and the delivery packages built for its company, registered on the portal's admin site.

The portal itself (the site, its agreements and titles) belongs to the business side
(``coprod.portal``); the pipeline adds its deliverables to it, so that the business
apps never import the pipeline.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coprod.core.http import ranged_file_response
from coprod.portal.site import ReadOnlyPortalAdmin, partner_portal, portal_company
from localization.access import covered_titles
from localization.credentials import services as credentials
from localization.credentials.views import credentials_file_response, verification_context
from localization.delivery.models import DeliveryPackage
from localization.subtitles.cues import SubtitleExportError
from localization.subtitles.disclosure import track_disclosure
from localization.subtitles.formats import FORMATS
from localization.subtitles.models import SubtitleTrack
from localization.subtitles.selectors import track_export


@admin.register(SubtitleTrack, site=partner_portal)
class PortalSubtitleTrackAdmin(ReadOnlyPortalAdmin):
    """Subtitle tracks of the partner's titles, as deliverables it can download."""

    list_display = ("title", "language", "version", "source", "disclosure", "created_at",
                    "downloads")
    list_filter = ("language",)
    fields = ("title", "language", "version", "source", "disclosure", "created_at")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("Disclosure"))
    def disclosure(self, track):
        """Machine-made, machine-made and revised by a person, or made by a person; with
        the count of each when the cues differ."""
        found = track_disclosure(track)
        if not found.exceptions:
            return found.label
        counts = found.as_dict()["cues"]
        return format_html("{} <small>({})</small>", found.label, _(
            "cues: %(machine)d machine-made, %(machine_revised)d revised by a person, "
            "%(human)d made by a person") % counts)

    def get_queryset(self, request):
        company = portal_company(request)
        if company is None:
            return SubtitleTrack.objects.none()
        # Approved tracks of the titles (and their seasons and episodes) that the
        # partner's executed agreements cover.
        return (SubtitleTrack.objects.select_related("title")
                .filter(review_state=SubtitleTrack.ReviewState.APPROVED,
                        title__in=covered_titles(company.pk).values("pk")))

    @admin.display(description=gettext_lazy("Download"))
    def downloads(self, track):
        return format_html_join(" · ", '<a href="{}">{}</a>', (
            (reverse("partner_portal:localization_subtitletrack_download",
                     args=[track.pk, code]), spec[0])
            for code, spec in FORMATS.items()))

    def history_view(self, request, object_id, extra_context=None):
        raise Http404(_("No history is shown for deliverables."))

    def get_urls(self):
        return [path("<path:object_id>/download/<str:fmt>/",
                     self.admin_site.admin_view(self.download_view),
                     name="localization_subtitletrack_download"),
                *super().get_urls()]

    def download_view(self, request, object_id, fmt):
        track = self.get_object(request, object_id)
        if track is None or fmt not in FORMATS:
            raise Http404(_("No such deliverable among your company's titles."))
        try:
            filename, content_type, content = track_export(track=track, fmt=fmt)
        except SubtitleExportError as error:  # ASS past 9:59:59.99: say so, no server error
            messages.error(request, str(error))
            return redirect(reverse("partner_portal:localization_subtitletrack_changelist"))
        response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@admin.register(DeliveryPackage, site=partner_portal)
class PortalDeliveryPackageAdmin(ReadOnlyPortalAdmin):
    """Delivery packages built for the partner's company, as downloadable deliverables."""

    list_display = ("title", "language", "territory_expression", "window_start",
                    "window_end", "disclosure", "created_at", "download")
    list_filter = ("language",)
    fields = ("title", "language", "territory_expression", "media", "window_start",
              "window_end", "include_subtitles", "include_dub", "disclosure", "sha256",
              "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        company = portal_company(request)
        if company is None:
            return DeliveryPackage.objects.none()
        # Only finished packages licensed to the partner's own company.
        return (DeliveryPackage.objects.select_related("title")
                .filter(licensee=company, state=DeliveryPackage.State.DONE))

    @admin.display(description=gettext_lazy("Disclosure"))
    def disclosure(self, package):
        found = (package.manifest or {}).get("provenance", {}).get("disclosure", {})
        parts = [found[part]["label"] for part in ("words", "speech") if part in found]
        return " · ".join(parts) or "—"

    @admin.display(description=gettext_lazy("Download"))
    def download(self, package):
        links = format_html('<a href="{}">{}</a>', reverse(
            "partner_portal:localization_deliverypackage_download", args=[package.pk]),
            _("ZIP"))
        if package.credentials_file:
            links += format_html(' · <a href="{}">.c2pa</a>', reverse(
                "partner_portal:localization_deliverypackage_credentials", args=[package.pk]))
        return links + format_html(' · <a href="{}">{}</a>', reverse(
            "partner_portal:localization_deliverypackage_verify", args=[package.pk]),
            _("Verify"))

    def history_view(self, request, object_id, extra_context=None):
        raise Http404(_("No history is shown for deliverables."))

    def get_urls(self):
        return [path("<path:object_id>/download/",
                     self.admin_site.admin_view(self.download_view),
                     name="localization_deliverypackage_download"),
                path("<path:object_id>/verify/", self.admin_site.admin_view(self.verify_view),
                     name="localization_deliverypackage_verify"),
                path("<path:object_id>/credentials/",
                     self.admin_site.admin_view(self.credentials_view),
                     name="localization_deliverypackage_credentials"),
                *super().get_urls()]

    def _own_package(self, request, object_id) -> DeliveryPackage:
        package = self.get_object(request, object_id)
        if package is None or not package.file:
            raise Http404(_("No such delivery package for your company."))
        return package

    def verify_view(self, request, object_id):
        """Read the package's Content Credentials back and show who made what."""
        package = self._own_package(request, object_id)
        context = {**self.admin_site.each_context(request), "opts": self.opts,
                   "original": package, "package": package,
                   "title": _("Content Credentials of %(package)s") % {"package": package},
                   **verification_context(credentials.package_verify(package),
                                          subject=str(package))}
        return TemplateResponse(request, "localization/portal/verify.html", context)

    def credentials_view(self, request, object_id):
        return credentials_file_response(request, self._own_package(request, object_id))

    def download_view(self, request, object_id):
        package = self._own_package(request, object_id)
        return ranged_file_response(request, package.file, "application/zip",
                                    filename=package.file.name.rsplit("/", 1)[-1],
                                    as_attachment=True)
