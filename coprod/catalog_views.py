"""Catalog and rights pages for rights managers. Thin: forms in, services and selectors."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coprod import rights_csv, selectors, services
from coprod.avails import availability
from coprod.filters import TitleFilter
from coprod.forms import AvailsForm, CreditForm, RightsBlockForm, RightsImportForm, TitleForm
from coprod.models import Credit, RightsBlock, Title
from coprod.permissions import CATALOG_ROLES, roles_required

TABS = ("metadata", "credits", "rights", "media", "localization", "history")


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


@roles_required(CATALOG_ROLES)
def title_list(request):
    title_filter = TitleFilter(request.GET or None,
                               queryset=Title.objects.prefetch_related("genres"))
    titles = title_filter.qs if title_filter.is_bound else title_filter.queryset.filter(
        parent__isnull=True)
    return render(request, "coprod/title_list.html", {
        "filter": title_filter, "titles": titles.order_by("romanized_title", "number")[:500],
    })


@roles_required(CATALOG_ROLES)
def title_detail(request, title_id: int):
    try:
        title = selectors.title_detail(title_id=title_id)
    except Title.DoesNotExist:
        raise Http404(_("No such title.")) from None
    tab = request.GET.get("tab", "metadata")
    tab = tab if tab in TABS else "metadata"
    context = {"title": title, "tab": tab, "tabs": TABS}
    if tab == "credits":
        context["credit_form"] = CreditForm()
    if tab == "rights":
        blocks = list(selectors.title_rights_blocks(title=title))
        context["blocks"] = blocks
        context["timeline"] = selectors.title_timeline(title=title, blocks=blocks)
    if tab == "media":
        context["media_assets"] = title.media_assets.select_related("uploaded_by")
    if tab == "localization":
        context["tracks"] = title.subtitle_tracks.order_by("language", "-version")
        context["jobs"] = [job for asset in title.media_assets.prefetch_related("jobs")
                           for job in asset.jobs.all()]
    if tab == "history":
        context["events"] = selectors.title_events(title=title)
    return render(request, "coprod/title_detail.html", context)


@roles_required(CATALOG_ROLES)
@require_http_methods(["GET", "POST"])
def title_edit(request, title_id: int | None = None):
    title = get_object_or_404(Title, pk=title_id) if title_id else None
    form = TitleForm(request.POST or None, instance=title,
                     initial={"parent": request.GET.get("parent")} if not title else None)
    if request.method == "POST" and form.is_valid():
        try:
            if title is None:
                title = services.title_create(actor=request.user, data=form.model_data(),
                                              genres=form.cleaned_data["genres"],
                                              localizations=form.localizations())
                messages.success(request, _("The title is added to the catalog."))
            else:
                services.title_update(actor=request.user, title=title, data=form.model_data(),
                                      genres=form.cleaned_data["genres"],
                                      localizations=form.localizations())
                messages.success(request, _("The title is saved."))
            return redirect("catalog:title-detail", title_id=title.pk)
        except ValidationError as error:
            _apply_errors(form, error)
    return render(request, "coprod/title_form.html", {"form": form, "title": title})


@roles_required(CATALOG_ROLES)
@require_POST
def credit_add(request, title_id: int):
    title = get_object_or_404(Title, pk=title_id)
    form = CreditForm(request.POST)
    if form.is_valid():
        try:
            services.credit_add(actor=request.user, title=title, **form.cleaned_data)
            messages.success(request, _("The credit is added."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("The credit was not added: %(errors)s")
                       % {"errors": form.errors.as_text()})
    return redirect(f"{title.get_absolute_url()}?tab=credits")


@roles_required(CATALOG_ROLES)
@require_POST
def credit_remove(request, credit_id: int):
    credit = get_object_or_404(Credit, pk=credit_id)
    title = credit.title
    services.credit_remove(actor=request.user, credit=credit)
    messages.success(request, _("The credit is removed."))
    return redirect(f"{title.get_absolute_url()}?tab=credits")


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
                services.rights_in_add(licensor=form.cleaned_data["counterparty"], **arguments)
                messages.success(request, _("The rights in are recorded."))
            else:
                services.rights_out_grant(licensee=form.cleaned_data["counterparty"],
                                          **arguments)
                messages.success(request, _("The license is granted."))
            return redirect(f"{title.get_absolute_url()}?tab=rights")
        except services.RightsConflict as conflict:
            form.add_error(None, _("These rights cannot be granted:"))
            for reason in conflict.reasons:
                form.add_error(None, f"{reason.message} ({reason.start} – "
                                     f"{reason.end or _('open-ended')})")
        except ValidationError as error:
            _apply_errors(form, error)
    return render(request, "coprod/rights_form.html", {
        "form": form, "title": title, "direction": direction,
    })


@roles_required(CATALOG_ROLES)
@require_POST
def rights_block_delete(request, block_id: int):
    block = get_object_or_404(RightsBlock, pk=block_id)
    title = block.title
    services.rights_block_delete(actor=request.user, block=block)
    messages.success(request, _("Rights block #%(id)s is deleted.") % {"id": block_id})
    return redirect(f"{title.get_absolute_url()}?tab=rights")


@roles_required(CATALOG_ROLES)
def avails(request):
    form = AvailsForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        ids = form.title_ids()
        answers = availability(ids, form.terms().query())
        titles = Title.objects.in_bulk(ids)
        results = [(titles[title_id], answers[title_id]) for title_id in ids]
    return render(request, "coprod/avails.html", {
        "form": form, "results": results, "query_string": request.GET.urlencode(),
    })


@roles_required(CATALOG_ROLES)
def rights_export(request):
    blocks = RightsBlock.objects.select_related("title", "counterparty").order_by("pk")
    if request.GET.get("title", "").isdigit():
        blocks = blocks.filter(title_id=request.GET["title"])
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
        if upload.size > rights_csv.MAX_IMPORT_BYTES:
            report = rights_csv.ImportReport(errors=[(0, _("The file is too large."))])
        else:
            report = rights_csv.import_rights(actor=request.user, data=upload.read())
        if report.ok:
            messages.success(request, _("%(count)d rights blocks imported.")
                             % {"count": report.created})
            return redirect("catalog:rights-import")
    return render(request, "coprod/rights_import.html", {"form": form, "report": report})
