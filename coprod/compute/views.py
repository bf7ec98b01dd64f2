"""The compute pages: the cost dashboard with its charts and CSV exports, the budget holds
a rights manager decides, and the price and carbon versions an administrator adds."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from coprod.accounts.permissions import (
    CATALOG_ROLES,
    FINANCE_ROLES,
    SYSTEM_ROLES,
    roles_required,
)
from coprod.agreements.models import Agreement
from coprod.compute import selectors, services
from coprod.compute.forms import CarbonIntensityForm, PriceListForm, UsageFilterForm
from coprod.compute.models import CarbonIntensity, ComputeHold, ComputeUsage, PriceList
from coprod.core.spreadsheet import safe_cell

ROLLUP_GROUPS = ("stage", "month", "title", "language", "episode", "agreement")
GROUP_LABELS = (("stage", gettext_lazy("By stage")), ("month", gettext_lazy("By month")),
                ("title", gettext_lazy("By title")), ("language", gettext_lazy("By language")),
                ("episode", gettext_lazy("By episode")),
                ("agreement", gettext_lazy("By agreement")))


def filtered_usage(form: UsageFilterForm) -> QuerySet[ComputeUsage]:
    """The usage the dashboard's filters pick (all of it when the form is not valid)."""
    usage = ComputeUsage.objects.all()
    if not form.is_valid():
        return usage
    data = form.cleaned_data
    zone = timezone.get_current_timezone()
    if data.get("month_from"):
        usage = usage.filter(started_at__gte=dt.datetime.combine(
            data["month_from"], dt.time(), tzinfo=zone))
    if data.get("month_to"):
        end = data["month_to"]
        after = dt.date(end.year + end.month // 12, end.month % 12 + 1, 1)
        usage = usage.filter(started_at__lt=dt.datetime.combine(after, dt.time(), tzinfo=zone))
    if data.get("stage"):
        usage = usage.filter(stage=data["stage"])
    if data.get("title"):
        usage = usage.filter(title_id__in=selectors.title_family_ids([data["title"].pk]))
    return usage


def _agreements_rows(usage: QuerySet[ComputeUsage]) -> list[selectors.Rollup]:
    rows = []
    for agreement in Agreement.objects.exclude(status=Agreement.Status.TERMINATED):
        covered = selectors.title_family_ids(agreement.titles.values_list("pk", flat=True))
        row = selectors.total(usage.filter(title_id__in=covered))
        if row.tasks:
            row.key, row.label = agreement.pk, str(agreement)
            rows.append(row)
    return rows


@roles_required(FINANCE_ROLES)
def dashboard(request):
    form = UsageFilterForm(request.GET or None)
    usage = filtered_usage(form)
    context = {"form": form, "query": request.GET.urlencode(),
               **selectors.report(usage, groups=("stage", "month", "title", "language")),
               "by_agreement": _agreements_rows(usage),
               "holds": selectors.pending_holds(),
               # Finance sees the holds; a rights manager releases or refuses them.
               "holds_read_only": not request.user.has_role(*CATALOG_ROLES),
               "budgets": selectors.budget_statuses(),
               "groups": GROUP_LABELS}
    return render(request, "coprod/compute/dashboard.html", context)


def _csv_response(rows: list[list], name: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{timezone.localdate().isoformat()}.csv"')
    return response


USAGE_COLUMNS = (
    "id", "started_at", "task", "stage", "outcome", "attempt", "run_type", "run_id", "title_id",
    "title", "episode", "language", "content_key", "content_seconds", "media_seconds",
    "worker", "site", "device", "gpu_name", "wall_seconds", "cpu_seconds", "gpu_seconds",
    "peak_memory_bytes", "cpu_energy_joules", "gpu_energy_joules", "energy_joules",
    "energy_source", "energy_note", "models", "price_list", "carbon_intensity", "currency",
    "cpu_cost", "gpu_cost", "energy_cost", "cost", "emissions_g_co2e")


@roles_required(FINANCE_ROLES)
def usage_csv(request):
    """Every measured task attempt the filters pick, every figure exact."""
    form = UsageFilterForm(request.GET or None)
    usage = (filtered_usage(form).select_related("title", "price_list", "carbon_intensity")
             .order_by("started_at", "pk"))
    rows: list[list] = [list(USAGE_COLUMNS)]
    for item in usage.iterator(chunk_size=2000):
        rows.append([
            item.pk, item.started_at.isoformat(), item.task, item.stage, item.outcome,
            item.attempt, item.run_type, item.run_id, item.title_id, str(item.title),
            item.episode, item.language, item.content_key, item.content_seconds,
            item.media_seconds, item.worker, item.site, item.device, item.gpu_name,
            item.wall_seconds, item.cpu_seconds, item.gpu_seconds, item.peak_memory_bytes,
            item.cpu_energy_joules, item.gpu_energy_joules, item.energy_joules,
            item.energy_source, item.energy_note, "; ".join(item.models_used),
            f"{item.price_list.site} v{item.price_list.version}" if item.price_list else "",
            (f"{item.carbon_intensity.site} v{item.carbon_intensity.version}"
             if item.carbon_intensity else ""),
            item.currency, _blank(item.cpu_cost), _blank(item.gpu_cost),
            _blank(item.energy_cost), _blank(item.cost), _blank(item.emissions_grams)])
    return _csv_response(rows, "ai-compute-usage")


def _blank(value):
    return "" if value is None else value


@roles_required(FINANCE_ROLES)
def rollup_csv(request):
    by = request.GET.get("by", "stage")
    if by not in ROLLUP_GROUPS:
        by = "stage"
    form = UsageFilterForm(request.GET or None)
    usage = filtered_usage(form)
    rows = (_agreements_rows(usage) if by == "agreement" else selectors.rollup(usage, by=by))
    table: list[list] = [[by, "tasks", "unpriced_tasks", "content_minutes", "wall_seconds",
                          "cpu_seconds", "gpu_seconds", "energy_kwh",
                          "energy_estimated_tasks", "emissions_g_co2e", "currency", "cost",
                          "cost_per_content_minute"]]
    for row in rows:
        table.append([row.label, row.tasks, row.unpriced, row.content_minutes,
                      row.wall_seconds, row.cpu_seconds, row.gpu_seconds, row.energy_kwh,
                      row.estimated_energy_tasks, row.emissions_grams, row.currency, row.cost,
                      _blank(row.cost_per_minute)])
    return _csv_response(table, f"ai-compute-by-{by}")


@roles_required(CATALOG_ROLES)
@require_POST
def hold_decide(request, hold_id: int):
    hold = get_object_or_404(ComputeHold, pk=hold_id)
    release = request.POST.get("decision") == "release"
    try:
        services.hold_decide(actor=request.user, hold=hold, release=release)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The run is queued.") if release else
                         _("The run is refused and cancelled."))
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure())
    return redirect(target if safe and target.startswith("/") else "compute:dashboard")


@roles_required(FINANCE_ROLES)
@require_http_methods(["GET", "POST"])
def prices(request):
    may_add = request.user.has_role(*SYSTEM_ROLES)
    price_form = PriceListForm(request.POST if request.POST.get("form") == "prices" else None,
                               prefix="prices")
    carbon_form = CarbonIntensityForm(
        request.POST if request.POST.get("form") == "carbon" else None, prefix="carbon")
    if request.method == "POST":
        if not may_add:
            raise PermissionDenied(_("Only an administrator adds prices and carbon figures."))
        form = price_form if request.POST.get("form") == "prices" else carbon_form
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if form is price_form:
                    created = services.price_list_create(
                        actor=request.user, currency=_currency(), **data)
                else:
                    created = services.carbon_intensity_create(actor=request.user, **data)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("%(version)s is added.") % {"version": created})
                return redirect("compute:prices")
    context = {"price_lists": PriceList.objects.prefetch_related("gpu_prices"),
               "intensities": CarbonIntensity.objects.all(), "may_add": may_add,
               "price_form": price_form, "carbon_form": carbon_form}
    return render(request, "coprod/compute/prices.html", context)


def _currency() -> str:
    return settings.COMPUTE_CURRENCY


def title_context(title) -> dict:
    """The title page's AI compute tab."""
    usage = selectors.usage_for_title(title)
    family = selectors.title_family_ids([title.pk])
    return {**selectors.report(usage, groups=("stage", "month", "language", "episode",
                                              "title")),
            "budgets": selectors.budget_status_for(title),
            "holds": selectors.pending_holds(titles=family)}


def agreement_context(agreement) -> dict:
    """The agreement page's AI compute tab."""
    usage = selectors.usage_for_agreement(agreement)
    return {**selectors.report(usage, groups=("stage", "month", "title", "language")),
            "budgets": selectors.budget_status_of_agreement(agreement),
            "holds": selectors.pending_holds(agreement=agreement)}
