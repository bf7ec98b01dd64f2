from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from coprod.models import (
    Agreement,
    AIModel,
    Company,
    Event,
    Party,
    RevenueReceipt,
    RightsBlock,
    Title,
    User,
    WaterfallTier,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Platform"), {"fields": ("company", "time_zone")}),
    )
    list_display = ("username", "email", "company", "is_staff", "is_active")
    list_filter = ("groups", "company", "is_staff", "is_active")


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country")
    list_filter = ("kind",)
    search_fields = ("name",)


class ServiceOnlyAdmin(admin.ModelAdmin):
    """Shown in the full admin for reference; changes go through the platform's pages,
    whose services validate them and record events."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Title)
class TitleAdmin(ServiceOnlyAdmin):

    list_display = ("original_title", "romanized_title", "english_title", "kind", "year")
    list_filter = ("kind",)
    search_fields = ("original_title", "romanized_title", "english_title")


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    fields = ("company", "role", "share_percentage", "signatory")


class TierInline(admin.TabularInline):
    model = WaterfallTier
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(ServiceOnlyAdmin):
    list_display = ("reference", "name", "status", "version", "currency")
    list_filter = ("status", "currency")
    search_fields = ("reference", "name")
    inlines = [PartyInline, TierInline]


@admin.register(RightsBlock)
class RightsBlockAdmin(ServiceOnlyAdmin):
    list_display = ("id", "direction", "title", "counterparty", "territory_expression",
                    "window", "exclusive")
    list_filter = ("direction", "exclusive")
    search_fields = ("contract_reference", "title__original_title", "title__romanized_title")


@admin.register(RevenueReceipt)
class RevenueReceiptAdmin(ServiceOnlyAdmin):
    list_display = ("agreement", "period", "title", "territory", "amount", "currency")
    list_filter = ("period", "currency")


@admin.register(Event)
class EventAdmin(ServiceOnlyAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)


@admin.register(AIModel)
class AIModelAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "kind", "licence", "sha256")
    list_filter = ("kind", "licence")
    search_fields = ("name", "sha256")

    def save_model(self, request, obj, form, change):
        """Registry entries (licences, checksums, voice consent) are part of the licensing
        promise: every change is an event with the values before and after."""
        from coprod.services import event_record, snapshot

        before = snapshot(AIModel.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        event_record(actor=request.user, action="ai_model.changed" if change
                     else "ai_model.added", instance=obj, before=before, after=snapshot(obj))
