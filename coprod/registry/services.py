"""Recording and revoking consents and licences; what was made under a consent.

The pipeline's deliverables (dubs, packages) are found through finders it registers
(``use_finder_register``), so that the business side never imports the pipeline.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coprod.accounts.models import User
from coprod.accounts.permissions import CATALOG_ROLES, check_roles
from coprod.agreements.services import document_check
from coprod.audit.models import Event
from coprod.audit.services import event_record
from coprod.catalog.models import Title
from coprod.registry.models import AIModel, Consent

LANGUAGE_CODE = re.compile(r"^(\*|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$")
# The uses that fit each kind of entry: a voice is spoken; a licence may allow any use.
VOICE_USES = {Consent.Use.DUBBING, Consent.Use.TRAILERS}


@dataclass(frozen=True)
class ConsentUse:
    """Something made under a consent: a dub, a delivery package."""

    kind: str
    label: str
    url: str
    made_at: dt.datetime | None
    state: str = ""


_FINDERS: list[Callable[[Consent], list[ConsentUse]]] = []


def use_finder_register(finder: Callable[[Consent], list[ConsentUse]]) -> None:
    if finder not in _FINDERS:
        _FINDERS.append(finder)


def uses_under(consent: Consent) -> list[ConsentUse]:
    """Every deliverable made under ``consent``, newest first."""
    found = [use for finder in _FINDERS for use in finder(consent)]
    return sorted(found, key=lambda use: use.made_at or timezone.now(), reverse=True)


def consent_record(*, actor: User, model: AIModel, kind: str, holder: str, languages: list[str],
                   uses: list[str], valid_from: dt.date, document: str,
                   valid_until: dt.date | None = None, all_titles: bool = False,
                   titles: list[Title] | None = None, document_file=None) -> Consent:
    """Record what a rights holder consented to, or what a licence allows."""
    check_roles(actor, CATALOG_ROLES)
    titles = list(titles or [])
    languages = [language.strip() for language in languages if language.strip()]
    errors: dict[str, str] = {}
    if kind == Consent.Kind.VOICE and model.kind != AIModel.Kind.SPEECH_SYNTHESIS:
        errors["kind"] = _("Only a voice takes a voice consent; record a licence for "
                           "%(model)s.") % {"model": model}
    if not languages:
        errors["languages"] = _("Name the languages it covers, or * for every language.")
    elif bad := [language for language in languages if not LANGUAGE_CODE.match(language)]:
        errors["languages"] = _("Not a language code: %(codes)s.") % {"codes": ", ".join(bad)}
    if not uses:
        errors["uses"] = _("Name the kinds of use it covers.")
    elif kind == Consent.Kind.VOICE and set(uses) - VOICE_USES:
        errors["uses"] = _("A voice consent covers dubbing and trailers; a licence covers "
                           "other uses.")
    if not all_titles and not titles:
        errors["titles"] = _("Name the titles or series it covers, or tick every title.")
    if all_titles and titles:
        errors["titles"] = _("Either every title or the titles named, not both.")
    if valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = _("The period ends before it starts.")
    if not document.strip():
        errors["document"] = _("Name the document that grants it.")
    if document_file is not None:
        try:
            document_check(document_file)
        except ValidationError as error:
            errors["document_file"] = " ".join(error.messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        consent = Consent(model=model, kind=kind, holder=holder.strip(), all_titles=all_titles,
                          languages=sorted(set(languages)), uses=sorted(set(uses)),
                          valid_from=valid_from, valid_until=valid_until,
                          document=document.strip(), recorded_by=actor)
        if document_file is not None:
            consent.document_file = document_file
        consent.full_clean(exclude=["document_file"])
        consent.save()
        consent.titles.set(titles)
        event_record(actor=actor, action=Event.Action.CONSENT_RECORDED, instance=consent,
                     after=consent.snapshot())
    return consent


def consent_revoke(*, actor: User, consent: Consent, reason: str) -> list[ConsentUse]:
    """Revoke ``consent``: the gate refuses new use at once. Returns what was made under
    it, for the rights manager to act on."""
    check_roles(actor, CATALOG_ROLES)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the consent is revoked.")})
    with transaction.atomic():
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.revoked:
            raise ValidationError(_("This consent was already revoked on %(date)s.")
                                  % {"date": timezone.localdate(locked.revoked_at)})
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.revocation_reason = reason.strip()
        locked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        affected = uses_under(locked)
        event_record(actor=actor, action=Event.Action.CONSENT_REVOKED, instance=locked,
                     before={"revoked": False},
                     after={"revoked": True, "reason": locked.revocation_reason,
                            "made_under": [use.label for use in affected]})
    consent.refresh_from_db()
    return affected
