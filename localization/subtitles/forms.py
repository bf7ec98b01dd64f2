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
    """The import page. A SAMI file with several language classes comes back to this form
    with ``classes`` (the classes found) to choose from, the file kept under ``pending``."""

    title = forms.ModelChoiceField(label=_("Title"), queryset=Title.objects.none())
    language = forms.ChoiceField(label=_("Language"),
                                 choices=[(code, code) for code in PROFILES])
    file = forms.FileField(label=_("Subtitle file (.srt, .vtt, .ttml, .ass, .smi)"),
                           required=False)
    language_class = forms.CharField(
        label=_("SAMI language class"), required=False, max_length=100,
        help_text=_("For a .smi file with several languages; empty: the track language's "
                    "class (KRCC for Korean)."),
        widget=forms.TextInput(attrs={"placeholder": "KRCC"}))
    pending = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].queryset = Title.objects.order_by("romanized_title")
        if classes:
            self.fields["language_class"].widget = forms.Select(
                choices=[(found.name, str(found)) for found in classes])
            self.fields["language_class"].help_text = _(
                "The file has these language classes; one track holds one of them.")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("pending"):
            self.add_error("file", _("Choose a subtitle file."))
        return cleaned
