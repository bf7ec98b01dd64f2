"""The portal's cross-partner matrix, through the API: partner A tries every operation of
the schema (every list, detail, write and download) on partner B's objects and gets
nothing — 404, 403 for what its role never allows, or a list without them — never a
byte of B's data, and changes nothing. Operations are read from the generated schema, so
an operation added later is tried too."""

import datetime as dt

import pytest
from drf_spectacular.generators import SchemaGenerator

from coprod.agreements import services
from coprod.agreements.models import Agreement
from coprod.api.models import WebhookDelivery, WebhookEndpoint
from coprod.api.webhooks import webhook_emit, webhook_endpoint_create
from coprod.catalog.models import Title
from coprod.rights.models import RightsBlock
from tests.api.conftest import client_with, token_for
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
    return a, b


def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method in item:
            yield path, method


def concrete(path: str, agreement: Agreement, title: Title, block: RightsBlock) -> str:
    ids = {"agreements": agreement.pk, "titles": title.pk, "rights-blocks": block.pk,
           "webhooks": WebhookEndpoint.objects.get().pk,
           "webhook-deliveries": WebhookDelivery.objects.get().pk}
    resource = path.split("/")[3]
    if "{id}" in path:
        path = path.replace("{id}", str(ids[resource]))
    return path.replace("{period}", "2026-Q1")


BODIES = {
    "post": {"version": 2, "kind": "episode", "parent": None, "original_title": "B 침입",
             "romanized_title": "Intrusion", "year": 2026},
    "delete": {},
    "patch": {"original_title": "Hijacked", "notes": "Hijacked"},
}


def test_partner_a_gets_nothing_of_partner_b_through_any_operation(two_partners):
    (agreement_a, partner_a, title_a), (agreement_b, _partner_b, title_b) = two_partners
    block_b = RightsBlock.objects.get(title=title_b)
    before = (Agreement.objects.get(pk=agreement_b.pk).approvals.count(),
              Title.objects.get(pk=title_b.pk).original_title, Title.objects.count())
    client = client_with(token_for(partner_a, "write"))
    tried = set()
    for template, method in operations():
        path = concrete(template, agreement_b, title_b, block_b)
        is_list = "{" not in template and method == "get"
        # Lists are asked for B's objects by name and id; details and writes with B's party.
        queries = ([{"reference": "AGR-B"}, {"q": "Studio B", "include_parts": "true"},
                    {"title": title_b.pk, "titles": title_b.pk}, {}] if is_list
                   else [{}, {"party": "Studio B"}])
        for query in queries:
            if method == "get":
                response = client.get(path, query)
            else:
                response = getattr(client, method)(f"{path}?party=Studio%20B", BODIES[method],
                                                   format="json")
            body = response.content.decode()
            # A new object of its own (a webhook endpoint) from a body not meant for it: 400.
            allowed = (200, 403) if is_list else (400, 403, 404) if "{" not in template \
                else (403, 404)
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
            ("post", "/api/v1/webhook-deliveries/{id}/replay/")} <= tried
    after = (Agreement.objects.get(pk=agreement_b.pk).approvals.count(),
             Title.objects.get(pk=title_b.pk).original_title, Title.objects.count())
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
    (_a_agreement, partner_a, _a_title), (agreement_b, _b_partner, title_b) = two_partners
    client = client_with(token_for(partner_a, "read"))
    for template, missing in (("/api/v1/agreements/{}/", 10**9), ("/api/v1/titles/{}/", 10**9),
                              ("/api/v1/agreements/{}/statements/", 10**9)):
        theirs = client.get(template.format(agreement_b.pk if "agreements" in template
                                            else title_b.pk))
        none = client.get(template.format(missing))
        assert theirs.status_code == none.status_code == 404
        assert theirs.json()["detail"] == none.json()["detail"]
