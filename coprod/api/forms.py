"""The preferences page's form for a new API token."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from coprod.api.models import ApiToken

EXPIRY_CHOICES = [(30, _("30 days")), (90, _("90 days")), (180, _("180 days")),
                  (365, _("1 year"))]


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100,
                           help_text=_("What it is for, e.g. “Sakura ERP sync”"))
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiToken.Scope.choices,
                              initial=ApiToken.Scope.READ)
    expires_in_days = forms.TypedChoiceField(label=_("Expires after"), coerce=int,
                                             choices=EXPIRY_CHOICES, initial=90)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_in_days"].choices = [
            (days, label) for days, label in EXPIRY_CHOICES
            if days <= settings.API_TOKEN_MAX_DAYS]
