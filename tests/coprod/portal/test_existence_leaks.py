"""An object outside a user's reach answers exactly as a missing one: the portal's
"view on site" shortcut, agreements and the pipeline's pages."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from coprod.agreements.models import Agreement
from localization.subtitles.models import SubtitleTrack
from tests.coprod.portal.test_portal_and_statements import partner_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_partners():
    return (partner_agreement("Studio A", "studio-a", "AGR-A"),
            partner_agreement("Studio B", "studio-b", "AGR-B"))


def view_on_site(obj) -> str:
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("partner_portal:view_on_site", args=[content_type.pk, obj.pk])


def test_view_on_site_finds_only_the_partners_own_objects(client, two_partners):
    (own, partner, _title), (other, _other_partner, _other_title) = two_partners
    client.force_login(partner)
    assert client.get(view_on_site(own)).status_code == 302
    missing = Agreement(pk=10**9)
    assert client.get(view_on_site(other)).status_code == 404
    assert client.get(view_on_site(missing)).status_code == 404


def test_another_partners_agreement_is_not_found_like_a_missing_one(client, two_partners):
    (own, partner, _title), (other, _other_partner, _other_title) = two_partners
    client.force_login(partner)
    # The main site's agreement pages are the rights managers'; the partner's are in the
    # portal. Its own, another's and a missing id all answer alike.
    answers = {client.get(reverse("agreements:detail", args=[pk])).status_code
               for pk in (own.pk, other.pk, 10**9)}
    assert answers == {403}
    assert client.get(reverse("partner_portal:coprod_agreement_change",
                              args=[own.pk])).status_code == 200
    theirs = client.get(reverse("partner_portal:coprod_agreement_change", args=[other.pk]))
    missing = client.get(reverse("partner_portal:coprod_agreement_change", args=[10**9]))
    assert theirs.status_code == missing.status_code == 404


def test_pipeline_pages_answer_a_partner_the_same_for_existing_and_missing_ids(client,
                                                                             two_partners):
    (_own, partner, title), _other = two_partners
    track = SubtitleTrack.objects.create(title=title, language="ko", version=1,
                                         source=SubtitleTrack.Source.IMPORT)
    client.force_login(partner)
    for name, args in (("localization:track-detail", [track.pk]),
                       ("localization:editor", [track.pk]),
                       ("localization:run-history", ["translation", track.pk])):
        existing = client.get(reverse(name, args=args))
        missing = client.get(reverse(name, args=[*args[:-1], 10**9]))
        assert existing.status_code == missing.status_code == 403, name
        assert "This page is for" in existing.content.decode()
        assert "This page is for" in missing.content.decode()
