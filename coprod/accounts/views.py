"""The home pages (by role) and the user's preferences."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coprod.accounts import selectors
from coprod.accounts.forms import PreferencesForm
from coprod.accounts.permissions import (
    CATALOG_ROLES,
    check_partner_company,
    role_labels,
)
from coprod.api import selectors as api_selectors
from coprod.api.forms import ApiTokenForm
from coprod.notifications import services as notification_services
from coprod.notifications.forms import NotificationPreferencesForm
from coprod.rights import selectors as rights_selectors
from coprod.system.navigation import navigation_for


def home(request):
    user = request.user
    areas = [item for item in navigation_for(user) if item["url_name"] != "home"]
    expiring = None
    if user.has_role(*CATALOG_ROLES):
        expiring = rights_selectors.rights_expiring(within_days=90)[:50]
    return render(request, "coprod/home.html", {
        "role_names": role_labels(user.roles),
        "areas": areas,
        "now": timezone.now(),
        "expiring": expiring,
    })


def partner_home(request):
    company = check_partner_company(request.user)
    return render(request, "coprod/partner_home.html", {
        "company": company,
        "colleagues": selectors.company_colleagues(company=company),
    })


def preferences_page(request, *, form=None, token_form=None, new_token=None, status=200):
    """The preferences page: language and time zone, and the user's API tokens (with a new
    one's secret, the one time it is shown)."""
    form = form or PreferencesForm(instance=request.user,
                                   initial={"language": translation.get_language()})
    return render(request, "coprod/preferences.html", {
        "form": form, "token_form": token_form or ApiTokenForm(),
        "api_tokens": api_selectors.api_tokens_of(user=request.user),
        "new_token": new_token, "now": timezone.now(),
        "notification_form": NotificationPreferencesForm(
            channels=notification_services.channels_for(request.user)),
    }, status=status)


@require_http_methods(["GET", "POST"])
def preferences(request):
    form = PreferencesForm(
        request.POST or None,
        instance=request.user,
        initial={"language": translation.get_language()},
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        language = form.cleaned_data["language"]
        translation.activate(language)
        messages.success(request, _("Your preferences are saved."))
        response = redirect("preferences")
        from django.conf import settings

        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language,
                            samesite="Lax", max_age=365 * 24 * 3600)
        return response
    return preferences_page(request, form=form)
