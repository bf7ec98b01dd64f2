"""Forms for glossary terms and TMX imports."""

from django import forms
from django.utils.translation import gettext_lazy as _


class GlossaryTermForm(forms.Form):
    source_term = forms.CharField(label=_("Korean term"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=[
        ("character", _("Character name")), ("place", _("Place")),
        ("honorific", _("Honorific")), ("term", _("Recurring term"))])
    ja = forms.CharField(label=_("Japanese"), max_length=200, required=False)
    zh_hans = forms.CharField(label=_("Chinese (Simplified)"), max_length=200, required=False)
    th = forms.CharField(label=_("Thai"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def renderings(self) -> dict:
        data = self.cleaned_data
        return {"ja": data["ja"], "zh-Hans": data["zh_hans"], "th": data["th"]}


class MemoryImportForm(forms.Form):
    file = forms.FileField(label=_("TMX file"))
