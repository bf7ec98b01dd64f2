"""Forms for rights terms, avails queries and CSV imports."""

import datetime as dt
import re

from django import forms
from django.db.models import Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from coprod.accounts.models import Company
from coprod.catalog.models import Genre, Title
from coprod.core.http import query_whole_number
from coprod.rights.avails import Status
from coprod.rights.services import HoldbackTerms, RightsTerms
from coprod.rights.vocabulary import (
    ALL_MEDIA,
    ExclusivityScope,
    Language,
    LanguageError,
    LanguageKind,
    Media,
    TerritoryError,
    expand_territories,
    normalize_language,
)

MEDIA_CHOICES = [(ALL_MEDIA, _("All media")), *Media.choices]
_LANGUAGE_SEPARATORS = re.compile(r"[,;\s]+")
MAX_LANGUAGES = 60


class LanguageCodesWidget(forms.TextInput):
    """Language codes in one box ("ja, th, yue") or as repeated parameters
    (``languages=ja&languages=th``, as links and older forms send them), with the common
    languages suggested."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        return value if isinstance(value, list) else [value] if value else []

    def value_omitted_from_data(self, data, files, name):
        return name not in data

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["list"] = f"{context['widget']['attrs'].get('id', name)}-codes"
        return context

    def render(self, name, value, attrs=None, renderer=None):
        box = super().render(name, value, attrs, renderer)
        list_id = f"{(attrs or {}).get('id', name)}-codes"
        options = format_html_join("", '<option value="{}">{}</option>', [
            ("all", _("All languages")), *((code, f"{label} ({code})")
                                           for code, label in Language.choices)])
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)


class LanguageCodesField(forms.Field):
    """Any ISO 639 languages (``ja``, ``jpn``, ``yue``, ``zh-Hans``, ``es-419``), or "all";
    cleaned to the stored codes (``jpn`` -> ``ja``, ``all`` -> ``*``)."""

    widget = LanguageCodesWidget
    default_error_messages = {
        "required": _("Give at least one language, or “all”."),
        "too_many": _("Give at most %(limit)d languages."),
    }

    def to_python(self, value) -> list[str]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        words = []
        for item in values:
            if item is None:
                continue
            words += [word for word in _LANGUAGE_SEPARATORS.split(str(item)[:2000]) if word]
        return words

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def clean(self, value):
        words = self.to_python(value)
        self.validate(words)
        if len(words) > MAX_LANGUAGES:
            raise forms.ValidationError(self.error_messages["too_many"] % {
                "limit": MAX_LANGUAGES}, code="too_many")
        codes, errors = [], []
        for word in words:
            try:
                code = normalize_language(word)
            except LanguageError as error:
                errors.append(str(error))
                continue
            if code not in codes:
                codes.append(code)
        if errors:
            raise forms.ValidationError(errors)
        return codes


class RightsTermsForm(forms.Form):
    """Territory, media, languages and window; the end date is the last day, inclusive."""

    territory_expression = forms.CharField(
        label=_("Territory"), max_length=500,
        help_text=_("ISO 3166 codes or groups (WORLD, ASIA, EAST_ASIA, GREATER_CHINA, "
                    "SOUTHEAST_ASIA); a leading minus excludes, e.g. “WORLD -KR”."))
    media = forms.MultipleChoiceField(label=_("Media"), choices=MEDIA_CHOICES,
                                      widget=forms.CheckboxSelectMultiple)
    languages = LanguageCodesField(
        label=_("Languages"),
        help_text=_("ISO 639 codes, comma-separated (ja, th, yue, zh-Hans, es-419…), or "
                    "“all” for every language."))
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and not self.data.get("exclusivity_scope"):
            # Show (and use) the usual scope when a link or an older form leaves it out.
            self.data = self.data.copy()
            self.data["exclusivity_scope"] = ExclusivityScope.TERRITORY_MEDIUM

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
    holdback_languages = LanguageCodesField(
        label=_("Holdback languages"), required=False,
        help_text=_("Empty: the holdback applies to every language."))
    holdback_language_kinds = forms.MultipleChoiceField(
        label=_("Holdback versions"), required=False, choices=LanguageKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Empty: every version of the holdback's languages."))
    holdback_start = forms.DateField(label=_("Holdback from"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    holdback_last_day = forms.DateField(label=_("Holdback until (last day)"), required=False,
                                        widget=forms.DateInput(attrs={"type": "date"}))
    holdback_not_before = forms.DateField(
        label=_("…or not before"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The first day these rights may be exploited; the holdback has no start "
                    "of its own."))
    holdback_description = forms.CharField(label=_("Holdback description"), required=False,
                                           max_length=300)

    field_order = ["counterparty", "contract_reference"]

    def clean(self):
        cleaned = super().clean()
        not_before = cleaned.get("holdback_not_before")
        when = cleaned.get("holdback_start") or not_before
        holdback = [cleaned.get("holdback_territory"), cleaned.get("holdback_media"), when]
        if any(holdback) and not all(holdback):
            self.add_error("holdback_territory", _("A holdback needs a territory, media and "
                                                   "a start date or a “not before” day."))
        if not_before and (cleaned.get("holdback_start") or cleaned.get("holdback_last_day")):
            self.add_error("holdback_not_before", _("Give either a period (from, until) or a "
                                                    "“not before” day, not both."))
        if cleaned.get("holdback_last_day") == dt.date.max or not_before == dt.date.max:
            self.add_error("holdback_last_day",
                           _("Leave the last day empty for an open-ended holdback."))
        if (cleaned.get("holdback_language_kinds") and cleaned.get("holdback_territory")
                and not cleaned.get("holdback_languages")):
            self.add_error("holdback_languages", _("Name the languages of these versions."))
        return cleaned

    def holdbacks(self) -> list[HoldbackTerms]:
        data = self.cleaned_data
        if not data.get("holdback_territory"):
            return []
        if data.get("holdback_not_before"):
            start, end = None, data["holdback_not_before"]
        else:
            last_day = data.get("holdback_last_day")
            start, end = data["holdback_start"], (last_day + dt.timedelta(days=1)
                                                  if last_day else None)
        return [HoldbackTerms(
            territory_expression=data["holdback_territory"], media=tuple(data["holdback_media"]),
            start=start, end=end, description=data.get("holdback_description", ""),
            languages=tuple(data.get("holdback_languages") or ()),
            language_kinds=tuple(data.get("holdback_language_kinds") or ()))]


class ChosenTitlesWidget(forms.CheckboxSelectMultiple):
    """Only the titles already chosen (from a title's page or a result), as boxes to
    untick: a catalog of ten thousand titles is searched with the filters, not a list."""


SORTS = [
    ("title", _("Title")),
    ("year", _("Year, newest first")),
    ("status", _("Answer, available first")),
    ("free", _("Most free time first")),
]
VIEWS = [("list", _("List")), ("countries", _("Per country"))]


class AvailsForm(RightsTermsForm):
    """An avails query and the titles it asks about: chosen titles, a series' parts, or
    the catalog (filtered by genre, year, kind and name) by default."""

    titles = forms.ModelMultipleChoiceField(
        label=_("Chosen titles"), required=False,
        queryset=Title.objects.all(), widget=ChosenTitlesWidget)
    series = forms.ModelChoiceField(
        label=_("or every season and episode of the series"), required=False,
        queryset=Title.objects.filter(kind=Title.Kind.SERIES))
    q = forms.CharField(label=_("Title contains"), required=False, max_length=200)
    genre = forms.ModelChoiceField(label=_("Genre"), required=False,
                                   queryset=Genre.objects.all())
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[
        ("", _("Films and series")), (Title.Kind.FILM, Title.Kind.FILM.label),
        (Title.Kind.SERIES, Title.Kind.SERIES.label)])
    year_from = forms.IntegerField(label=_("Year from"), required=False, min_value=1880,
                                   max_value=2200)
    year_to = forms.IntegerField(label=_("Year to"), required=False, min_value=1880,
                                 max_value=2200)
    include_parts = forms.BooleanField(label=_("List each season and episode"),
                                       required=False)
    status = forms.ChoiceField(label=_("Show"), required=False, choices=[
        ("", _("Every answer")), (Status.AVAILABLE, _("Available")),
        (Status.PARTIAL, _("Partly available")), (Status.UNAVAILABLE, _("Not available"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)
    view = forms.ChoiceField(label=_("View"), required=False, choices=VIEWS,
                             widget=forms.HiddenInput)

    field_order = ["titles", "series"]
    RIGHTS_FIELDS = ("territory_expression", "media", "languages", "language_kinds", "start",
                     "last_day", "exclusive", "exclusivity_scope")
    TITLE_FIELDS = ("q", "genre", "kind", "year_from", "year_to", "include_parts", "series",
                    "status", "sort")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = []
        if self.is_bound and hasattr(self.data, "getlist"):
            chosen = [number for number in (query_whole_number(value) for value in
                                            self.data.getlist("titles")[:500])
                      if number is not None]
        titles = (Title.objects.filter(pk__in=chosen).select_related("parent__parent")
                  if chosen else [])
        self.fields["titles"].widget.choices = [(title.pk, str(title)) for title in titles]

    def rights_fields(self):
        return [self[name] for name in self.RIGHTS_FIELDS]

    def title_fields(self):
        return [self[name] for name in self.TITLE_FIELDS]

    def clean(self):
        cleaned = super().clean()
        year_from, year_to = cleaned.get("year_from"), cleaned.get("year_to")
        if year_from and year_to and year_to < year_from:
            self.add_error("year_to", _("The last year comes before the first."))
        return cleaned

    def title_ids(self) -> list[int] | None:
        """The chosen titles, or a series and its parts; None for the catalog."""
        data = self.cleaned_data
        ids = [title.pk for title in data.get("titles") or []]
        if data.get("series"):
            series = data["series"]
            ids += [series.pk, *Title.objects.filter(
                Q(parent=series) | Q(parent__parent=series))
                .order_by("parent__number", "number").values_list("pk", flat=True)]
        return list(dict.fromkeys(ids)) or None


class RightsImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
