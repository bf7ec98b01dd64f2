"""Agreements and revenue receipts in the full admin, read-only (changes go through the
services)."""

from django.contrib import admin

from coprod.agreements.models import (
    Agreement,
    Expense,
    IssuedStatement,
    Party,
    RevenueReceipt,
    WaterfallTier,
)
from coprod.core.admin import ServiceOnlyAdmin


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


@admin.register(RevenueReceipt)
class RevenueReceiptAdmin(ServiceOnlyAdmin):
    list_display = ("agreement", "period", "title", "territory", "amount", "currency")
    list_filter = ("period", "currency")


@admin.register(Expense)
class ExpenseAdmin(ServiceOnlyAdmin):
    list_display = ("agreement", "incurred_on", "payer", "description", "amount", "currency")
    list_filter = ("currency",)


@admin.register(IssuedStatement)
class IssuedStatementAdmin(ServiceOnlyAdmin):
    list_display = ("agreement", "number", "period", "terms_version", "issued_at")
