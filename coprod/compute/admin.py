"""The compute records in the full admin, for reference: prices and carbon versions are
added on the compute pages (``coprod.compute.views.prices``), whose services check and
record them; usage rows are written by the workers; holds are decided on the dashboard."""

from django.contrib import admin

from coprod.compute.models import CarbonIntensity, ComputeHold, ComputeUsage, PriceList
from coprod.core.admin import ServiceOnlyAdmin


@admin.register(PriceList)
class PriceListAdmin(ServiceOnlyAdmin):
    list_display = ("site", "version", "effective_from", "currency", "cpu_hour", "kwh",
                    "source", "source_date")
    list_filter = ("site",)


@admin.register(CarbonIntensity)
class CarbonIntensityAdmin(ServiceOnlyAdmin):
    list_display = ("site", "version", "effective_from", "grams_per_kwh", "source",
                    "source_date")
    list_filter = ("site",)


@admin.register(ComputeUsage)
class ComputeUsageAdmin(ServiceOnlyAdmin):
    list_display = ("started_at", "task", "stage", "outcome", "title", "language", "worker",
                    "wall_seconds", "cpu_seconds", "gpu_seconds", "energy_joules", "cost",
                    "currency")
    list_filter = ("stage", "task", "outcome", "site", "device")
    search_fields = ("run_id", "worker")


@admin.register(ComputeHold)
class ComputeHoldAdmin(ServiceOnlyAdmin):
    list_display = ("created_at", "task", "run_id", "title", "agreement", "estimate", "spent",
                    "budget", "state", "decided_by")
    list_filter = ("state",)
