"""Titles in the full admin, read-only."""

from django.contrib import admin

from coprod.catalog.models import Title
from coprod.core.admin import ServiceOnlyAdmin


@admin.register(Title)
class TitleAdmin(ServiceOnlyAdmin):

    list_display = ("original_title", "romanized_title", "english_title", "kind", "year")
    list_filter = ("kind",)
    search_fields = ("original_title", "romanized_title", "english_title")
