"""The forms of the compute pages: the dashboard's filters, and new price and carbon
versions."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from coprod.catalog.models import Title
from coprod.compute.models import PRICE_PLACES, Stage, site_code_validator

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    match = MONTH.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise forms.ValidationError(_("Give the month as YYYY-MM, e.g. 2026-11."),
                                    code=field)
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


class UsageFilterForm(forms.Form):
    """Which tasks a report covers: months from and to (inclusive), a stage, a title."""

    month_from = forms.CharField(label=_("From month"), required=False, max_length=7,
                                 widget=forms.TextInput(attrs={"placeholder": "2026-01"}))
    month_to = forms.CharField(label=_("To month"), required=False, max_length=7,
                               widget=forms.TextInput(attrs={"placeholder": "2026-12"}))
    stage = forms.ChoiceField(label=_("Stage"), required=False,
                              choices=[("", _("All stages")), *Stage.choices])
    title = forms.ModelChoiceField(label=_("Title"), required=False,
                                   queryset=Title.objects.filter(parent__isnull=True))

    def clean_month_from(self):
        return _month(self.cleaned_data["month_from"], "month_from")

    def clean_month_to(self):
        return _month(self.cleaned_data["month_to"], "month_to")

    def clean(self):
        data = super().clean()
        start, end = data.get("month_from"), data.get("month_to")
        if start and end and end < start:
            raise forms.ValidationError(_("The last month comes before the first."))
        return data


def price_field(label) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=Decimal(0), max_digits=24,
                              decimal_places=PRICE_PLACES)


class SiteVersionForm(forms.Form):
    """The fields every versioned figure of a site has."""

    site = forms.CharField(label=_("Site"), max_length=40, validators=[site_code_validator],
                           initial=lambda: settings.COMPUTE_SITE)
    source = forms.CharField(label=_("Source"), max_length=300)
    source_date = forms.DateField(label=_("Source date"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
    effective_from = forms.DateTimeField(
        label=_("In force from"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now. Never in the past."))


class PriceListForm(SiteVersionForm):
    field_order = ["site", "cpu_hour", "kwh", "gpu_hours"]
    cpu_hour = price_field(_("Price per CPU core-hour"))
    kwh = price_field(_("Price per kWh"))
    gpu_hours = forms.CharField(
        label=_("Price per GPU-hour"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One card per line: the name NVML reports = the price per hour, e.g. "
                    "NVIDIA H200 = 3.50"))

    def clean_gpu_hours(self) -> dict[str, Decimal]:
        prices: dict[str, Decimal] = {}
        for number, line in enumerate(self.cleaned_data["gpu_hours"].splitlines(), start=1):
            if not line.strip():
                continue
            card, _sep, price = line.rpartition("=")
            try:
                amount = Decimal(price.strip())
            except InvalidOperation:
                amount = None
            if not card.strip() or amount is None or not amount.is_finite() or amount < 0:
                raise forms.ValidationError(
                    _("Line %(line)d: write the card, an equals sign and the price per hour.")
                    % {"line": number})
            if amount != amount.quantize(Decimal(1).scaleb(-PRICE_PLACES)):
                raise forms.ValidationError(_("Line %(line)d: at most %(places)d decimals.")
                                            % {"line": number, "places": PRICE_PLACES})
            if card.strip().casefold() in {name.casefold() for name in prices}:
                raise forms.ValidationError(_("Line %(line)d: this card is priced twice.")
                                            % {"line": number})
            prices[card.strip()[:100]] = amount
        return prices


class CarbonIntensityForm(SiteVersionForm):
    field_order = ["site", "grams_per_kwh"]
    grams_per_kwh = forms.DecimalField(label=_("g CO2e per kWh"), min_value=Decimal(0),
                                       max_digits=10, decimal_places=3)
