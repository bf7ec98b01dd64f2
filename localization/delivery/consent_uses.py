"""What the pipeline made under a consent: the dubs whose voices it cleared and the
delivery packages that carry them. Registered with the registry, which lists them when
a consent is revoked."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from coprod.registry.models import Consent
from coprod.registry.services import ConsentUse, use_finder_register
from localization.delivery.models import DeliveryPackage
from localization.dubbing.models import DubTrack


def made_under(consent: Consent) -> list[ConsentUse]:
    dubs = list(DubTrack.objects.filter(consent_ids__contains=[consent.pk])
                .select_related("track__title"))
    uses = [ConsentUse(kind="dub",
                       label=_("Dub #%(id)d of %(track)s") % {"id": dub.pk, "track": dub.track},
                       url=reverse("localization:track-detail", args=[dub.track_id]) + "#dub",
                       made_at=dub.finished_at or dub.created_at, state=dub.state)
            for dub in dubs]
    packages = (DeliveryPackage.objects.filter(dub__in=dubs)
                .select_related("title", "licensee"))
    uses += [ConsentUse(kind="package",
                        label=_("Delivery package #%(id)d: %(package)s")
                        % {"id": package.pk, "package": package},
                        url=reverse("localization:track-detail", args=[package.track_id])
                        + "#dub", made_at=package.finished_at or package.created_at,
                        state=package.state)
             for package in packages]
    return uses


def connect() -> None:
    use_finder_register(made_under)
