"""The preferences form (language, time zone and calendar)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from coprod.accounts.models import User


class PreferencesForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "time_zone", "buddhist_era"]

    def save(self, commit=True):
        self.instance.language = self.cleaned_data["language"]
        return super().save(commit=commit)
