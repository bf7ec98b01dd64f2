"""The AI model and dataset registry in the full admin; every change is an audit event."""

from django.contrib import admin

from coprod.audit.models import Event
from coprod.audit.services import event_record, snapshot
from coprod.registry.models import AIModel


@admin.register(AIModel)
class AIModelAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "kind", "licence", "sha256")
    list_filter = ("kind", "licence")
    search_fields = ("name", "sha256")

    def save_model(self, request, obj, form, change):
        """Registry entries (licences, checksums, voice consent) are part of the licensing
        promise: every change is an event with the values before and after."""

        before = snapshot(AIModel.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        action = Event.Action.AI_MODEL_CHANGED if change else Event.Action.AI_MODEL_ADDED
        event_record(actor=request.user, action=action, instance=obj, before=before,
                     after=snapshot(obj))
