"""The media upload form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coprod.catalog.models import Title


class MediaUploadForm(forms.Form):
    title = forms.ModelChoiceField(label=_("Title"), queryset=Title.objects.none())
    episode_label = forms.CharField(
        label=_("Episode (optional)"), max_length=100, required=False,
        help_text=_("For a series, for example S01E03."),
    )
    file = forms.FileField(label=_("Video or audio file"))
    speakers = forms.IntegerField(
        label=_("Number of speakers (optional)"), required=False, min_value=1, max_value=30,
        help_text=_("Who is speaking is detected after recognition; empty: the number of "
                    "speakers is estimated."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].queryset = Title.objects.order_by("romanized_title")
