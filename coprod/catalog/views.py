"""The catalog pages: title list, a title's tabs, editing titles and credits."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coprod.accounts.permissions import CATALOG_ROLES, roles_required
from coprod.catalog import selectors, services
from coprod.catalog.filters import TitleFilter
from coprod.catalog.forms import CreditForm, TitleForm
from coprod.catalog.models import Credit, Title
from coprod.compute import views as compute_views
from coprod.core.forms import apply_validation_error
from coprod.rights import selectors as rights_selectors

TABS = ("metadata", "credits", "rights", "media", "localization", "compute", "history")


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
        blocks = list(rights_selectors.title_rights_blocks(title=title))
        context["blocks"] = blocks
        context["timeline"] = rights_selectors.title_timeline(title=title, blocks=blocks)
    if tab == "media":
        context["media_assets"] = title.media_assets.select_related("uploaded_by")
    if tab == "localization":
        context["tracks"] = title.subtitle_tracks.order_by("language", "-version")
        context["jobs"] = [job for asset in title.media_assets.prefetch_related("jobs")
                           for job in asset.jobs.all()]
    if tab == "compute":
        context.update(compute_views.title_context(title))
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
                services.title_update(
                    actor=request.user, title=title, data=form.model_data(),
                    genres=form.cleaned_data["genres"], localizations=form.localizations())
                messages.success(request, _("The title is saved."))
            return redirect("catalog:title-detail", title_id=title.pk)
        except ValidationError as error:
            apply_validation_error(form, error)
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
