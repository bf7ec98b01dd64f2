"""Recording a consent or licence with its scope."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from coprod.catalog.models import Title
from coprod.registry.models import Consent


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Consent.Kind.choices)
    holder = forms.CharField(label=_("Rights holder"), max_length=200,
                             help_text=_("Who consented (the actor) or licensed it"))
    all_titles = forms.BooleanField(label=_("Every title"), required=False)
    titles = forms.ModelMultipleChoiceField(
        label=_("Titles or series"), required=False,
        queryset=Title.objects.order_by("original_title"),
        help_text=_("A series covers its seasons and episodes"))
    languages = forms.CharField(label=_("Languages"), max_length=200,
                                help_text=_("Language codes separated by spaces or commas "
                                            "(ja, zh-Hans, th); * for every language"))
    uses = forms.MultipleChoiceField(label=_("Kinds of use"), choices=Consent.Use.choices,
                                     widget=forms.CheckboxSelectMultiple)
    valid_from = forms.DateField(label=_("Valid from"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valid until (last day)"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text=_("Empty: no end"))
    document = forms.CharField(label=_("Granting document"), max_length=300,
                               help_text=_("The signed consent or licence: its reference"))
    document_file = forms.FileField(
        label=_("Document file"), required=False,
        help_text=_("PDF or image, at most %(mb)d MB")
        % {"mb": settings.MAX_DOCUMENT_SIZE // (1024 * 1024)})

    def clean_languages(self) -> list[str]:
        text = self.cleaned_data["languages"].replace(",", " ")
        return [code for code in text.split() if code]


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)
