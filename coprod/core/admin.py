"""The admin base class for objects that change only through the platform's services."""

from django.contrib import admin


class ServiceOnlyAdmin(admin.ModelAdmin):
    """Shown in the full admin for reference; changes go through the platform's pages,
    whose services validate them and record events."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
