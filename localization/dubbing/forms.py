"""Forms of the dub section of a track page: a dub's options and a delivery package."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coprod.accounts.models import Company
from coprod.rights.vocabulary import Media
from localization.dubbing.audio import DEFAULT_MAX_SPEEDUP


class DubForm(forms.Form):
    max_speedup = forms.DecimalField(
        label=_("Maximum speed-up"), min_value=1, max_value=2, decimal_places=2,
        initial=DEFAULT_MAX_SPEEDUP,
        help_text=_("Lines longer than their cue are sped up (same pitch) at most this much; "
                    "longer ones are flagged for the translator."))
    duck_original = forms.BooleanField(label=_("Keep the original audio, lowered under the "
                                               "lines"), required=False, initial=True)


class PackageForm(forms.Form):
    licensee = forms.ModelChoiceField(label=_("Licensee"), queryset=Company.objects.none())
    territory = forms.CharField(label=_("Territory"), max_length=500,
                                help_text=_("Country codes or groups, e.g. JP or "
                                            "SOUTHEAST_ASIA -SG"))
    media = forms.MultipleChoiceField(label=_("Media"), choices=Media.choices,
                                      widget=forms.CheckboxSelectMultiple)
    start = forms.DateField(label=_("Window start"), widget=forms.DateInput(attrs={
        "type": "date"}))
    # The last day the package may be used, inclusive, as everywhere else in the product.
    end = forms.DateField(label=_("Until (last day)"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
    include_subtitles = forms.BooleanField(label=_("Subtitles"), required=False, initial=True)
    include_dub = forms.BooleanField(label=_("Dub"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["licensee"].queryset = Company.objects.order_by("name")
