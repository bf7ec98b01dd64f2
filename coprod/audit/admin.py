"""The audit log in the full admin, read-only."""

from django.contrib import admin

from coprod.audit.models import Event
from coprod.core.admin import ServiceOnlyAdmin


@admin.register(Event)
class EventAdmin(ServiceOnlyAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)
