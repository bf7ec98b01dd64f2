"""Forms for titles and credits."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coprod.catalog.models import Credit, Title

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
