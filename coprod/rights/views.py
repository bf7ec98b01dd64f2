"""The rights pages: adding and deleting blocks, the avails search, EMA CSV export and
import."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coprod.accounts.permissions import CATALOG_ROLES, roles_required
from coprod.audit.models import Event
from coprod.catalog.models import Title
from coprod.core.forms import apply_validation_error
from coprod.core.http import query_whole_number
from coprod.core.uploads import too_large_message
from coprod.rights import ema_csv as rights_csv
from coprod.rights import selectors, services
from coprod.rights.avails import availability
from coprod.rights.avails_csv import avails_results_csv
from coprod.rights.forms import AvailsForm, RightsBlockForm, RightsImportForm, RightsTermsForm
from coprod.rights.models import RightsBlock


@roles_required(CATALOG_ROLES)
@require_http_methods(["GET", "POST"])
def rights_block_add(request, title_id: int, direction: str):
    title = get_object_or_404(Title, pk=title_id)
    initial = {key: request.GET.get(key) for key in ("territory_expression", "start",
                                                      "last_day") if request.GET.get(key)}
    for key in ("media", "languages", "language_kinds"):
        if request.GET.getlist(key):
            initial[key] = request.GET.getlist(key)
    if request.GET.get("exclusive"):
        initial["exclusive"] = True
    form = RightsBlockForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        arguments = {
            "actor": request.user, "title": title, "terms": form.terms(),
            "contract_reference": form.cleaned_data["contract_reference"],
            "notes": form.cleaned_data["notes"], "holdbacks": form.holdbacks(),
        }
        try:
            if direction == RightsBlock.Direction.IN:
                services.rights_in_add(licensor=form.cleaned_data["counterparty"],
                                              **arguments)
                messages.success(request, _("The rights in are recorded."))
            else:
                services.rights_out_grant(licensee=form.cleaned_data["counterparty"],
                                          **arguments)
                messages.success(request, _("The license is granted."))
            return redirect(f"{title.get_absolute_url()}?tab=rights")
        except services.RightsConflict as conflict:
            form.add_error(None, _("These rights cannot be granted:"))
            for reason in conflict.reasons:
                form.add_error(None, reason.text)
        except ValidationError as error:
            apply_validation_error(form, error)
    return render(request, "coprod/rights_form.html", {
        "form": form, "title": title, "direction": direction,
    })


@roles_required(CATALOG_ROLES)
def rights_block_history(request, block_id: int):
    """A rights block's own events (recorded, granted…), newest first."""
    block = get_object_or_404(RightsBlock.objects.select_related("title"), pk=block_id)
    return render(request, "coprod/rights_history.html", {
        "rights_block": block, "title": block.title,
        "events": Event.objects.about(block).select_related("actor")[:200]})


@roles_required(CATALOG_ROLES)
@require_POST
def rights_block_delete(request, block_id: int):
    block = get_object_or_404(RightsBlock, pk=block_id)
    title = block.title
    try:
        services.rights_block_delete(actor=request.user, block=block)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("Rights block #%(id)s is deleted.") % {"id": block_id})
    return redirect(f"{title.get_absolute_url()}?tab=rights")


def _avails_query(form):
    """The form's query, or None with the reason on the form."""
    try:
        return form.terms().query()
    except (ValidationError, ValueError) as error:
        if isinstance(error, ValidationError):
            apply_validation_error(form, error)
        else:
            form.add_error(None, str(error))
        return None


@roles_required(CATALOG_ROLES)
def avails(request):
    """What can be licensed: the avails search over chosen titles, a series' parts or the
    whole catalog, as pages, a per-country grid, or CSV."""
    form = AvailsForm(request.GET or None)
    search = None
    if form.is_bound and form.is_valid() and (query := _avails_query(form)) is not None:
        data = form.cleaned_data
        search = selectors.avails_search(
            query=query, title_ids=form.title_ids(), text=data["q"], genre=data["genre"],
            kind=data["kind"], year_from=data["year_from"], year_to=data["year_to"],
            include_parts=data["include_parts"], status=data["status"],
            sort=data["sort"] or "title",
            page=query_whole_number(request.GET.get("page"), 1, max_digits=6) or 1)
        if request.GET.get("format") == "csv":
            response = HttpResponse(avails_results_csv(search), content_type="text/csv")
            stamp = timezone.localdate().isoformat()
            response["Content-Disposition"] = f'attachment; filename="avails-{stamp}.csv"'
            return response
    view = form.cleaned_data.get("view") if form.is_bound and form.is_valid() else ""
    return render(request, "coprod/avails.html", {
        "form": form, "search": search, "view": view or "list",
        "results": search.page.object_list if search else None,
    })


@roles_required(CATALOG_ROLES)
def avails_title(request, title_id: int):
    """One title (a film, series, season or episode) asked on its own: the answer per
    country, as a table and a map."""
    title = get_object_or_404(Title.objects.select_related("parent__parent"), pk=title_id)
    form = RightsTermsForm(request.GET or None)
    answer = None
    if form.is_bound and form.is_valid() and (query := _avails_query(form)) is not None:
        answer = availability([title.pk], query)[title.pk]
    return render(request, "coprod/avails_title.html", {
        "form": form, "title": title, "answer": answer,
        "countries": answer.countries if answer else [],
    })


@roles_required(CATALOG_ROLES)
def rights_export(request):
    blocks = RightsBlock.objects.select_related("title", "counterparty").order_by("pk")
    title_id = query_whole_number(request.GET.get("title"))
    if title_id is not None:
        blocks = blocks.filter(title_id=title_id)
    response = HttpResponse(rights_csv.export_rights(blocks), content_type="text/csv")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="rights-{stamp}.csv"'
    return response


@roles_required(CATALOG_ROLES)
@require_http_methods(["GET", "POST"])
def rights_import(request):
    form = RightsImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.RIGHTS_IMPORT_MAX_SIZE:
            report = rights_csv.ImportReport(errors=[
                (0, too_large_message(upload.size, settings.RIGHTS_IMPORT_MAX_SIZE))])
        else:
            report = rights_csv.import_rights(actor=request.user, data=upload.read())
        if report.ok:
            messages.success(request, _("%(count)d rights blocks imported.")
                             % {"count": report.created})
            return redirect("catalog:rights-import")
    return render(request, "coprod/rights_import.html", {"form": form, "report": report})
