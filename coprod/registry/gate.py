"""The AI licensing gate: may this model (or dataset) be used on this title?

A model may be used on a title when it is in the registry with the checksum of the file
about to be loaded, and the last executed version of an agreement that covers the title
(or the series it belongs to) lists it among its approved models, that is every party of
the agreement approved it.

Consents and licences have a scope (``Consent``): a voice needs its rights holder's
consent covering the title (or its series), the language, the kind of use and the day;
a model or dataset whose licence is recorded with a scope is held to it the same way.
A revoked consent covers nothing from the moment it is revoked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from coprod.agreements.models import Agreement, AgreementVersion
from coprod.catalog.models import Title
from coprod.registry.models import AIModel, Consent


class ModelNotApproved(Exception):
    """The pipeline must not use this model on this title; the message says why."""


@dataclass(frozen=True)
class ModelClearance:
    model: AIModel
    agreement: Agreement
    agreement_version: int
    consent: Consent | None = None

    @property
    def label(self) -> str:
        return f"{self.model.name} {self.model.version}"


def model_use_check(*, title: Title, sha256: str, kind: str | None = None,
                    language: str | None = None, use: str | None = None,
                    on: dt.date | None = None) -> ModelClearance:
    """Return the registry entry, the agreement that clears it and the consent that covers
    this use (``use`` in ``language`` on ``on``, today by default), or raise
    ModelNotApproved with the reason."""
    sha256 = sha256.strip().lower()
    candidates = AIModel.objects.filter(sha256=sha256)
    if kind:
        candidates = candidates.filter(kind=kind)
    model = candidates.first()
    if model is None:
        raise ModelNotApproved(
            _("The model file with SHA-256 %(sha)s… is not in the AI model registry, so no "
              "agreement can have approved it.") % {"sha": sha256[:12]})
    family = [title.pk, *(ancestor.pk for ancestor in title.ancestors())]
    consent = consent_covering(model, family=family, title=title, language=language,
                               use=use, on=on or timezone.localdate())
    agreements = (Agreement.objects
                  .filter(titles__in=family)
                  .exclude(status=Agreement.Status.TERMINATED)
                  .distinct())
    for agreement in agreements:
        executed = (AgreementVersion.objects
                    .filter(agreement=agreement, executed_at__isnull=False)
                    .order_by("-number").first())
        if executed is None:
            continue
        # Both the titles and the models must be in what the parties executed: a title
        # added to an amendment not yet approved is not covered.
        if not set(family) & _executed_title_ids(executed.terms):
            continue
        approved = {entry["sha256"] for entry in executed.terms.get("approved_models", [])}
        if model.sha256 in approved:
            return ModelClearance(model=model, agreement=agreement,
                                  agreement_version=executed.number, consent=consent)
    if not agreements:
        raise ModelNotApproved(
            _("No co-production agreement covers %(title)s, so no model is approved for it.")
            % {"title": title})
    raise ModelNotApproved(
        _("%(model)s is not approved for %(title)s: no executed agreement covering the title "
          "lists it (agreements: %(agreements)s).")
        % {"model": model, "title": title,
           "agreements": ", ".join(agreement.reference for agreement in agreements)})


def _executed_title_ids(terms: dict) -> set[int]:
    if "title_ids" in terms:
        return set(terms["title_ids"])
    # Versions recorded before title ids were kept: "12: 서울의 밤 (2023)".
    return {int(entry.split(":", 1)[0]) for entry in terms.get("titles", [])
            if entry.split(":", 1)[0].isdigit()}


def consent_covering(model: AIModel, *, family: list[int], title: Title,
                     language: str | None, use: str | None, on: dt.date) -> Consent | None:
    """The consent that covers this use of ``model``, None when none is needed (a model
    without a voice whose licence has no recorded scope); ModelNotApproved otherwise,
    saying why the nearest consent does not cover it."""
    consents = list(model.consents.prefetch_related("titles").order_by("-recorded_at"))
    voice = model.kind == AIModel.Kind.SPEECH_SYNTHESIS
    if not consents:
        if voice:
            raise ModelNotApproved(
                _("The voice %(model)s has no recorded consent of the voice's rights holder.")
                % {"model": model})
        return None
    use = use or (Consent.Use.DUBBING if voice else Consent.Use.SUBTITLING)
    reasons = []
    for consent in consents:
        reason = _scope_gap(consent, family=family, title=title, language=language, use=use,
                            on=on)
        if reason is None:
            return consent
        reasons.append(reason)
    raise ModelNotApproved(
        _("No consent or licence of %(model)s covers this use: %(reasons)s")
        % {"model": model, "reasons": "; ".join(reasons)})


def _scope_gap(consent: Consent, *, family: list[int], title: Title, language: str | None,
               use: str, on: dt.date) -> str | None:
    """Why ``consent`` does not cover the use, or None when it does."""
    label = _("consent #%(id)d") % {"id": consent.pk}
    if consent.revoked:
        return _("%(consent)s was revoked on %(date)s") % {
            "consent": label, "date": timezone.localdate(consent.revoked_at).isoformat()}
    if on < consent.valid_from or (consent.valid_until and on > consent.valid_until):
        return _("%(consent)s is valid %(start)s – %(end)s, not on %(day)s") % {
            "consent": label, "start": consent.valid_from.isoformat(),
            "end": consent.valid_until.isoformat() if consent.valid_until else "…",
            "day": on.isoformat()}
    if use not in consent.uses:
        return _("%(consent)s does not cover %(use)s (only %(uses)s)") % {
            "consent": label, "use": Consent.Use(use).label,
            "uses": ", ".join(str(Consent.Use(item).label) for item in consent.uses)}
    if not consent.covers_language(language):
        return _("%(consent)s does not cover the language %(language)s (only %(languages)s)") \
            % {"consent": label, "language": language,
               "languages": ", ".join(consent.languages)}
    if not consent.all_titles and not {title_.pk for title_ in consent.titles.all()} & set(
            family):
        return _("%(consent)s does not cover %(title)s") % {"consent": label, "title": title}
    return None
