"""The portal's cross-partner matrix, through the API: partner A tries every operation of
the schema (every list, detail, write and download) on partner B's objects and gets
nothing — 404, 403 for what its role never allows, or a list without them — never a
byte of B's data, and changes nothing. Operations are read from the generated schema, so
an operation added later is tried too."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from coprod.agreements import services
from coprod.agreements.models import Agreement
from coprod.api.models import WebhookDelivery, WebhookEndpoint
from coprod.api.webhooks import webhook_emit, webhook_endpoint_create
from coprod.catalog.models import Title
from coprod.rights.models import RightsBlock
from localization.delivery.models import DeliveryPackage
from localization.dubbing.models import DubTrack
from localization.media.models import ResumableUpload
from localization.runs.models import TrackRun
from localization.subtitles.models import SubtitleCue, SubtitleTrack
from localization.transcription.models import LocalizationJob
from tests.api.conftest import client_with, token_for
from tests.api.pipeline_helpers import PartnerWork, partner_work
from tests.coprod.portal.test_portal_and_statements import partner_agreement
from tests.coprod.rights_helpers import hold

pytestmark = pytest.mark.django_db

B_MARKERS = ("AGR-B", "Studio B", "studio-b")


@pytest.fixture
def two_partners():
    a = partner_agreement("Studio A", "studio-a", "AGR-A")
    b = partner_agreement("Studio B", "studio-b", "AGR-B")
    agreement_b = b[0]
    # B's agreement awaits its signatories' approval of an amendment: approvable by B only.
    services.agreement_transition(actor=None, agreement=agreement_b, to="amended")
    services.agreement_update(actor=None, agreement=agreement_b,
                              data={"notes": "Q3", "effective_from": dt.date(2026, 7, 1)})
    services.agreement_transition(actor=None, agreement=agreement_b, to="awaiting_approvals")
    agreement_b.refresh_from_db()
    hold(b[2], territory="TH")
    # B's webhook endpoint, with a delivery.
    webhook_endpoint_create(actor=b[1], url="https://studio-b.example.com/hooks",
                            events=["agreement.executed"])
    webhook_emit("agreement.executed", companies=[b[1].company], payload={"ref": "AGR-B"})
    # B's pipeline work (its media, jobs, tracks, dub, package) and an unfinished upload.
    work_b = partner_work(b[1].company, b[2], marker="AGR-B")
    ResumableUpload.objects.create(user=b[1], company=b[1].company, title=b[2],
                                   filename="AGR-B.ogg", length=1000,
                                   expires_at=timezone.now() + dt.timedelta(days=1))
    return a, (*b, work_b)


def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method in item:
            yield path, method


def concrete(path: str, agreement: Agreement, title: Title, block: RightsBlock,
             work: PartnerWork) -> str:
    """The operation's address with B's objects in every path parameter."""
    ids = {"agreements": agreement.pk, "titles": title.pk, "rights-blocks": block.pk,
           "webhooks": WebhookEndpoint.objects.get().pk,
           "webhook-deliveries": WebhookDelivery.objects.get().pk,
           "media": work.media.pk, "jobs": work.job.pk, "translations": work.translation.pk,
           "dubs": work.dub.pk, "packages": work.package.pk, "tracks": work.japanese.pk,
           "uploads": ResumableUpload.objects.get().pk}
    resource = path.split("/")[3]
    others = {"period": "2026-Q1", "kind": "wav", "fmt": "ttml", "format": "ttml",
              "cue_id": work.japanese.cues.first().pk, "cue_pk": work.japanese.cues.first().pk}
    for name in re.findall(r"{(\w+)}", path):
        value = ids[resource] if name in ("id", "pk") else others[name]
        path = path.replace(f"{{{name}}}", str(value))
    return path


# Requests naming B's objects in their bodies.
def b_bodies(work: PartnerWork, title: Title) -> dict[str, dict]:
    return {"/api/v1/jobs/": {"media": work.media.pk},
            "/api/v1/translations/": {"track": work.korean.pk, "languages": ["ja"]},
            "/api/v1/dubs/": {"track": work.japanese.pk},
            "/api/v1/packages/": {"title": title.pk, "language": "ja", "territory": "JP",
                                  "media": ["svod"], "start": "2027-01-01"}}


BODIES = {
    "post": {"version": 2, "kind": "episode", "parent": None, "original_title": "B 침입",
             "romanized_title": "Intrusion", "year": 2026},
    "delete": {},
    "patch": {"original_title": "Hijacked", "notes": "Hijacked"},
}


def pipeline_state() -> tuple:
    """Everything of the pipeline a write could change."""
    return (LocalizationJob.objects.count(), TrackRun.objects.count(),
            DubTrack.objects.count(), DeliveryPackage.objects.count(),
            sorted(SubtitleCue.objects.values_list("pk", "text", "state", "revision")),
            sorted(SubtitleTrack.objects.values_list("pk", "review_state")),
            sorted(ResumableUpload.objects.values_list("pk", "offset", "state")),
            sorted(LocalizationJob.objects.values_list("pk", "state")))


def test_partner_a_gets_nothing_of_partner_b_through_any_operation(two_partners):
    (agreement_a, partner_a, title_a), (agreement_b, _partner_b, title_b, work_b) = two_partners
    block_b = RightsBlock.objects.get(title=title_b)
    before = (Agreement.objects.get(pk=agreement_b.pk).approvals.count(),
              Title.objects.get(pk=title_b.pk).original_title, Title.objects.count(),
              pipeline_state())
    client = client_with(token_for(partner_a, "write"))
    client.defaults["HTTP_TUS_RESUMABLE"] = "1.0.0"  # the uploads' protocol (tus) header
    bodies = b_bodies(work_b, title_b)
    tried = set()
    for template, method in operations():
        path = concrete(template, agreement_b, title_b, block_b, work_b)
        is_list = "{" not in template and method == "get"
        # Lists are asked for B's objects by name and id; details and writes with B's party.
        queries = ([{"reference": "AGR-B"}, {"q": "Studio B", "include_parts": "true"},
                    {"title": title_b.pk, "titles": title_b.pk}, {}] if is_list
                   else [{}, {"party": "Studio B"}])
        for query in queries:
            if method in ("get", "head", "options"):
                response = getattr(client, method)(path, query)
            else:
                body = bodies.get(template, BODIES.get(method, {}))
                response = getattr(client, method)(f"{path}?party=Studio%20B", body,
                                                   format="json")
            body = response.content.decode()
            # A new object of its own (a webhook endpoint) from a body not meant for it: 400.
            allowed = (200, 403) if is_list else (400, 403, 404) if "{" not in template \
                else (403, 404)
            if method == "options":  # the upload server's capabilities: nobody's data
                allowed = (204,)
            assert response.status_code in allowed, (method, path, response.status_code)
            assert not any(marker in body for marker in B_MARKERS), (method, path, query)
            assert title_b.original_title not in body, (method, path, query)
            if is_list and response.status_code == 200 and "results" in response.json():
                ids = {item.get("id") for item in response.json()["results"]}
                assert ids <= {agreement_a.pk, title_a.pk}, (path, query)
        tried.add((method, template))
    assert {("post", "/api/v1/agreements/{id}/approve/"), ("get", "/api/v1/rights-blocks/"),
            ("get", "/api/v1/avails/"), ("get", "/api/v1/agreements/"),
            ("get", "/api/v1/agreements/{id}/statements/{period}/csv/"),
            ("patch", "/api/v1/titles/{id}/"), ("delete", "/api/v1/webhooks/{id}/"),
            ("post", "/api/v1/webhook-deliveries/{id}/replay/"),
            ("post", "/api/v1/jobs/"), ("post", "/api/v1/jobs/{id}/cancel/"),
            ("get", "/api/v1/packages/{id}/download/"), ("get", "/api/v1/dubs/{id}/audio/{kind}/"),
            ("post", "/api/v1/translations/"), ("post", "/api/v1/packages/")} <= tried
    after = (Agreement.objects.get(pk=agreement_b.pk).approvals.count(),
             Title.objects.get(pk=title_b.pk).original_title, Title.objects.count(),
             pipeline_state())
    assert after == before
    assert WebhookEndpoint.objects.count() == 1 and WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize("path", [
    "/api/v1/agreements/", "/api/v1/agreements/?reference=AGR-B",
    "/api/v1/agreements/?status=awaiting_approvals", "/api/v1/titles/",
    "/api/v1/titles/?q=Studio%20B", "/api/v1/titles/?include_parts=true",
])
def test_partner_a_lists_only_its_own(two_partners, path):
    (agreement_a, partner_a, title_a), _b = two_partners
    response = client_with(token_for(partner_a, "read")).get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert not any(marker in body for marker in B_MARKERS)
    assert "Studio B 작품" not in body
    ids = {item["id"] for item in response.json()["results"]}
    assert ids <= {agreement_a.pk, title_a.pk}


def test_partner_a_still_reaches_its_own(two_partners):
    (agreement_a, partner_a, title_a), _b = two_partners
    client = client_with(token_for(partner_a, "read"))
    assert client.get(f"/api/v1/agreements/{agreement_a.pk}/").status_code == 200
    assert client.get(f"/api/v1/titles/{title_a.pk}/").status_code == 200
    listed = client.get(f"/api/v1/agreements/{agreement_a.pk}/statements/").json()
    assert [item["payout"] for item in listed["results"]] == ["250000", "570000"]
    csv_answer = client.get(f"/api/v1/agreements/{agreement_a.pk}/statements/2026-Q1/csv/")
    assert csv_answer.status_code == 200 and b"Studio A" in csv_answer.content


def test_an_existing_and_a_missing_id_of_another_partner_answer_alike(two_partners):
    (_a_agreement, partner_a, _a_title), (agreement_b, _b_partner, title_b, work_b) = \
        two_partners
    client = client_with(token_for(partner_a, "read"))
    for template, theirs_id in (
            ("/api/v1/agreements/{}/", agreement_b.pk), ("/api/v1/titles/{}/", title_b.pk),
            ("/api/v1/agreements/{}/statements/", agreement_b.pk),
            ("/api/v1/media/{}/", work_b.media.pk), ("/api/v1/jobs/{}/", work_b.job.pk),
            ("/api/v1/tracks/{}/", work_b.japanese.pk), ("/api/v1/dubs/{}/", work_b.dub.pk),
            ("/api/v1/packages/{}/", work_b.package.pk),
            ("/api/v1/translations/{}/", work_b.translation.pk)):
        theirs = client.get(template.format(theirs_id))
        none = client.get(template.format(10**9))
        assert theirs.status_code == none.status_code == 404, template
        assert theirs.json()["detail"] == none.json()["detail"]
