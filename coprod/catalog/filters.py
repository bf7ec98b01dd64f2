"""The catalog's search and filters."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coprod.catalog.models import Genre, Title


class TitleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Title.Kind.choices)
    genre = django_filters.ModelChoiceFilter(label=_("Genre"), queryset=Genre.objects.all(),
                                             field_name="genres")
    year_from = django_filters.NumberFilter(label=_("Year from"), field_name="year",
                                            lookup_expr="gte")
    year_to = django_filters.NumberFilter(label=_("Year to"), field_name="year",
                                          lookup_expr="lte")
    include_parts = django_filters.BooleanFilter(label=_("Include seasons and episodes"),
                                                 method="parts")

    class Meta:
        model = Title
        fields = ["q", "kind", "genre", "year_from", "year_to"]

    def search(self, queryset, name, value):
        """Korean, romanized, English and localized titles, and people in the credits."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(original_title__icontains=value)
            | Q(localizations__localized_title__icontains=value)
            | Q(credits__person__name__icontains=value)
            | Q(credits__person__romanized_name__icontains=value)
            | Q(romanized_title__icontains=value)
            | Q(english_title__icontains=value)
        ).distinct()

    def parts(self, queryset, name, value):
        return queryset if value else queryset.filter(parent__isnull=True)

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.cleaned_data.get("include_parts"):
            queryset = queryset.filter(parent__isnull=True)
        return queryset
