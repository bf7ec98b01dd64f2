"""The AI model and dataset registry in the full admin; every change is an audit event."""

from django.contrib import admin

from coprod.audit.models import Event
from coprod.audit.services import event_record, snapshot
from coprod.registry.models import AIModel, Consent


@admin.register(AIModel)
class AIModelAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "kind", "licence", "sha256")
    list_filter = ("kind", "licence")
    search_fields = ("name", "sha256")

    def save_model(self, request, obj, form, change):
        """Registry entries (licences, checksums) are part of the licensing
        promise: every change is an event with the values before and after."""

        before = snapshot(AIModel.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        action = Event.Action.AI_MODEL_CHANGED if change else Event.Action.AI_MODEL_ADDED
        event_record(actor=request.user, action=action, instance=obj, before=before,
                     after=snapshot(obj))


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """Read-only here: consents are recorded and revoked on the registry pages, where the
    scope is checked and every change is an event."""

    list_display = ("id", "model", "kind", "holder", "valid_from", "valid_until", "revoked_at")
    list_filter = ("kind", "revoked_at")
    search_fields = ("holder", "document", "model__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
