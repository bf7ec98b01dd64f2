import datetime as dt

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coprod.models import Company, Credit, Genre, Title, User
from coprod.services import HoldbackTerms, RightsTerms
from coprod.vocabulary import (
    ALL_MEDIA,
    Language,
    LanguageKind,
    Media,
    TerritoryError,
    expand_territories,
)


class PreferencesForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "time_zone"]


# --- Catalog ------------------------------------------------------------------------

LOCALIZED_LANGUAGES = [("ja", _("Japanese")), ("zh-Hans", _("Chinese (Simplified)")),
                       ("th", _("Thai")), ("en", _("English"))]


class TitleForm(forms.ModelForm):
    class Meta:
        model = Title
        fields = ["kind", "parent", "number", "original_title", "romanized_title",
                  "english_title", "year", "runtime_minutes", "original_language", "genres",
                  "synopsis"]
        widgets = {"genres": forms.CheckboxSelectMultiple,
                   "synopsis": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Title.objects.filter(
            kind__in=[Title.Kind.SERIES, Title.Kind.SEASON]).select_related("parent")
        instance = kwargs.get("instance")
        existing = {item.language: item for item in instance.localizations.all()} if (
            instance and instance.pk) else {}
        for code, label in LOCALIZED_LANGUAGES:
            current = existing.get(code)
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": label}, required=False,
                initial=current.localized_title if current else "")
            self.fields[f"synopsis_{code}"] = forms.CharField(
                label=_("Synopsis (%(language)s)") % {"language": label}, required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=current.synopsis if current else "")

    def localizations(self) -> dict[str, dict]:
        return {code: {"title": self.cleaned_data.get(f"title_{code}", ""),
                       "synopsis": self.cleaned_data.get(f"synopsis_{code}", "")}
                for code, _label in LOCALIZED_LANGUAGES}

    def model_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "genres"}

    def _post_clean(self):
        # Validation of the model happens in the service, with the hierarchy rules.
        pass


class CreditForm(forms.Form):
    person_name = forms.CharField(label=_("Name (Korean)"), max_length=200)
    romanized_name = forms.CharField(label=_("Romanized name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Credit.Role.choices)
    character = forms.CharField(label=_("Character"), max_length=200, required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0)


# --- Rights -------------------------------------------------------------------------

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

    def clean(self):
        cleaned = super().clean()
        start, last_day = cleaned.get("start"), cleaned.get("last_day")
        if start and last_day and last_day < start:
            self.add_error("last_day", _("The window must end after it starts."))
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
            exclusive=data.get("exclusive", False))


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
