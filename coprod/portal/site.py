"""The partner portal: a separate Django admin site for partner-studio users.

A partner sees only its own company's agreements, the titles they cover, its statements
and deliverables. Everything is read-only except approving an agreement the partner's
signatory is party to, and uploading documents to it. Every queryset is narrowed to the
user's company, so another partner's object is simply not found.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coprod.accounts.roles import Role
from coprod.agreements import services as agreement_services
from coprod.agreements.documents import statement_download, waterfall_chart
from coprod.agreements.forms import DocumentForm
from coprod.agreements.models import Agreement
from coprod.agreements.statements import agreement_statement, agreement_statements
from coprod.catalog.models import Title
from coprod.catalog.permissions import titles_visible_to
from coprod.compute import selectors as compute_selectors
from coprod.core.admin import ServiceOnlyAdmin
from coprod.core.http import ranged_file_response


def portal_company(request):
    user = request.user
    if user.is_active and user.is_authenticated and user.has_role(Role.PARTNER_STUDIO) \
            and user.company_id:
        return user.company
    return None


class PartnerPortalSite(admin.AdminSite):
    site_header = gettext_lazy("Partner portal")
    site_title = gettext_lazy("Partner portal")
    index_title = gettext_lazy("Your company's agreements, titles, statements and deliverables")
    enable_nav_sidebar = False

    def has_permission(self, request) -> bool:
        return portal_company(request) is not None

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            raise PermissionDenied(_("The partner portal is for partner-studio users linked "
                                     "to a partner company."))
        return redirect_to_login(request.get_full_path())

    def get_urls(self):
        """The admin's "view on site" shortcut, narrowed to the partner's own objects."""
        urls = [url for url in super().get_urls() if getattr(url, "name", "") != "view_on_site"]
        return [path("r/<int:content_type_id>/<path:object_id>/",
                     self.admin_view(self.view_on_site), name="view_on_site"), *urls]

    def view_on_site(self, request, content_type_id: int, object_id: str):
        """Redirect to an object's page only if the partner may see it here; another
        partner's object is not found, exactly like a missing one."""
        content_type = ContentType.objects.filter(pk=content_type_id).first()
        model_admin = self._registry.get(content_type.model_class()) if content_type else None
        if model_admin is None or model_admin.get_object(request, object_id) is None:
            raise Http404(_("No such object among your company's."))
        return contenttype_views.shortcut(request, content_type_id, object_id)

    def each_context(self, request):
        context = super().each_context(request)
        company = portal_company(request)
        context["portal_company"] = company
        return context


partner_portal = PartnerPortalSite(name="partner_portal")


class ReadOnlyPortalAdmin(ServiceOnlyAdmin):
    """View-only for the user's own company; no add, change or delete."""

    actions = None

    def has_module_permission(self, request) -> bool:
        return portal_company(request) is not None

    def has_view_permission(self, request, obj=None) -> bool:
        return portal_company(request) is not None


@admin.register(Agreement, site=partner_portal)
class PortalAgreementAdmin(ReadOnlyPortalAdmin):
    list_display = ("reference", "name", "status", "version", "currency")
    list_filter = ("status",)
    fields = ("reference", "name", "status", "version", "currency", "term_start", "term_end",
              "territory_expression", "titles", "approved_models", "notes")
    change_form_template = "coprod/portal/agreement_change_form.html"

    def get_queryset(self, request):
        company = portal_company(request)
        if company is None:
            return Agreement.objects.none()
        return Agreement.objects.filter(parties__company=company).distinct()

    def _own(self, request, object_id) -> Agreement:
        agreement = self.get_object(request, object_id)
        if agreement is None:
            raise Http404(_("No such agreement among your company's agreements."))
        return agreement

    def change_view(self, request, object_id, form_url="", extra_context=None):
        agreement = self._own(request, object_id)
        company = portal_company(request)
        party = agreement.parties.filter(company=company).first()
        approvals = agreement.approvals.filter(version=agreement.version,
                                               withdrawn_at__isnull=True)

        statements = agreement_statements(agreement)
        extra_context = {
            **(extra_context or {}),
            "party": party,
            "can_approve": (agreement.status == Agreement.Status.AWAITING_APPROVALS
                            and party is not None and party.signatory_id == request.user.pk
                            and not approvals.filter(party=party).exists()),
            "approved_parties": [approval.party.company.name for approval in
                                 approvals.select_related("party__company")],
            "documents": agreement.documents.all(),
            "document_form": DocumentForm(),
            # A partner sees issued statements; drafts are the venture's working figures.
            "periods": [] if isinstance(statements, str) else
            [entry.period for entry in statements if entry.issued is not None],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        agreement = self._own(request, object_id)
        context = {**self.admin_site.each_context(request), "agreement": agreement,
                   "events": agreement.events.select_related("actor"),
                   "title": _("History of %(agreement)s") % {"agreement": agreement},
                   "opts": self.opts}
        return TemplateResponse(request, "coprod/portal/agreement_history.html", context)

    def get_urls(self):
        own = [
            path("<path:object_id>/upload/", self.admin_site.admin_view(self.upload_view),
                 name="coprod_agreement_upload"),
            path("<path:object_id>/documents/<int:document_id>/",
                 self.admin_site.admin_view(self.document_view),
                 name="coprod_agreement_document"),
            path("<path:object_id>/statements/<str:period>/",
                 self.admin_site.admin_view(self.statement_view),
                 name="coprod_agreement_statement"),
            path("<path:object_id>/compute/", self.admin_site.admin_view(self.compute_view),
                 name="coprod_agreement_compute"),
            path("<path:object_id>/statements/<str:period>/csv/",
                 self.admin_site.admin_view(self.statement_csv_view),
                 name="coprod_agreement_statement_csv"),
            path("<path:object_id>/statements/<str:period>/pdf/",
                 self.admin_site.admin_view(self.statement_pdf_view),
                 name="coprod_agreement_statement_pdf"),
        ]
        return own + super().get_urls()

    def compute_view(self, request, object_id):
        """The AI compute report of one of the partner's agreements: what the work on the
        titles it covers used and cost, and spent against its AI compute budget."""
        agreement = self._own(request, object_id)
        usage = compute_selectors.usage_for_agreement(agreement)
        context = {**self.admin_site.each_context(request), "agreement": agreement,
                   "title": _("AI compute of %(agreement)s") % {"agreement": agreement},
                   "opts": self.opts, "original": agreement,
                   "budgets": compute_selectors.budget_status_of_agreement(agreement),
                   **compute_selectors.report(usage, groups=("stage", "month", "language"))}
        return TemplateResponse(request, "coprod/portal/compute.html", context)

    def upload_view(self, request, object_id):
        agreement = self._own(request, object_id)
        if agreement.status == Agreement.Status.TERMINATED:
            raise PermissionDenied(_("A terminated agreement takes no more documents."))
        if request.method != "POST":
            return redirect("partner_portal:coprod_agreement_change", agreement.pk)
        form = DocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                agreement_services.agreement_document_add(
                    actor=request.user, agreement=agreement, upload=form.cleaned_data["file"])
                messages.success(request, _("The document is attached."))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        else:
            messages.error(request, form.errors.as_text())
        return redirect("partner_portal:coprod_agreement_change", agreement.pk)

    def document_view(self, request, object_id, document_id):
        from django.shortcuts import get_object_or_404


        agreement = self._own(request, object_id)
        document = get_object_or_404(agreement.documents, pk=document_id)
        return ranged_file_response(request, document.file, "application/octet-stream",
                                    filename=document.name, as_attachment=True)

    def _statement(self, request, object_id, period):
        agreement = self._own(request, object_id)
        entry = agreement_statement(agreement, period)
        company = portal_company(request)
        if entry is None or entry.issued is None or company.name not in entry.parties:
            raise Http404(_("No statement for your company in this period."))
        return agreement, entry, company.name

    def statement_view(self, request, object_id, period):
        agreement, entry, party = self._statement(request, object_id, period)
        statement = entry.statement
        context = {**self.admin_site.each_context(request), "agreement": agreement,
                   "statement": statement, "entry": entry, "party": party,
                   "chart": waterfall_chart(statement, party=party),
                   "pdf_url": reverse("partner_portal:coprod_agreement_statement_pdf",
                                      args=[agreement.pk, period]),
                   "party_lines": statement.for_party(party), "opts": self.opts,
                   "payout": statement.payout(party),
                   "csv_url": reverse("partner_portal:coprod_agreement_statement_csv",
                                      args=[agreement.pk, period]),
                   "title": _("Statement %(period)s") % {"period": period}}
        return TemplateResponse(request, "coprod/portal/statement.html", context)

    def statement_csv_view(self, request, object_id, period):
        agreement, entry, party = self._statement(request, object_id, period)
        return statement_download(entry, agreement=agreement, party=party, kind="csv")

    def statement_pdf_view(self, request, object_id, period):
        agreement, entry, party = self._statement(request, object_id, period)
        return statement_download(entry, agreement=agreement, party=party, kind="pdf")


@admin.register(Title, site=partner_portal)
class PortalTitleAdmin(ReadOnlyPortalAdmin):
    list_display = ("original_title", "romanized_title", "kind", "year")
    fields = ("kind", "parent", "number", "original_title", "romanized_title",
              "english_title", "year", "runtime_minutes", "synopsis")

    def get_queryset(self, request):
        # The one rule the pages and the API share: covered titles with their seasons
        # and episodes.
        if portal_company(request) is None:
            return Title.objects.none()
        return titles_visible_to(request.user)

    def history_view(self, request, object_id, extra_context=None):
        # Title history includes rights with other licensees: not for partners.
        if self.get_object(request, object_id) is None:
            raise Http404(_("No such title among your company's titles."))
        raise PermissionDenied(_("The history of a title is kept for the venture's rights "
                                 "managers."))
