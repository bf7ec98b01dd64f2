"""The partner portal shows a partner only its own data; statements run the waterfall."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coprod.accounts.models import Company
from coprod.accounts.roles import Role
from coprod.agreements import services
from coprod.agreements.models import AgreementDocument
from coprod.agreements.statements import statement_issue
from tests.coprod.agreement_helpers import execute, signatory
from tests.coprod.rights_helpers import film

pytestmark = pytest.mark.django_db


def partner_agreement(studio: str, username: str, reference: str, *, issue: bool = True):
    """An executed agreement between SFR and one partner studio, 60/40, with a waterfall
    and two quarters of revenue, both issued (``issue``)."""
    sfr = signatory("SFR", f"sfr-{username}")
    partner = signatory(studio, username, role=Role.PARTNER_STUDIO,
                        kind=Company.Kind.PARTNER_STUDIO)
    title = film(f"{studio} 작품", 2026)
    agreement = services.agreement_create(actor=None, reference=reference,
                                          name=f"{studio} co-production", currency="KRW",
                                          titles=[title])
    sfr_party = services.party_add(actor=None, agreement=agreement, company=sfr.company,
                                   role="venture_partner", share_percentage=Decimal(60),
                                   signatory=sfr)
    studio_party = services.party_add(actor=None, agreement=agreement, company=partner.company,
                                      role="partner_studio", share_percentage=Decimal(40),
                                      signatory=partner)
    services.waterfall_tier_add(actor=None, agreement=agreement, position=1,
                                kind="distribution_fee", name="Distribution fee",
                                party=sfr_party, percentage=Decimal(20))
    services.contribution_add(actor=None, party=sfr_party, kind="capital",
                              amount=Decimal(1_000_000), currency="KRW")
    # Half a million won of services, recorded in dollars at 1,000 won to the dollar.
    services.contribution_add(actor=None, party=studio_party, kind="production_services",
                              amount=Decimal(500), currency="USD", exchange_rate=Decimal(1000))
    services.waterfall_tier_add(actor=None, agreement=agreement, position=2, kind="investor",
                                name="Investors", party=sfr_party,
                                premium_percentage=Decimal(10))
    services.waterfall_tier_add(actor=None, agreement=agreement, position=2, kind="investor",
                                name="Investors", party=studio_party)
    services.waterfall_tier_add(actor=None, agreement=agreement, position=3,
                                kind="profit_split", name="Profit")
    agreement = execute(agreement, sfr, partner)
    services.receipt_add(actor=None, agreement=agreement, title=title, territory="JP",
                         period="2026-Q1", amount=Decimal(1_000_000), currency="KRW",
                         received_on=dt.date(2026, 3, 31))
    services.receipt_add(actor=None, agreement=agreement, title=title, territory="TH",
                         period="2026-Q2", amount=Decimal(2_000), currency="USD",
                         exchange_rate=Decimal("1000"), received_on=dt.date(2026, 6, 30))
    if issue:
        for period in ("2026-Q1", "2026-Q2"):
            statement_issue(actor=None, agreement=agreement, period=period)
    return agreement, partner, title


@pytest.fixture
def two_partners():
    a = partner_agreement("Studio A", "studio-a", "AGR-A")
    b = partner_agreement("Studio B", "studio-b", "AGR-B")
    return a, b


def test_statements_carry_unrecouped_balances_forward(client, two_partners):
    (agreement, _partner, _title), _ = two_partners
    from coprod.agreements.statements import agreement_statements

    first, second = (entry.statement for entry in agreement_statements(agreement))
    # Q1: gross 1,000,000; fee 20% = 200,000 to SFR; 800,000 to investors owed
    # SFR 1,100,000 and Studio A 500,000 (total 1,600,000): SFR 800,000 x 11/16 = 550,000,
    # Studio A 800,000 x 5/16 = 250,000. Nothing left for profit.
    assert first.gross == Decimal(1_000_000)
    assert dict(first.payouts) == {"SFR": Decimal(750_000), "Studio A": Decimal(250_000)}
    assert first.unrecouped == Decimal(800_000)
    # Q2: 2,000 USD at 1,000 = 2,000,000 KRW; fee 400,000; investors take their remaining
    # 550,000 + 250,000 = 800,000; profit 800,000 split 60/40 = 480,000 / 320,000.
    assert second.gross == Decimal(2_000_000)
    assert dict(second.payouts) == {"SFR": Decimal(400_000 + 550_000 + 480_000),
                                    "Studio A": Decimal(250_000 + 320_000)}
    assert second.unrecouped == Decimal(0)


def test_statement_page_and_csv_for_rights_managers(client, two_partners):
    (agreement, _partner, _title), _ = two_partners
    from coprod.accounts.services import user_create

    client.force_login(user_create(username="rm", password="pw-long-enough",
                                   role=Role.RIGHTS_MANAGER))
    page = client.get(reverse("agreements:statement", args=[agreement.pk, "2026-Q2"]))
    assert page.status_code == 200
    assert "₩2,000,000" in page.content.decode()
    csv_text = client.get(reverse("agreements:statement-csv",
                                  args=[agreement.pk, "2026-Q2"])).content.decode()
    assert "2000000" in csv_text and "Studio A" in csv_text and "SFR" in csv_text


def test_partner_portal_lists_only_own_agreements_and_titles(client, two_partners):
    (agreement_a, partner_a, title_a), (agreement_b, _partner_b, title_b) = two_partners
    client.force_login(partner_a)
    page = client.get(reverse("partner_portal:coprod_agreement_changelist")).content.decode()
    assert "AGR-A" in page and "AGR-B" not in page
    page = client.get(reverse("partner_portal:coprod_title_changelist")).content.decode()
    assert title_a.original_title in page and title_b.original_title not in page
    page = client.get(reverse("partner_portal:coprod_agreement_change",
                              args=[agreement_a.pk])).content.decode()
    assert "AGR-A" in page and "2026-Q1" in page


def test_partner_sees_its_own_statement_line_only(client, two_partners):
    (agreement_a, partner_a, _), _ = two_partners
    client.force_login(partner_a)
    page = client.get(reverse("partner_portal:coprod_agreement_statement",
                              args=[agreement_a.pk, "2026-Q2"])).content.decode()
    assert re.search(r'id="payout">₩570,000<', page)
    csv_text = client.get(reverse("partner_portal:coprod_agreement_statement_csv",
                                  args=[agreement_a.pk, "2026-Q2"])).content.decode()
    assert "Studio A" in csv_text and "SFR" not in csv_text


def test_partner_a_is_refused_every_page_and_object_of_partner_b(client, two_partners):
    (_agreement_a, partner_a, _), (agreement_b, partner_b, title_b) = two_partners
    client.force_login(partner_a)
    refused = {
        "agreement change": reverse("partner_portal:coprod_agreement_change",
                                    args=[agreement_b.pk]),
        "agreement history": reverse("partner_portal:coprod_agreement_history",
                                     args=[agreement_b.pk]),
        "agreement statement": reverse("partner_portal:coprod_agreement_statement",
                                       args=[agreement_b.pk, "2026-Q1"]),
        "statement export": reverse("partner_portal:coprod_agreement_statement_csv",
                                    args=[agreement_b.pk, "2026-Q1"]),
        "title change": reverse("partner_portal:coprod_title_change", args=[title_b.pk]),
        "title history": reverse("partner_portal:coprod_title_history", args=[title_b.pk]),
        "agreement delete": reverse("partner_portal:coprod_agreement_delete",
                                    args=[agreement_b.pk]),
        "main statement page": reverse("agreements:statement",
                                       args=[agreement_b.pk, "2026-Q1"]),
        "main statement export": reverse("agreements:statement-csv",
                                         args=[agreement_b.pk, "2026-Q1"]),
        "main agreement page": reverse("agreements:detail", args=[agreement_b.pk]),
        "main title page": reverse("catalog:title-detail", args=[title_b.pk]),
        "full admin": reverse("admin:coprod_agreement_change", args=[agreement_b.pk]),
    }
    for name, url in refused.items():
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code in (302, 403, 404), name
        assert "AGR-B" not in body and "Studio B" not in body, name
    upload = client.post(reverse("partner_portal:coprod_agreement_upload",
                                 args=[agreement_b.pk]),
                         {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")})
    assert upload.status_code == 404
    assert not AgreementDocument.objects.filter(agreement=agreement_b).exists()
    approve = client.post(reverse("agreements:approve", args=[agreement_b.pk]),
                          {"version": agreement_b.version})
    assert approve.status_code == 403
    assert partner_b.company.name == "Studio B"


def test_partner_uploads_a_document_and_approves_through_the_portal(client):
    agreement, partner, _ = partner_agreement("Studio C", "studio-c", "AGR-C")
    client.force_login(partner)
    response = client.post(reverse("partner_portal:coprod_agreement_upload",
                                   args=[agreement.pk]),
                           {"file": SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed")})
    assert response.status_code == 302
    assert agreement.documents.get().name == "signed.pdf"
    # Amend, resubmit, and the partner's signatory approves from the portal.
    services.agreement_transition(actor=None, agreement=agreement, to="amended")
    services.agreement_update(actor=None, agreement=agreement,
                              data={"notes": "Q3 terms", "effective_from": dt.date(2026, 7, 1)})
    services.agreement_transition(actor=None, agreement=agreement, to="awaiting_approvals")
    agreement.refresh_from_db()
    page = client.get(reverse("partner_portal:coprod_agreement_change",
                              args=[agreement.pk])).content.decode()
    assert "Approve version 2" in page
    response = client.post(reverse("agreements:approve", args=[agreement.pk]),
                           {"version": 2, "next": "portal"})
    assert response.status_code == 302
    assert agreement.approvals.filter(version=2, party__company=partner.company).exists()


def test_portal_refuses_users_who_are_not_partner_studios(client_for):
    client, _ = client_for(Role.TRANSLATOR)
    response = client.get(reverse("partner_portal:index"), follow=True)
    assert response.status_code == 403
    assert "partner-studio users" in response.content.decode()


def test_partner_cannot_change_an_agreement_through_the_portal(client, two_partners):
    (agreement_a, partner_a, _), _ = two_partners
    client.force_login(partner_a)
    response = client.post(reverse("partner_portal:coprod_agreement_change",
                                   args=[agreement_a.pk]), {"name": "Hijacked"})
    agreement_a.refresh_from_db()
    assert agreement_a.name != "Hijacked"
    assert response.status_code in (302, 403)


def test_partner_downloads_only_its_own_deliverables(client, two_partners):
    from localization.subtitles.models import SubtitleCue, SubtitleTrack

    (_agreement_a, partner_a, title_a), (_agreement_b, _partner_b, title_b) = two_partners
    tracks = {}
    for title in (title_a, title_b):
        track = SubtitleTrack.objects.create(title=title, language="ja", version=1,
                                             source=SubtitleTrack.Source.IMPORT,
                                             review_state="approved")
        SubtitleCue.objects.create(track=track, index=1, start_ms=0, end_ms=2000,
                                   text=f"{title.original_title} の字幕")
        tracks[title.pk] = track
    draft = SubtitleTrack.objects.create(title=title_a, language="th", version=1,
                                         source=SubtitleTrack.Source.IMPORT)
    client.force_login(partner_a)
    listing = client.get(reverse("partner_portal:localization_subtitletrack_changelist"))
    body = listing.content.decode()
    assert title_a.original_title in body and title_b.original_title not in body
    assert reverse("partner_portal:localization_subtitletrack_download",
                   args=[draft.pk, "srt"]) not in body  # not approved: not a deliverable
    own = client.get(reverse("partner_portal:localization_subtitletrack_download",
                             args=[tracks[title_a.pk].pk, "srt"]))
    assert own.status_code == 200 and "の字幕" in own.content.decode()
    other = client.get(reverse("partner_portal:localization_subtitletrack_download",
                               args=[tracks[title_b.pk].pk, "srt"]))
    assert other.status_code == 404
    assert client.get(reverse("partner_portal:localization_subtitletrack_change",
                              args=[tracks[title_b.pk].pk])).status_code in (302, 404)


def test_documents_download_only_through_checked_views(client, two_partners):
    (agreement_a, partner_a, _), (agreement_b, partner_b, _) = two_partners
    own = services.agreement_document_add(
        actor=None, agreement=agreement_a,
        upload=SimpleUploadedFile("a-contract.pdf", b"%PDF-1.4 contract A"))
    other = services.agreement_document_add(
        actor=None, agreement=agreement_b,
        upload=SimpleUploadedFile("b-contract.pdf", b"%PDF-1.4 contract B"))
    assert own.file.name.split("/")[1] != other.file.name.split("/")[1]  # random folders
    client.force_login(partner_a)
    mine = client.get(reverse("partner_portal:coprod_agreement_document",
                              args=[agreement_a.pk, own.pk]))
    assert mine.status_code == 200 and b"contract A" in b"".join(mine.streaming_content)
    for url in (reverse("partner_portal:coprod_agreement_document",
                        args=[agreement_b.pk, other.pk]),
                reverse("partner_portal:coprod_agreement_document",
                        args=[agreement_a.pk, other.pk]),
                reverse("agreements:document", args=[agreement_b.pk, other.pk]),
                f"/media/{other.file.name}"):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert not response.streaming and b"contract B" not in response.content


def test_statements_follow_the_executed_terms_while_an_amendment_is_edited(two_partners):
    (agreement, _partner, _title), _ = two_partners
    from coprod.agreements.statements import agreement_statements

    before = [dict(entry.statement.payouts) for entry in agreement_statements(agreement)]
    services.agreement_transition(actor=None, agreement=agreement, to="amended")
    fee = agreement.waterfall_tiers.get(kind="distribution_fee")
    services.agreement_item_remove(actor=None, item=fee)
    services.waterfall_tier_add(actor=None, agreement=agreement, position=1,
                                kind="distribution_fee", name="Bigger fee",
                                party=fee.party, percentage=Decimal(50))
    after = [dict(entry.statement.payouts) for entry in agreement_statements(agreement)]
    assert after == before  # the amendment is not executed yet


def test_a_partner_sees_the_seasons_and_episodes_of_a_covered_series(client):
    from tests.coprod.rights_helpers import series

    show, _seasons, episodes = series("파트너 시리즈", seasons=1, episodes=2)
    other_show, _other_seasons, other_episodes = series("남의 시리즈", seasons=1, episodes=1)
    sfr = signatory("SFR", "sfr-series")
    partner = signatory("Studio S", "studio-s", role=Role.PARTNER_STUDIO,
                        kind=Company.Kind.PARTNER_STUDIO)
    mine = services.agreement_create(actor=None, reference="AGR-S", name="Series deal",
                                     currency="KRW", titles=[show])
    agreement = services.agreement_create(actor=None, reference="AGR-S2", name="Other",
                                          currency="KRW", titles=[other_show])
    services.party_add(actor=None, agreement=agreement, company=sfr.company,
                       role="venture_partner", share_percentage=Decimal(100), signatory=sfr)
    services.party_add(actor=None, agreement=mine, company=partner.company,
                       role="partner_studio", share_percentage=Decimal(100),
                       signatory=partner)
    client.force_login(partner)
    page = client.get(reverse("partner_portal:coprod_title_changelist"), {"all": ""})
    body = page.content.decode()
    assert show.original_title in body
    assert client.get(reverse("partner_portal:coprod_title_change",
                              args=[episodes[0].pk])).status_code == 200
    assert client.get(reverse("partner_portal:coprod_title_change",
                              args=[other_episodes[0].pk])).status_code in (302, 404)
    assert other_show.original_title not in body
