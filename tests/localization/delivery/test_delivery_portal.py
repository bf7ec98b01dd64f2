"""A partner studio downloads its delivery packages from the portal, and only those."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from coprod.accounts.roles import Role
from localization.delivery.models import DeliveryPackage
from tests.factories import CompanyFactory, TitleFactory, UserFactory
from tests.localization.dubbing_helpers import approved_track

pytestmark = pytest.mark.django_db


def package_for(company, title, *, state=DeliveryPackage.State.DONE):
    track = approved_track(title, "ja", [(0, 1000, "こんにちは", "")])
    package = DeliveryPackage.objects.create(
        title=title, language="ja", track=track, licensee=company, territory_expression="JP",
        countries=["JP"], media=["svod"], window_start=dt.date(2026, 1, 1),
        window_end=dt.date(2027, 1, 1), state=state, sha256="0" * 64)
    package.file.save(f"package-{company.name}.zip", ContentFile(f"zip of {company.name}"))
    return package


def test_a_partner_downloads_only_its_own_companys_packages(client):
    studio_a, studio_b = CompanyFactory(name="Studio A"), CompanyFactory(name="Studio B")
    partner = UserFactory(company=studio_a, role=Role.PARTNER_STUDIO)
    own = package_for(studio_a, TitleFactory(original_title="우리 영화"))
    other = package_for(studio_b, TitleFactory(original_title="남의 영화"))
    unfinished = package_for(studio_a, TitleFactory(original_title="아직"),
                             state=DeliveryPackage.State.BUILDING)
    client.force_login(partner)

    listing = client.get(reverse("partner_portal:localization_deliverypackage_changelist"))
    body = listing.content.decode()
    assert listing.status_code == 200
    assert "우리 영화" in body and "남의 영화" not in body and "아직" not in body

    response = client.get(reverse("partner_portal:localization_deliverypackage_download",
                                  args=[own.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"zip of Studio A"
    assert "attachment" in response["Content-Disposition"]
    for hidden in (other, unfinished):
        assert client.get(reverse("partner_portal:localization_deliverypackage_download",
                                  args=[hidden.pk])).status_code == 404
        assert client.get(reverse("partner_portal:localization_deliverypackage_change",
                                  args=[hidden.pk])).status_code in (302, 404)


def test_staff_without_a_partner_company_cannot_use_the_portal(client):
    package = package_for(CompanyFactory(name="Studio A"), TitleFactory())
    client.force_login(UserFactory(role=Role.TRANSLATOR))

    response = client.get(reverse("partner_portal:localization_deliverypackage_download",
                                  args=[package.pk]))
    assert response.status_code in (302, 403)
