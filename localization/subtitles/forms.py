"""The subtitle import form and the size limit of text uploads."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coprod.catalog.models import Title
from coprod.core.uploads import too_large_message
from localization.subtitles.profiles import PROFILES


def text_upload_too_large(upload) -> str:
    """The refusal for a subtitle or TMX file over TEXT_MAX_UPLOAD_SIZE, else ""."""
    from django.conf import settings

    limit = settings.TEXT_MAX_UPLOAD_SIZE
    if upload.size <= limit:
        return ""
    return too_large_message(upload.size, limit)


class SubtitleImportForm(forms.Form):
    title = forms.ModelChoiceField(label=_("Title"), queryset=Title.objects.none())
    language = forms.ChoiceField(label=_("Language"),
                                 choices=[(code, code) for code in PROFILES])
    file = forms.FileField(label=_("Subtitle file (.srt, .vtt, .ttml, .ass)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].queryset = Title.objects.order_by("romanized_title")
