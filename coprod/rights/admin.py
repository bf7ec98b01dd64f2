"""Rights blocks in the full admin, read-only."""

from django.contrib import admin

from coprod.core.admin import ServiceOnlyAdmin
from coprod.rights.models import RightsBlock


@admin.register(RightsBlock)
class RightsBlockAdmin(ServiceOnlyAdmin):
    list_display = ("id", "direction", "title", "counterparty", "territory_expression",
                    "window", "exclusive")
    list_filter = ("direction", "exclusive")
    search_fields = ("contract_reference", "title__original_title", "title__romanized_title")
