from django import forms
from django.utils.translation import gettext_lazy as _

from coprod.catalog.models import Title
from localization.subtitles.profiles import PROFILES


class MediaUploadForm(forms.Form):
    title = forms.ModelChoiceField(label=_("Title"), queryset=Title.objects.none())
    episode_label = forms.CharField(
        label=_("Episode (optional)"), max_length=100, required=False,
        help_text=_("For a series, for example S01E03."),
    )
    file = forms.FileField(label=_("Video or audio file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].queryset = Title.objects.order_by("romanized_title")


class SubtitleImportForm(forms.Form):
    title = forms.ModelChoiceField(label=_("Title"), queryset=Title.objects.none())
    language = forms.ChoiceField(label=_("Language"),
                                 choices=[(code, code) for code in PROFILES])
    file = forms.FileField(label=_("Subtitle file (.srt, .vtt, .ttml, .ass)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].queryset = Title.objects.order_by("romanized_title")


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
