"""Forms for rights terms, avails queries and CSV imports."""

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coprod.accounts.models import Company
from coprod.catalog.models import Genre, Title
from coprod.rights.services import HoldbackTerms, RightsTerms
from coprod.rights.vocabulary import (
    ALL_MEDIA,
    ExclusivityScope,
    Language,
    LanguageKind,
    Media,
    TerritoryError,
    expand_territories,
)

MEDIA_CHOICES = [(ALL_MEDIA, _("All media")), *Media.choices]


class RightsTermsForm(forms.Form):
    """Territory, media, languages and window; the end date is the last day, inclusive."""

    territory_expression = forms.CharField(
        label=_("Territory"), max_length=500,
        help_text=_("ISO 3166 codes or groups (WORLD, ASIA, EAST_ASIA, GREATER_CHINA, "
                    "SOUTHEAST_ASIA); a leading minus excludes, e.g. “WORLD -KR”."))
    media = forms.MultipleChoiceField(label=_("Media"), choices=MEDIA_CHOICES,
                                      widget=forms.CheckboxSelectMultiple)
    languages = forms.MultipleChoiceField(label=_("Languages"), choices=Language.choices,
                                          widget=forms.CheckboxSelectMultiple)
    language_kinds = forms.MultipleChoiceField(label=_("Versions"),
                                               choices=LanguageKind.choices,
                                               widget=forms.CheckboxSelectMultiple)
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Until (last day)"), required=False,
                               help_text=_("Leave empty for an open-ended window."),
                               widget=forms.DateInput(attrs={"type": "date"}))
    exclusive = forms.BooleanField(label=_("Exclusive"), required=False)
    exclusivity_scope = forms.ChoiceField(
        label=_("Exclusive per"), choices=ExclusivityScope.choices, required=False,
        initial=ExclusivityScope.TERRITORY_MEDIUM, widget=forms.RadioSelect)

    def clean(self):
        cleaned = super().clean()
        start, last_day = cleaned.get("start"), cleaned.get("last_day")
        if start and last_day and last_day < start:
            self.add_error("last_day", _("The window must end after it starts."))
        if last_day == dt.date.max:
            self.add_error("last_day", _("Leave the last day empty for an open-ended window."))
        territory = cleaned.get("territory_expression")
        if territory:
            try:
                expand_territories(territory)
            except TerritoryError as error:
                self.add_error("territory_expression", str(error))
        return cleaned

    def terms(self) -> RightsTerms:
        data = self.cleaned_data
        last_day = data.get("last_day")
        return RightsTerms(
            territory_expression=data["territory_expression"], media=tuple(data["media"]),
            languages=tuple(data["languages"]), language_kinds=tuple(data["language_kinds"]),
            start=data["start"], end=last_day + dt.timedelta(days=1) if last_day else None,
            exclusive=data.get("exclusive", False),
            exclusivity_scope=data.get("exclusivity_scope") or ExclusivityScope.TERRITORY_MEDIUM)


class RightsBlockForm(RightsTermsForm):
    counterparty = forms.ModelChoiceField(label=_("Counterparty"),
                                          queryset=Company.objects.all())
    contract_reference = forms.CharField(label=_("Contract reference"), max_length=120)
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    holdback_territory = forms.CharField(label=_("Holdback territory"), required=False)
    holdback_media = forms.MultipleChoiceField(label=_("Holdback media"), required=False,
                                               choices=MEDIA_CHOICES,
                                               widget=forms.CheckboxSelectMultiple)
    holdback_start = forms.DateField(label=_("Holdback from"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    holdback_last_day = forms.DateField(label=_("Holdback until (last day)"), required=False,
                                        widget=forms.DateInput(attrs={"type": "date"}))
    holdback_description = forms.CharField(label=_("Holdback description"), required=False)

    field_order = ["counterparty", "contract_reference"]

    def clean(self):
        cleaned = super().clean()
        holdback = [cleaned.get("holdback_territory"), cleaned.get("holdback_media"),
                    cleaned.get("holdback_start")]
        if any(holdback) and not all(holdback):
            self.add_error("holdback_territory", _("A holdback needs a territory, media and "
                                                   "a start date."))
        if cleaned.get("holdback_last_day") == dt.date.max:
            self.add_error("holdback_last_day",
                           _("Leave the last day empty for an open-ended holdback."))
        return cleaned

    def holdbacks(self) -> list[HoldbackTerms]:
        data = self.cleaned_data
        if not data.get("holdback_territory"):
            return []
        last_day = data.get("holdback_last_day")
        return [HoldbackTerms(
            territory_expression=data["holdback_territory"], media=tuple(data["holdback_media"]),
            start=data["holdback_start"],
            end=last_day + dt.timedelta(days=1) if last_day else None,
            description=data.get("holdback_description", ""))]


class AvailsForm(RightsTermsForm):
    titles = forms.ModelMultipleChoiceField(
        label=_("Titles"), required=False,
        queryset=Title.objects.filter(parent__isnull=True),
        widget=forms.SelectMultiple(attrs={"size": 8}))
    genre = forms.ModelChoiceField(label=_("or every title of the genre"), required=False,
                                   queryset=Genre.objects.all())
    series = forms.ModelChoiceField(
        label=_("or every season and episode of the series"), required=False,
        queryset=Title.objects.filter(kind=Title.Kind.SERIES))

    field_order = ["titles", "genre", "series"]

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("titles") or cleaned.get("genre") or cleaned.get("series")):
            raise forms.ValidationError(_("Choose titles, a genre or a series."))
        return cleaned

    def title_ids(self) -> list[int]:
        data = self.cleaned_data
        ids = [title.pk for title in data.get("titles") or []]
        if data.get("genre"):
            ids += list(data["genre"].titles.order_by("romanized_title")
                        .values_list("pk", flat=True))
        if data.get("series"):
            series = data["series"]
            ids += [series.pk, *Title.objects.filter(
                Q(parent=series) | Q(parent__parent=series)).values_list("pk", flat=True)]
        return list(dict.fromkeys(ids))


class RightsImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
