"""Filters of the API's lists that no page has (the title list reuses the catalog's)."""

import django_filters

from coprod.accounts.models import Company
from coprod.agreements.models import Agreement
from coprod.catalog.models import Title
from coprod.rights.models import RightsBlock


class RightsBlockFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(choices=RightsBlock.Direction.choices)
    title = django_filters.ModelChoiceFilter(queryset=Title.objects.all(),
                                             help_text="Blocks recorded on this title itself")
    counterparty = django_filters.ModelChoiceFilter(queryset=Company.objects.all())
    exclusive = django_filters.BooleanFilter()

    class Meta:
        model = RightsBlock
        fields = ["direction", "title", "counterparty", "exclusive"]


class AgreementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Agreement.Status.choices)
    reference = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Agreement
        fields = ["status", "reference"]
