"""The AI licensing gate: may this model (or dataset) be used on this title?

A model may be used on a title when it is in the registry with the checksum of the file
about to be loaded, and the last executed version of an agreement that covers the title
(or the series it belongs to) lists it among its approved models, that is every party of
the agreement approved it. Voices also need the rights holder's recorded consent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from coprod.agreements.models import Agreement, AgreementVersion
from coprod.catalog.models import Title
from coprod.registry.models import AIModel


class ModelNotApproved(Exception):
    """The pipeline must not use this model on this title; the message says why."""


@dataclass(frozen=True)
class ModelClearance:
    model: AIModel
    agreement: Agreement
    agreement_version: int

    @property
    def label(self) -> str:
        return f"{self.model.name} {self.model.version}"


def model_use_check(*, title: Title, sha256: str, kind: str | None = None) -> ModelClearance:
    """Return the registry entry and the agreement that clears it, or raise
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
    if model.kind == AIModel.Kind.SPEECH_SYNTHESIS and not model.voice_consent.strip():
        raise ModelNotApproved(
            _("The voice %(model)s has no recorded consent of the voice's rights holder.")
            % {"model": model})
    family = [title.pk, *(ancestor.pk for ancestor in title.ancestors())]
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
                                  agreement_version=executed.number)
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
