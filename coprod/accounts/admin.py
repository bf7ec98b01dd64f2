"""Users and companies in the full admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from coprod.accounts.models import Company, User


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
