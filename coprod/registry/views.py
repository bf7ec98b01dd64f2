"""The AI registry's pages for rights managers: every model, voice and dataset with its
consents and licences; recording one with its scope; revoking one, with what was made
under it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coprod.accounts.permissions import CATALOG_ROLES, roles_required
from coprod.audit.models import Event
from coprod.core.http import ranged_file_response
from coprod.registry import services
from coprod.registry.forms import ConsentForm, RevokeForm
from coprod.registry.models import AIModel, Consent


@roles_required(CATALOG_ROLES)
def registry(request):
    models = AIModel.objects.prefetch_related("consents__titles").order_by("kind", "name",
                                                                           "version")
    return render(request, "coprod/registry/registry.html", {"models": models})


@roles_required(CATALOG_ROLES)
@require_http_methods(["GET", "POST"])
def consent_new(request, model_id: int):
    model = get_object_or_404(AIModel, pk=model_id)
    initial = {"kind": Consent.Kind.VOICE if model.kind == AIModel.Kind.SPEECH_SYNTHESIS
               else Consent.Kind.LICENCE}
    form = ConsentForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent = services.consent_record(
                actor=request.user, model=model, kind=data["kind"], holder=data["holder"],
                all_titles=data["all_titles"], titles=list(data["titles"]),
                languages=data["languages"], uses=data["uses"],
                valid_from=data["valid_from"], valid_until=data["valid_until"],
                document=data["document"], document_file=data["document_file"])
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Recorded: the licensing gate checks this scope from "
                                        "now on."))
            return redirect("registry:consent-detail", consent_id=consent.pk)
    return render(request, "coprod/registry/consent_form.html", {"model": model, "form": form},
                  status=400 if request.method == "POST" else 200)


@roles_required(CATALOG_ROLES)
def consent_detail(request, consent_id: int):
    consent = get_object_or_404(Consent.objects.select_related("model", "recorded_by",
                                                               "revoked_by"), pk=consent_id)
    events = Event.objects.about(consent).select_related("actor")
    return render(request, "coprod/registry/consent_detail.html", {
        "consent": consent, "uses": services.uses_under(consent), "form": RevokeForm(),
        "events": events})


@roles_required(CATALOG_ROLES)
@require_POST
def consent_revoke(request, consent_id: int):
    consent = get_object_or_404(Consent, pk=consent_id)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the consent is revoked."))
        return redirect("registry:consent-detail", consent_id=consent.pk)
    try:
        affected = services.consent_revoke(actor=request.user, consent=consent,
                                           reason=form.cleaned_data["reason"])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.warning(request, _(
            "Revoked: no new use is allowed from now on. %(count)d deliverables were made "
            "under it; they are listed below.") % {"count": len(affected)})
    return redirect("registry:consent-detail", consent_id=consent.pk)


@roles_required(CATALOG_ROLES)
def consent_document(request, consent_id: int):
    consent = get_object_or_404(Consent, pk=consent_id)
    if not consent.document_file:
        return redirect("registry:consent-detail", consent_id=consent.pk)
    return ranged_file_response(request, consent.document_file, "application/octet-stream",
                                filename=consent.document_file.name.rsplit("/", 1)[-1],
                                as_attachment=True)
