"""Creating and revoking API tokens on the preferences page. A new token is shown once, in
the answer to the form (never stored in a message or a cookie): only its hash is kept."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coprod.accounts.views import preferences_page
from coprod.api import services
from coprod.api.forms import ApiTokenForm
from coprod.api.models import ApiToken
from coprod.core.forms import apply_validation_error


@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            new = services.api_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            response = preferences_page(request, new_token=new)
            response["Cache-Control"] = "no-store"
            return response
    return preferences_page(request, token_form=form, status=400)


@require_POST
def token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("preferences")
