"""How a person hears about each kind of notification."""

from django import forms

from coprod.notifications.models import Channel, Kind


class NotificationPreferencesForm(forms.Form):
    def __init__(self, *args, channels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Channel.choices, initial=channels[kind.value])
